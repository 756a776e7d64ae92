/**
 * The pay-success contract (TRANSACTION topic `TopicOrderPaySuccess`, key = orderNo, tag
 * `PAID`). Sent as a half message and committed only together with the local payment
 * transaction (payment row + PENDING_PAYMENT → PAID + stock sold); the broker's check-back is
 * answered from the payment row. Consumers: points (`cg-points`), coupon (`cg-coupon-pay`),
 * push/SMS (`cg-push`), shipping (`cg-shipping`). Each is idempotent per orderNo.
 */
export const PAY_SUCCESS_TAG = 'PAID';

export interface OrderPaidEvent {
  orderNo: string;
  userId: number;
  storeId: number;
  /** WeChat Pay's transaction_id (the payment row's unique key; the check-back looks it up). */
  transactionId: string;
  payableFen: number;
  totalFen: number;
  /** ISO time WeChat reports the payment succeeded. */
  paidAt: string;
  /** Which attempt sent this half message: only the attempt whose local transaction committed is committed. */
  attemptId: string;
}
