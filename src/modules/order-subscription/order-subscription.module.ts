import type { OrderService } from '../order/order.service.js';
import { defineModule } from '../module.js';
import { orderStatusFeedConsumer } from './order-status-feed.consumer.js';
import { OrderStatusFeed, type OrderWatchLookup } from './order-status-feed.js';
import { OrderSubscriptionResolver } from './order-subscription.resolver.js';

/** The orderStatusChanged subscription, fed by this instance's FIFO consumer group. */
export const orderSubscriptionModule = defineModule({
  name: 'order-subscription',
  entities: [],
  resolvers: [OrderSubscriptionResolver],
  create: ({ pubSub, metrics, instanceId }, { orders }: { orders: Pick<OrderService, 'getOrder'> }) => {
    // Owner and current seq come from the order module's service (`getOrder` answers null for an
    // unknown order and for another user's order alike), looked up per call.
    const lookup: OrderWatchLookup = async (ctx, orderNo) => {
      const view = await orders.getOrder(ctx, orderNo);
      return view ? { userId: view.order.userId, seq: view.order.version } : null;
    };
    const feed = new OrderStatusFeed({ pubSub, lookup, metrics });
    return {
      services: { orderStatusFeed: feed },
      resolvers: [new OrderSubscriptionResolver(feed)],
      instanceConsumers: [orderStatusFeedConsumer(feed, instanceId)],
    };
  },
});
