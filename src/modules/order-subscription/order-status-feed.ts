import type { PubSub } from 'type-graphql';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RequestContext } from '../../shared/context.js';
import { AppError } from '../../shared/errors.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { OrderStatusChanged } from '../order/order-events.js';

/** In-process pubSub topic of one order's status events. */
export const orderStatusTopic = (orderNo: string): string => `ORDER_STATUS:${orderNo}`;

/** Longest order number (WeChat Pay's out_trade_no limit). */
const MAX_ORDER_NO_LENGTH = 32;

/**
 * An order as a subscription needs it: its owner and its current `seq` (the order row's
 * version), or null when there is no such order (or, per the order module, none of the viewer's).
 */
export type OrderWatchLookup = (ctx: RequestContext, orderNo: string) => Promise<{ userId: number; seq: number } | null>;

/**
 * This instance's end of the order-status stream: the per-instance FIFO consumer publishes every
 * event to the in-process pubSub, and each GraphQL subscription watches one order's topic.
 *
 * A subscription delivers the transitions after the one the order was at when it opened (seq
 * greater than the order's version then), in stream order, each seq once. So a client subscribes,
 * then reads the order, then applies events with a higher seq. The floor also drops history a
 * new per-instance consumer group replays (a new group starts at the oldest stored message).
 */
export class OrderStatusFeed {
  readonly #watchers = new Map<string, number>();

  constructor(private readonly deps: { pubSub: PubSub; lookup: OrderWatchLookup; metrics: Metrics }) {}

  /** Hands one stream event to this instance's subscribers of that order. */
  publish(event: OrderStatusChanged): void {
    this.deps.pubSub.publish(orderStatusTopic(event.orderNo), event);
  }

  /**
   * The viewer's subscription to one of their orders, in stream order, each `seq` at most once.
   * Refused with NOT_FOUND (ORDER_NOT_FOUND) for an unknown order and for another user's order
   * alike, so order numbers of others are never confirmed to exist.
   */
  async watch(ctx: RequestContext, orderNo: string): Promise<AsyncIterable<OrderStatusChanged>> {
    const viewer = requireCustomer(ctx);
    if (typeof orderNo !== 'string' || orderNo.length === 0 || orderNo.length > MAX_ORDER_NO_LENGTH) {
      throw AppError.badInput(`orderNo must be 1..${MAX_ORDER_NO_LENGTH} characters`, 'INVALID_ORDER_NO', 'orderNo');
    }
    const order = await this.deps.lookup(ctx, orderNo);
    if (order === null || order.userId !== viewer.userId) throw AppError.notFound('no such order', 'ORDER_NOT_FOUND');
    ctx.log.debug({ orderNo, fromSeq: order.seq }, 'order status subscription opened');
    return this.#iterate(orderNo, order.seq);
  }

  /** Open subscriptions on this instance for an order (all orders when omitted). */
  watchers(orderNo?: string): number {
    if (orderNo !== undefined) return this.#watchers.get(orderNo) ?? 0;
    let total = 0;
    for (const n of this.#watchers.values()) total += n;
    return total;
  }

  /**
   * Wraps the pubSub iterator by hand (not an async generator): a generator's `return()` waits
   * behind a pending `next()`, which would keep a closed subscription alive until the order's
   * next event. Counts the subscription once its listener is attached (on the first `next()`).
   */
  #iterate(orderNo: string, fromSeq: number): AsyncIterable<OrderStatusChanged> {
    const source = this.deps.pubSub.subscribe(orderStatusTopic(orderNo))[Symbol.asyncIterator]() as AsyncIterator<OrderStatusChanged>;
    const gauge = this.deps.metrics.gauge('order_status_subscriptions', 'Open orderStatusChanged subscriptions on this instance', []);
    let state: 'new' | 'open' | 'closed' = 'new';
    let lastSeq = fromSeq;
    const close = () => {
      if (state === 'open') {
        const left = (this.#watchers.get(orderNo) ?? 1) - 1;
        if (left > 0) this.#watchers.set(orderNo, left);
        else this.#watchers.delete(orderNo);
        gauge.dec();
      }
      state = 'closed';
    };
    const iterator: AsyncIterableIterator<OrderStatusChanged> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        for (;;) {
          const pending = source.next();
          if (state === 'new') {
            // The first next() has attached the pubSub listener synchronously.
            state = 'open';
            this.#watchers.set(orderNo, (this.#watchers.get(orderNo) ?? 0) + 1);
            gauge.inc();
          }
          const r = await pending;
          if (r.done) {
            close();
            return r;
          }
          // Already reflected in the order the client reads, or a redelivery: skip.
          if (r.value.seq <= lastSeq) continue;
          lastSeq = r.value.seq;
          return r;
        }
      },
      return: async (value?: unknown) => {
        close();
        await source.return?.(value);
        return { done: true, value: undefined };
      },
      throw: async (err?: unknown) => {
        close();
        if (source.throw) return source.throw(err);
        throw err;
      },
    };
    return iterator;
  }
}
