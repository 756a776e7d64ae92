import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import type { OrderView } from '../../../src/modules/order/order.service.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';
import { createSkus, orderRow, orderService, placeOrder, requestPrepay, skuRow } from './helpers.js';
import { sim } from '../payment/helpers.js';
import { login } from '../../helpers/actors.js';

/** The running app's unpaid-order closer (timeout consumer and sweep); its payment probe asks the WeChat Pay simulator. */
const unpaidOrders = (a: TestApp) => a.services.unpaidOrders;

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
  await requestPrepay(app, { userId: view.order.userId }, view.order.orderNo);
  await queryRows(app.databaseUrl, 'update orders set expires_at = ? where order_no = ?', [new Date(Date.now() - 1_000), view.order.orderNo]);
  const orders = orderService(app);
  // While WeChat is being asked, the owner cancels: the timeout must not cancel (and release stock) again.
  const asked = sim(app).callsTo('queryOrder');
  sim(app).hold('pay');
  let closing: Promise<unknown> | undefined;
  try {
    closing = unpaidOrders(app).closeIfUnpaid(app.orm.em.fork(), app.logger, view.order.orderNo);
    await eventually(() => sim(app).callsTo('queryOrder') > asked, { what: 'the probe asking WeChat Pay' });
    await app.outbox.transactional(app.orm.em.fork(), (tx, emit) => orders.cancelInTransaction(tx, emit, view.order.orderNo, 'USER_CANCELLED'));
  } finally {
    sim(app).release('pay');
  }
  expect(await closing).toBe('not-pending');
  const row = await orderRow(app, view.order.orderNo);
  expect([row!.status, row!.cancel_reason, Number(row!.version)]).toEqual(['CANCELLED', 'USER_CANCELLED', 2]);
  for (const item of view.items) expect(await skuRow(app, item.skuId)).toEqual({ stock: 10, reserved: 0, sold: 0 });
});

describe('closing an order whose owner never asked for a prepay', () => {
  // Each probe is one query-order call to the WeChat Pay simulator (it knows none of these trades: NOT_PAID);
  // the test's order is the only one any close probes.
  let queriesBefore = 0;
  const probes = () => sim(app).callsTo('queryOrder') - queriesBefore;
  beforeEach(() => {
    queriesBefore = sim(app).callsTo('queryOrder');
  });
  const expire = (orderNo: string) => queryRows(app.databaseUrl, 'update orders set expires_at = ? where order_no = ?', [new Date(Date.now() - 1_000), orderNo]);

  test('closes it without asking WeChat Pay, and gives back its stock', async () => {
    const view = await placedView();
    await expire(view.order.orderNo);
    expect(await unpaidOrders(app).closeIfUnpaid(app.orm.em.fork(), app.logger, view.order.orderNo)).toBe('cancelled');
    expect(probes()).toBe(0);
    const row = await orderRow(app, view.order.orderNo);
    expect([row!.status, row!.cancel_reason, row!.prepay_requested_at]).toEqual(['CANCELLED', 'PAYMENT_TIMEOUT', null]);
    for (const item of view.items) expect(await skuRow(app, item.skuId)).toEqual({ stock: 10, reserved: 0, sold: 0 });
  });

  test('a prepay asked for after the closer read the order stops that close; the fresh read asks WeChat Pay', async () => {
    const placed = await placedView();
    await expire(placed.order.orderNo);
    const orders = orderService(app);
    // The closer reads the order: past its deadline, no prepay.
    const view = (await orders.findByOrderNo(app.orm.em.fork(), placed.order.orderNo))!;
    expect(view.order.prepayRequestedAt).toBeNull();
    // Then an API instance whose clock runs 2 s behind still takes the owner's payOrder.
    expect(await orders.recordPrepayRequest(app.orm.em.fork(), view.order.orderNo, view.order.userId, new Date(Date.now() - 2_000))).toBe(true);
    // The close as the closer decided it on its read (no prepay, so no probe): refused.
    const stale = await app.outbox.transactional(app.orm.em.fork(), (tx, emit) =>
      orders.cancelInTransaction(tx, emit, view.order.orderNo, 'PAYMENT_TIMEOUT', { expiredAtOrBefore: new Date(), withoutPrepay: true }, view),
    );
    expect(stale).toBeNull();
    expect((await orderRow(app, view.order.orderNo))!.status).toBe('PENDING_PAYMENT');
    for (const item of view.items) expect(await skuRow(app, item.skuId)).toEqual({ stock: 10 - item.quantity, reserved: item.quantity, sold: 0 });

    expect(await unpaidOrders(app).closeIfUnpaid(app.orm.em.fork(), app.logger, view.order.orderNo)).toBe('cancelled');
    expect(probes()).toBe(1);
  });

  test('closeIfUnpaid itself: a prepay recorded between its read and its close sends it to WeChat Pay', async () => {
    const view = await placedView();
    await expire(view.order.orderNo);
    const orders = orderService(app);
    // Right before the close's transaction (after closeIfUnpaid read the order), an API whose clock
    // runs 2 s behind takes the owner's payOrder.
    const transactional = app.outbox.transactional;
    app.outbox.transactional = async function (this: typeof app.outbox, ...args: Parameters<typeof transactional>) {
      app.outbox.transactional = transactional;
      expect(await orders.recordPrepayRequest(app.orm.em.fork(), view.order.orderNo, view.order.userId, new Date(Date.now() - 2_000))).toBe(true);
      return transactional.apply(this, args);
    } as typeof transactional;
    try {
      expect(await unpaidOrders(app).closeIfUnpaid(app.orm.em.fork(), app.logger, view.order.orderNo)).toBe('cancelled');
    } finally {
      app.outbox.transactional = transactional;
    }
    expect(probes()).toBe(1);
  });

  test('a prepay request is refused once the order is closed or past its deadline', async () => {
    const orders = orderService(app);
    const closed = await placedView();
    await app.outbox.transactional(app.orm.em.fork(), (tx, emit) => orders.cancelInTransaction(tx, emit, closed.order.orderNo, 'USER_CANCELLED'));
    expect(await orders.recordPrepayRequest(app.orm.em.fork(), closed.order.orderNo, closed.order.userId)).toBe(false);
    const late = await placedView();
    await expire(late.order.orderNo);
    expect(await orders.recordPrepayRequest(app.orm.em.fork(), late.order.orderNo, late.order.userId)).toBe(false);
    const someoneElse = await placedView();
    expect(await orders.recordPrepayRequest(app.orm.em.fork(), someoneElse.order.orderNo, someoneElse.order.userId + 1_000_000)).toBe(false);
    for (const view of [closed, late, someoneElse]) expect((await orderRow(app, view.order.orderNo))!.prepay_requested_at).toBeNull();
    // The owner, in time: recorded, and again on a second request.
    expect(await orders.recordPrepayRequest(app.orm.em.fork(), someoneElse.order.orderNo, someoneElse.order.userId)).toBe(true);
    expect(await orders.recordPrepayRequest(app.orm.em.fork(), someoneElse.order.orderNo, someoneElse.order.userId)).toBe(true);
    expect((await orderRow(app, someoneElse.order.orderNo))!.prepay_requested_at).not.toBeNull();
  });
});

test('findByOrderNo of an unknown order is null', async () => {
  expect(await orderService(app).findByOrderNo(app.orm.em.fork(), 'NO-SUCH-ORDER')).toBeNull();
});
