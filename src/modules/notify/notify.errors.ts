/**
 * Another worker holds a fresh claim on this notification (it is calling WeChat right now).
 * Thrown so the message comes back later; never reaches a GraphQL client.
 */
export class NotificationInProgressError extends Error {
  override name = 'NotificationInProgressError';
  constructor(orderNo: string, seq: number) {
    super(`notification ${orderNo}:${seq} is being sent by another worker`);
  }
}
