import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import type { OrderView } from '../../../src/modules/order/order.service.js';
import { NEVER_PAID_PROBE } from '../../../src/modules/order/payment-status.port.js';
import { queryRows } from '../../helpers/test-db.js';
import { createSkus, login, orderRow, orderService, placeOrder, skuRow } from './helpers.js';

// transition() with `readBefore` (the pay notification's path): one conditional UPDATE on the
// version read before; if the order moved in between, the locking read decides.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: 'order_transition' });
});
afterAll(async () => {
  await app?.close();
});

async function placedView(): Promise<OrderView> {
  const buyer = await login(app);
  const skus = await createSkus(app, 2, [{ priceFen: 100, stock: 10 }, { priceFen: 250, stock: 10 }]);
  const orderNo = (await placeOrder(app, buyer, { storeId: '2', items: [{ skuId: String(skus[1]), quantity: 2 }, { skuId: String(skus[0]), quantity: 1 }] })).data.placeOrder.orderNo as string;
  const view = await orderService(app).findByOrderNo(app.orm.em.fork(), orderNo);
  // The order and its lines, in line order.
  expect(view!.order.orderNo).toBe(orderNo);
  expect(view!.items.map((i) => [i.skuId, i.quantity])).toEqual([[skus[1], 2], [skus[0], 1]]);
  return view!;
}

function pay(view: OrderView) {
  return app.outbox.transactional(app.orm.em.fork(), (tx, emit) =>
    orderService(app).transition(tx, emit, view.order.orderNo, ['PENDING_PAYMENT'], 'PAID', { patch: { paidAt: new Date() }, reason: 'PAID', readBefore: view.order }),
  );
}

test('an order unchanged since it was read moves on the version read', async () => {
  const view = await placedView();
  const paid = await pay(view);
  expect([paid?.status, paid?.version]).toEqual(['PAID', 2]);
  const row = await orderRow(app, view.order.orderNo);
  expect([row!.status, Number(row!.version)]).toEqual(['PAID', 2]);
});

test('an order that moved since it was read is judged on its current row, not the stale one', async () => {
  const view = await placedView();
  const cancelled = await app.outbox.transactional(app.orm.em.fork(), (tx, emit) => orderService(app).cancelInTransaction(tx, emit, view.order.orderNo, 'USER_CANCELLED'));
  expect(cancelled?.status).toBe('CANCELLED');

  expect(await pay(view)).toBeNull();
  const row = await orderRow(app, view.order.orderNo);
  expect([row!.status, Number(row!.version), row!.paid_at]).toEqual(['CANCELLED', 2, null]);
});

test('the timeout closes on the order as it is after the payment probe, not as it was read before it', async () => {
  const view = await placedView();
  await queryRows(app.databaseUrl, 'update orders set expires_at = ? where order_no = ?', [new Date(Date.now() - 1_000), view.order.orderNo]);
  const orders = orderService(app);
  // While WeChat is being asked, the owner cancels: the timeout must not cancel (and release stock) again.
  orders.setPaymentStatusProbe({
    check: async () => {
      await app.outbox.transactional(app.orm.em.fork(), (tx, emit) => orders.cancelInTransaction(tx, emit, view.order.orderNo, 'USER_CANCELLED'));
      return 'NOT_PAID';
    },
  });
  try {
    expect(await orders.closeIfUnpaid(app.orm.em.fork(), app.logger, view.order.orderNo)).toBe('not-pending');
  } finally {
    orders.setPaymentStatusProbe(NEVER_PAID_PROBE);
  }
  const row = await orderRow(app, view.order.orderNo);
  expect([row!.status, row!.cancel_reason, Number(row!.version)]).toEqual(['CANCELLED', 'USER_CANCELLED', 2]);
  for (const item of view.items) expect(await skuRow(app, item.skuId)).toEqual({ stock: 10, reserved: 0, sold: 0 });
});

test('findByOrderNo of an unknown order is null', async () => {
  expect(await orderService(app).findByOrderNo(app.orm.em.fork(), 'NO-SUCH-ORDER')).toBeNull();
});
