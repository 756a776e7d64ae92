import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import type { OrderPaid } from '../payment/payment-events.js';
import type { OrderRefundRequested } from '../refund/refund-events.js';
import type { PointsService } from './points.service.js';

/** cg-points: a paid order earns points, once (ledger unique (order_no, 'PAID')). */
export function pointsAwardConsumer(points: PointsService): ConsumerDefinition<OrderPaid> {
  return {
    name: 'points-award',
    group: ConsumerGroups.Points,
    topic: Topics.OrderPaySuccess,
    idempotencyKey: (m) => m.envelope.data.orderNo,
    async handle({ em, log }, message) {
      const { orderNo, userId, payableFen } = message.envelope.data;
      const row = await points.awardForPayment(em, { orderNo, userId, payableFen });
      log.info({ orderNo, userId, delta: row.delta }, 'points awarded');
    },
  };
}

/** cg-points-refund: a refunded order gives its points back, once (ledger unique (order_no, 'REFUNDED')). */
export function pointsRefundConsumer(points: PointsService): ConsumerDefinition<OrderRefundRequested> {
  return {
    name: 'points-refund',
    group: ConsumerGroups.PointsRefund,
    topic: Topics.OrderRefund,
    // Late-payment refunds never earned points.
    tags: ['USER'],
    idempotencyKey: (m) => m.envelope.data.refundNo,
    async handle({ em, log }, message) {
      const { orderNo, userId } = message.envelope.data;
      const row = await points.reverseForRefund(em, { orderNo, userId });
      log.info({ orderNo, userId, delta: row.delta }, 'points reversed');
    },
  };
}
