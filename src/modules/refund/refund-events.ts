import type { RefundSource } from './refund.entity.js';

/**
 * The refund contract (TRANSACTION topic `TopicOrderRefund`, key = refundNo, tag = source).
 * Sent as a half message and committed only together with the local refund transaction (refund
 * row + order → REFUNDING); the broker's check-back is answered from the refund row. Consumers:
 * payment (`cg-refund-pay`: asks WeChat Pay for the money back), coupon (`cg-coupon-refund`),
 * points (`cg-points-refund`). Each is idempotent per refundNo.
 */
export interface OrderRefundRequested {
  refundNo: string;
  orderNo: string;
  userId: number;
  transactionId: string;
  amountFen: number;
  totalFen: number;
  source: RefundSource;
  reason: string;
  /** The coupon the order used, to be returned (USER refunds only). */
  userCouponId: number | null;
}
