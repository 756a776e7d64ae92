import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Topics } from '../../../src/infra/mq/topics.js';
import type { CatalogService } from '../../../src/modules/catalog/catalog.service.js';
import type { OrderStatusChanged, OrderStatus } from '../../../src/modules/order/order-events.js';
import type { OrderStatusFeed } from '../../../src/modules/order-subscription/order-status-feed.js';
import type { Customer } from '../../helpers/actors.js';
import { gql, operation } from '../../helpers/graphql-client.js';
import type { TestApp } from '../../helpers/test-app.js';

export const ops = {
  placeOrder: operation('place-order'),
  cancelOrder: operation('cancel-order'),
  orderStatusChanged: operation('order-status-changed'),
  salesSummary: operation('sales-summary'),
};

/** A fresh SKU in store 1 (plenty of stock). */
export async function newSku(app: TestApp, priceFen = 1_250): Promise<number> {
  const view = await (app.services.catalog as CatalogService).createProduct(app.orm.em.fork(), {
    storeId: 1,
    name: `stream-${randomUUID().slice(0, 8)}`,
    skus: [{ name: 'S', priceFen, stock: 1_000 }],
  });
  return view.skus[0].id;
}

export interface PlacedOrder {
  orderNo: string;
  totalFen: number;
  payableFen: number;
}

/** A real order through the placeOrder mutation (the order module publishes its CREATED event). */
export async function placeOrder(app: TestApp, customer: Customer, skuId: number, quantity = 1): Promise<PlacedOrder> {
  const r = await gql(app.url, ops.placeOrder, { input: { clientRequestId: `req-${randomUUID()}`, storeId: '1', items: [{ skuId: String(skuId), quantity }] } }, customer.token);
  if (!r.data) throw new Error(`placeOrder failed: ${JSON.stringify(r.errors)}`);
  const o = r.data.placeOrder;
  return { orderNo: o.orderNo, totalFen: o.totalFen, payableFen: o.payableFen };
}

const PREVIOUS: Record<string, OrderStatus | null> = { CREATED: null, PAID: 'PENDING_PAYMENT', SHIPPED: 'PAID', COMPLETED: 'SHIPPED', CANCELLED: 'PENDING_PAYMENT', REFUNDING: 'COMPLETED', REFUNDED: 'REFUNDING' };

/** The event the order module would publish for `event` as transition number `seq`. */
export function statusEvent(order: PlacedOrder, userId: number, event: OrderStatusChanged['event'], seq: number, extra: Partial<OrderStatusChanged> = {}): OrderStatusChanged {
  return {
    orderNo: order.orderNo,
    userId,
    storeId: 1,
    event,
    status: event === 'CREATED' ? 'PENDING_PAYMENT' : (event as OrderStatus),
    previousStatus: PREVIOUS[event] ?? null,
    seq,
    totalFen: order.totalFen,
    payableFen: order.payableFen,
    reason: event === 'CREATED' ? undefined : event,
    at: new Date().toISOString(),
    ...extra,
  };
}

/** Publishes straight through the app's bus: the real broker path, FIFO group = orderNo, tag = event. */
export async function publishStatus(app: TestApp, data: OrderStatusChanged): Promise<void> {
  await app.bus.publish({ topic: Topics.OrderStatus, tag: data.event, key: data.orderNo, messageGroup: data.orderNo, data });
}

export function feed(app: TestApp): OrderStatusFeed {
  return app.services.orderStatusFeed as OrderStatusFeed;
}

export function wsUrl(app: TestApp): string {
  return `${app.url.replace(/^http/, 'ws')}/graphql`;
}

/** A graphql-ws client like the mini-program's (wx.connectSocket), over the `ws` package. */
export function wsClient(app: TestApp, authorization?: string): Client {
  return createClient({
    url: wsUrl(app),
    webSocketImpl: WebSocket,
    connectionParams: authorization === undefined ? {} : { authorization },
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Watch {
  events: Record<string, any>[];
  error?: unknown;
  completed: boolean;
  done: Promise<void>;
  stop(): void;
}


/** Subscribes to orderStatusChanged and records what arrives. */
export function watch(client: Client, orderNo: string): Watch {
  let settle!: () => void;
  const w: Watch = { events: [], completed: false, done: new Promise<void>((r) => (settle = r)), stop: () => undefined };
  w.stop = client.subscribe(
    { query: ops.orderStatusChanged, variables: { orderNo } },
    {
      next: (value) => {
        if (value.errors) w.error = value.errors;
        else w.events.push((value.data as any).orderStatusChanged);
      },
      error: (err) => {
        w.error = err;
        settle();
      },
      complete: () => {
        w.completed = true;
        settle();
      },
    },
  );
  return w;
}
