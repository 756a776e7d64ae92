import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX, Topics } from '../../infra/mq/topics.js';
import { OrderStatusValues, type OrderStatusChanged } from '../order/order-events.js';
import { readOrderStatusEvent } from '../order/order-status-message.js';
import type { OrderStatusFeed } from './order-status-feed.js';

/**
 * `cg-order-sub-<instanceId>` (FIFO, one group per instance so every instance sees every event):
 * feeds this instance's GraphQL subscriptions. Naturally idempotent (subscribers drop a `seq`
 * they already have), so no idempotency key. Only transitions: a subscription pushes what
 * happens after it starts, and CREATED (seq 1) is never after a subscribe (the order had to exist),
 * so the broker filters it out instead of every API instance receiving and dropping each order's.
 */
export const FEED_TAGS = OrderStatusValues.filter((status) => status !== 'PENDING_PAYMENT');

export function orderStatusFeedConsumer(feed: OrderStatusFeed, instanceId: string): ConsumerDefinition<OrderStatusChanged> {
  return {
    name: 'order-status-feed',
    group: `${ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX}${instanceId}`,
    topic: Topics.OrderStatus,
    tags: FEED_TAGS,
    idempotencyKey: null,
    async handle({ log }, message) {
      const read = readOrderStatusEvent(message);
      if ('invalid' in read) {
        log.error({ invalid: read.invalid }, 'malformed order-status event; dropped');
        return 'drop';
      }
      feed.publish(read.event);
    },
  };
}
