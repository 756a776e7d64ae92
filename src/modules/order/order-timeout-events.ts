/**
 * The payment-deadline contract (DELAY topic `TopicOrderTimeout`, key = orderNo, delivered at the
 * order's expiresAt). Published by order placement through the outbox; consumer: the order
 * module's unpaid-order closer (`cg-order-timeout`), idempotent per orderNo.
 */
export interface OrderPaymentTimedOut {
  orderNo: string;
  expiresAt: string;
}
