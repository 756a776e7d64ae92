import { Arg, Resolver, Root, Subscription } from 'type-graphql';
import { subscribeOn } from '../../graphql/subscribe-on.js';
import type { RequestContext } from '../../shared/context.js';
import type { OrderStatusChanged } from '../order/order-events.js';
import type { OrderStatusFeed } from './order-status-feed.js';
import { OrderStatusEventType } from './order-subscription.types.js';

@Resolver()
export class OrderSubscriptionResolver {
  constructor(private readonly feed: OrderStatusFeed) {}

  /** Opens orderStatusChanged: the feed checks ownership once, before any event flows. */
  watch(ctx: RequestContext, orderNo: string): Promise<AsyncIterable<OrderStatusChanged>> {
    return this.feed.watch(ctx, orderNo);
  }

  @Subscription(() => OrderStatusEventType, {
    description:
      "Status changes of one of the viewer's orders (owner only), in order, each seq once: the transitions after the one the order was at when the subscription opened. Subscribe, then read the order, then apply events with a higher seq.",
    // Ownership is checked here, once, before any event flows: a refused subscription gets an error instead of a stream.
    subscribe: subscribeOn(OrderSubscriptionResolver, (resolver, ctx, args: { orderNo: string }) => resolver.watch(ctx, args.orderNo)),
  })
  orderStatusChanged(@Root() event: OrderStatusChanged, @Arg('orderNo') _orderNo: string): OrderStatusEventType {
    return OrderStatusEventType.from(event);
  }
}
