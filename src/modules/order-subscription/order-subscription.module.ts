import { AppError } from '../../shared/errors.js';
import type { OrderService } from '../order/order.service.js';
import type { ModuleFactory } from '../module.js';
import { orderStatusFeedConsumer } from './order-status-feed.consumer.js';
import { OrderStatusFeed, type OrderWatchLookup } from './order-status-feed.js';
import { bindOrderStatusFeed, OrderSubscriptionResolver } from './order-subscription.resolver.js';

/** The orderStatusChanged subscription, fed by this instance's FIFO consumer group. */
export const orderSubscriptionModule: ModuleFactory = ({ pubSub, metrics, orm, instanceId, services }) => {
  // Owner and current seq come from the order module's service (`getOrder` answers null for an
  // unknown order and for another user's order alike), looked up per call.
  const lookup: OrderWatchLookup = async (ctx, orderNo) => {
    const orders = services.orders as Pick<OrderService, 'getOrder'> | undefined;
    if (!orders) throw AppError.unavailable('orders are not available on this instance', 'ORDERS_UNAVAILABLE');
    const view = await orders.getOrder(ctx, orderNo);
    return view ? { userId: view.order.userId, seq: view.order.version } : null;
  };
  const feed = new OrderStatusFeed({ pubSub, lookup, metrics });
  bindOrderStatusFeed(orm.em, feed);
  return {
    name: 'order-subscription',
    services: { orderStatusFeed: feed },
    resolvers: [[OrderSubscriptionResolver, new OrderSubscriptionResolver()]],
    instanceConsumers: [orderStatusFeedConsumer(feed, instanceId)],
  };
};
