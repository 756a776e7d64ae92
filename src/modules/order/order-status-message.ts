import type { IncomingMessage } from '../../infra/mq/message-bus.port.js';
import { ORDER_CREATED_TAG, OrderStatusValues, type OrderStatusChanged } from './order-events.js';

const EVENTS: ReadonlySet<string> = new Set([ORDER_CREATED_TAG, ...OrderStatusValues]);
const STATUSES: ReadonlySet<string> = new Set(OrderStatusValues);

/**
 * The order-status event a message carries, or a reason why it is unusable (next to the contract,
 * in the publishing module). Shared by the three stream consumers (notify, analytics, subscription
 * feed): a malformed event can never become valid by retrying, so consumers drop it (ack).
 */
export function readOrderStatusEvent(message: IncomingMessage<OrderStatusChanged>): { event: OrderStatusChanged } | { invalid: string } {
  const e = message.envelope?.data as Partial<OrderStatusChanged> | undefined;
  if (!e || typeof e !== 'object') return { invalid: 'no event body' };
  if (typeof e.orderNo !== 'string' || e.orderNo.length === 0 || e.orderNo.length > 32) return { invalid: 'orderNo' };
  if (!Number.isInteger(e.seq) || e.seq! < 0) return { invalid: 'seq' };
  if (!Number.isInteger(e.userId) || e.userId! <= 0) return { invalid: 'userId' };
  if (typeof e.event !== 'string' || !EVENTS.has(e.event)) return { invalid: 'event' };
  if (typeof e.status !== 'string' || !STATUSES.has(e.status)) return { invalid: 'status' };
  if (e.previousStatus != null && !STATUSES.has(e.previousStatus)) return { invalid: 'previousStatus' };
  if (typeof e.at !== 'string' || Number.isNaN(Date.parse(e.at))) return { invalid: 'at' };
  return {
    event: {
      orderNo: e.orderNo,
      userId: e.userId!,
      storeId: Number.isInteger(e.storeId) ? e.storeId! : 0,
      event: e.event,
      status: e.status,
      previousStatus: e.previousStatus ?? null,
      seq: e.seq!,
      totalFen: Number.isInteger(e.totalFen) ? e.totalFen! : 0,
      payableFen: Number.isInteger(e.payableFen) ? e.payableFen! : 0,
      reason: typeof e.reason === 'string' ? e.reason : undefined,
      at: e.at,
    },
  };
}

/** The idempotency key of an order-status event for one consumer: `orderNo:seq`. */
export function orderStatusKey(message: IncomingMessage<OrderStatusChanged>): string {
  return `${message.envelope.data?.orderNo}:${message.envelope.data?.seq}`;
}
