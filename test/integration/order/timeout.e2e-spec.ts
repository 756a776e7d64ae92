import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX, Topics } from '../../../src/infra/mq/topics.js';
import type { OrderStatusChanged } from '../../../src/modules/order/order-events.js';
import { eventually } from '../../helpers/wait.js';
import { couponStatus, createSkus, ops, orderRow, orderService, placeOrder, skuRow } from './helpers.js';
import { login, loginWithCoupon } from '../../helpers/actors.js';

/** Payment timeout for this suite. */
const TIMEOUT_MS = 5_000; // long enough for a test's own steps (cancel, pay) to come first on a busy machine

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: 'order_timeout', env: { ORDER_PAYMENT_TIMEOUT: `${TIMEOUT_MS}ms` } });
});
afterAll(async () => {
  await app?.close();
});

async function consumedTimeouts(): Promise<number> {
  return (await app.metrics.value('mq_consumed_total', { consumer: 'order-timeout', outcome: 'done' })) + (await app.metrics.value('mq_consumed_total', { consumer: 'order-timeout', outcome: 'duplicate' }));
}

test('an unpaid order is cancelled by its delay message; stock and coupon return', async () => {
  const buyer = await loginWithCoupon(app);
  const [sku] = await createSkus(app, 1, [{ priceFen: 6000, stock: 5 }]);
  const placed = await placeOrder(app, buyer, { storeId: '1', couponId: buyer.couponId, items: [{ skuId: String(sku), quantity: 1 }] });
  expect(placed.errors).toBeUndefined();
  const { orderNo, expiresAt } = placed.data.placeOrder;
  expect(new Date(expiresAt).getTime() - new Date(placed.data.placeOrder.createdAt).getTime()).toBe(TIMEOUT_MS);
  expect(await skuRow(app, sku)).toEqual({ stock: 4, reserved: 1, sold: 0 });
  expect((await couponStatus(app, buyer.couponId)).status).toBe('USED');

  const row = await eventually(async () => {
    const r = await orderRow(app, orderNo);
    return r?.status === 'CANCELLED' ? r : undefined;
  }, { what: 'order cancelled by timeout' });
  expect(row.cancel_reason).toBe('PAYMENT_TIMEOUT');
  expect(new Date(row.cancelled_at).getTime()).toBeGreaterThanOrEqual(new Date(expiresAt).getTime());
  expect(await skuRow(app, sku)).toEqual({ stock: 5, reserved: 0, sold: 0 });
  expect(await couponStatus(app, buyer.couponId)).toEqual({ status: 'AVAILABLE', used_order_no: null });

  const view = await gql(app.url, ops.order, { orderNo }, buyer.token);
  expect([view.data.order.status, view.data.order.cancelReason]).toEqual(['CANCELLED', 'PAYMENT_TIMEOUT']);
});

test('an order cancelled by the user, and one moved to PAID, are left alone by the timeout consumer', async () => {
  const buyer = await login(app);
  const [sku] = await createSkus(app, 1, [{ priceFen: 100, stock: 10 }]);
  const consumedBefore = await consumedTimeouts();
  const first = (await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(sku), quantity: 2 }] })).data.placeOrder.orderNo;
  const second = (await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(sku), quantity: 3 }] })).data.placeOrder.orderNo;

  const cancelled = await gql(app.url, ops.cancelOrder, { orderNo: first }, buyer.token);
  expect(cancelled.data.cancelOrder.status).toBe('CANCELLED');

  // What the payment module will do on a verified pay notification: the one transition function.
  const orders = orderService(app);
  const paid = await app.outbox.transactional(app.orm.em.fork(), (tx, emit) => orders.transition(tx, emit, second, ['PENDING_PAYMENT'], 'PAID', { patch: { paidAt: new Date() }, reason: 'PAID' }));
  expect(paid?.status).toBe('PAID');
  expect(paid?.version).toBe(2);
  // A duplicate of the same transition is a no-op.
  const again = await app.outbox.transactional(app.orm.em.fork(), (tx, emit) => orders.transition(tx, emit, second, ['PENDING_PAYMENT'], 'PAID', { reason: 'PAID' }));
  expect(again).toBeNull();

  // Both delay messages are delivered and handled (doing nothing).
  await eventually(async () => (await consumedTimeouts()) >= consumedBefore + 2, { what: 'both timeout messages consumed' });
  const firstRow = await orderRow(app, first);
  const secondRow = await orderRow(app, second);
  expect([firstRow!.status, firstRow!.cancel_reason, Number(firstRow!.version)]).toEqual(['CANCELLED', 'USER_CANCELLED', 2]);
  expect([secondRow!.status, Number(secondRow!.version)]).toEqual(['PAID', 2]);
  // First order's stock came back once (not twice); the paid order still holds its reservation.
  expect(await skuRow(app, sku)).toEqual({ stock: 7, reserved: 3, sold: 0 });
});

test('the status stream carries CREATED then CANCELLED for the order, in order, with seq 1, 2', async () => {
  const events: OrderStatusChanged[] = [];
  await app.consumers.register<OrderStatusChanged>({
    name: 'test-order-stream',
    group: `${ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX}test-${Date.now()}`,
    topic: Topics.OrderStatus,
    idempotencyKey: null,
    async handle(_ctx, message) {
      events.push(message.envelope.data);
    },
  });
  const buyer = await login(app);
  const [sku] = await createSkus(app, 1, [{ priceFen: 100, stock: 10 }]);
  const orderNo = (await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo;
  await gql(app.url, ops.cancelOrder, { orderNo }, buyer.token);
  const mine = await eventually(() => {
    const list = events.filter((e) => e.orderNo === orderNo);
    return list.length >= 2 ? list : undefined;
  }, { what: 'CREATED and CANCELLED on the stream' });
  expect(mine.map((e) => [e.event, e.status, e.previousStatus, e.seq, e.reason ?? null])).toEqual([
    ['CREATED', 'PENDING_PAYMENT', null, 1, null],
    ['CANCELLED', 'CANCELLED', 'PENDING_PAYMENT', 2, 'USER_CANCELLED'],
  ]);
  expect(mine[1]).toMatchObject({ userId: buyer.userId, storeId: 1, totalFen: 100, payableFen: 100 });
});
