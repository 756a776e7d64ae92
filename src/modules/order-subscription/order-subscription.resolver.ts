import { GraphQLError } from 'graphql';
import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/mysql';
import { formatError } from '../../graphql/errors.js';
import type { RequestContext } from '../../shared/context.js';
import type { OrderStatusChangedEvent } from '../order/order-events.js';
import type { OrderStatusFeed } from './order-status-feed.js';
import { OrderStatusEventType } from './order-subscription.types.js';

/**
 * type-graphql calls a `@Subscription({ subscribe })` function statically, without the resolver
 * instance, and the pubSub and the ownership check belong to one app. Each app binds its feed
 * here under its ORM configuration, which every entity-manager fork shares, so the `ctx.em` of a
 * subscription finds its own app's feed even when a process runs several apps (tests).
 */
const feeds = new WeakMap<object, OrderStatusFeed>();

export function bindOrderStatusFeed(em: EntityManager, feed: OrderStatusFeed): void {
  feeds.set(em.config, feed);
}

function feedOf(ctx: RequestContext): OrderStatusFeed {
  const feed = feeds.get(ctx.em.config);
  if (!feed) throw new Error('no order-status feed is bound to this app');
  return feed;
}

/**
 * The WebSocket server sends a refused subscription's errors as they are (Apollo's formatError
 * covers HTTP only), so map them here with the same function: an AppError keeps its code and
 * reason (NOT_FOUND / ORDER_NOT_FOUND), anything else is logged and masked.
 */
async function watch({ args, context }: SubscribeResolverData<unknown, { orderNo: string }, RequestContext>): Promise<AsyncIterable<OrderStatusChangedEvent>> {
  try {
    return await feedOf(context).watch(context, args.orderNo);
  } catch (err) {
    const formatted = formatError(context.log)(new GraphQLError((err as Error).message ?? 'error', { originalError: err as Error }).toJSON(), err);
    throw new GraphQLError(formatted.message, { extensions: formatted.extensions });
  }
}

@Resolver()
export class OrderSubscriptionResolver {
  @Subscription(() => OrderStatusEventType, {
    description:
      "Status changes of one of the viewer's orders (owner only), in order, each seq once: the transitions after the one the order was at when the subscription opened. Subscribe, then read the order, then apply events with a higher seq.",
    // Ownership is checked here, once, before any event flows: a refused subscription gets an error instead of a stream.
    subscribe: watch,
  })
  orderStatusChanged(@Root() event: OrderStatusChangedEvent, @Arg('orderNo') _orderNo: string): OrderStatusEventType {
    return OrderStatusEventType.from(event);
  }
}
