/**
 * The pay-success contract (NORMAL topic `TopicOrderPaySuccess`, key = orderNo, tag `PAID`).
 * Written to the outbox in the local payment transaction (payment row + PENDING_PAYMENT → PAID +
 * stock sold), so it exists exactly when that transaction committed; published after commit (at
 * least once). Consumers: points (`cg-points`), coupon (`cg-coupon-pay`), push/SMS (`cg-push`),
 * shipping (`cg-shipping`). Each is idempotent per orderNo.
 */
export const PAY_SUCCESS_TAG = 'PAID';

export interface OrderPaid {
  orderNo: string;
  userId: number;
  storeId: number;
  /** WeChat Pay's transaction_id (the payment row's unique key). */
  transactionId: string;
  payableFen: number;
  totalFen: number;
  /** ISO time WeChat reports the payment succeeded. */
  paidAt: string;
  /** The payment row's attempt_id: which handling of the notification recorded the payment. */
  attemptId: string;
}
