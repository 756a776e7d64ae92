import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX, Topics } from '../../infra/mq/topics.js';
import type { OrderStatusChangedEvent } from '../order/order-events.js';
import { readOrderStatusEvent } from '../notify/order-status-message.js';
import type { OrderStatusFeed } from './order-status-feed.js';

/**
 * `cg-order-sub-<instanceId>` (FIFO, one group per instance so every instance sees every event):
 * feeds this instance's GraphQL subscriptions. Naturally idempotent (subscribers drop a `seq`
 * they already have), so no idempotency key.
 */
export function orderStatusFeedConsumer(feed: OrderStatusFeed, instanceId: string): ConsumerDefinition<OrderStatusChangedEvent> {
  return {
    name: 'order-status-feed',
    group: `${ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX}${instanceId}`,
    topic: Topics.OrderStatus,
    idempotencyKey: null,
    async handle({ log }, message) {
      const read = readOrderStatusEvent(message);
      if ('invalid' in read) {
        log.error({ invalid: read.invalid }, 'malformed order-status event; dropped');
        return 'duplicate';
      }
      feed.publish(read.event);
    },
  };
}
