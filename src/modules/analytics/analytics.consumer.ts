import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import type { OrderStatusChanged } from '../order/order-events.js';
import { orderStatusKey, readOrderStatusEvent } from '../order/order-status-message.js';
import type { AnalyticsService } from './analytics.service.js';

/** cg-analytics (FIFO): every order transition becomes one row of the analytics store. */
export function orderFactConsumer(analytics: AnalyticsService): ConsumerDefinition<OrderStatusChanged> {
  return {
    name: 'analytics-order-fact',
    group: ConsumerGroups.Analytics,
    topic: Topics.OrderStatus,
    idempotencyKey: orderStatusKey,
    async handle({ em, log }, message) {
      const read = readOrderStatusEvent(message);
      if ('invalid' in read) {
        log.error({ invalid: read.invalid }, 'malformed order-status event; dropped');
        return 'drop';
      }
      const outcome = await analytics.recordOrderFact(em, read.event);
      if (outcome === 'duplicate') return 'duplicate';
      log.debug({ orderNo: read.event.orderNo, seq: read.event.seq, event: read.event.event }, 'order fact recorded');
    },
  };
}
