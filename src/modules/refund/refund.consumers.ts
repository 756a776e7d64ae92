import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import type { OrderRefundRequested } from './refund-events.js';
import type { RefundService } from './refund.service.js';

/** cg-refund-pay: WeChat Pay returns the money (idempotent by out_refund_no; the refund row's status guards replays). */
export function refundPayConsumer(refunds: RefundService): ConsumerDefinition<OrderRefundRequested> {
  return {
    name: 'refund-pay',
    callsOutside: true,
    group: ConsumerGroups.RefundPay,
    topic: Topics.OrderRefund,
    idempotencyKey: (m) => m.envelope.data.refundNo,
    async handle({ em, log }, message) {
      return (await refunds.executeRefund(em, log, message.envelope.data)) === 'duplicate' ? 'duplicate' : undefined;
    },
  };
}

/** cg-coupon-refund: the order's coupon becomes available again (user refunds; a late payment's order already gave it back). */
export function refundCouponConsumer(refunds: RefundService): ConsumerDefinition<OrderRefundRequested> {
  return {
    name: 'coupon-refund',
    group: ConsumerGroups.CouponRefund,
    topic: Topics.OrderRefund,
    tags: ['USER'],
    idempotencyKey: (m) => m.envelope.data.refundNo,
    async handle({ em, log }, message) {
      const returned = await refunds.returnCoupon(em, message.envelope.data);
      log.info({ orderNo: message.envelope.data.orderNo, returned }, 'refund: coupon handled');
      return returned ? undefined : 'duplicate';
    },
  };
}
