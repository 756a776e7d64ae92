import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { PAY_NOTIFY_PATH } from '../../../src/infra/wechat/externals.js';
import { createSkus, orderRow, placeOrder, requestPrepay, skuRow } from './helpers.js';
import { gqlPay, sim } from '../payment/helpers.js';
import { login } from '../../helpers/actors.js';

/** The running app's unpaid-order closer (timeout consumer and sweep); its payment probe asks the WeChat Pay simulator. */
const unpaidOrders = (a: TestApp) => a.services.unpaidOrders;

// The default 30-minute timeout: no delay message fires during this suite, so an order whose
// deadline we move into the past is exactly an order whose delay message was lost.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: 'order_sweep' });
});
afterAll(async () => {
  await app?.close();
});

async function expire(orderNo: string, agoMs: number): Promise<void> {
  await queryRows(app.databaseUrl, 'update orders set expires_at = ? where order_no = ?', [new Date(Date.now() - agoMs), orderNo]);
}
const sweptMetric = () => app.metrics.value('order_sweep_closed_total');

test('the sweep closes an order whose delay message was lost (past the grace period), and counts it', async () => {
  const buyer = await login(app);
  const [sku] = await createSkus(app, 2, [{ priceFen: 100, stock: 10 }]);
  const place = async () => (await placeOrder(app, buyer, { storeId: '2', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo as string;
  const lost = await place();
  const recent = await place();
  const current = await place();
  await expire(lost, 60_000); // past the 30 s grace: the sweep's
  await expire(recent, 5_000); // just expired: still the delay message's job
  const before = await sweptMetric();

  expect(await unpaidOrders(app).sweep()).toBe(1);
  expect(await sweptMetric()).toBe(before + 1);
  const row = await orderRow(app, lost);
  expect([row!.status, row!.cancel_reason, Number(row!.version)]).toEqual(['CANCELLED', 'PAYMENT_TIMEOUT', 2]);
  expect((await orderRow(app, recent))!.status).toBe('PENDING_PAYMENT');
  expect((await orderRow(app, current))!.status).toBe('PENDING_PAYMENT');
  expect(await skuRow(app, sku)).toEqual({ stock: 8, reserved: 2, sold: 0 });

  // Running it again (or on another instance) finds nothing more to do.
  expect(await unpaidOrders(app).sweep()).toBe(0);
  expect(await sweptMetric()).toBe(before + 1);
});

test('concurrent sweeps and a late timeout message close an order once', async () => {
  const buyer = await login(app);
  const [sku] = await createSkus(app, 2, [{ priceFen: 100, stock: 10 }]);
  const orderNo = (await placeOrder(app, buyer, { storeId: '2', items: [{ skuId: String(sku), quantity: 3 }] })).data.placeOrder.orderNo;
  await expire(orderNo, 60_000);
  const orders = unpaidOrders(app);
  const outcomes = await Promise.all([
    orders.sweep(),
    orders.closeIfUnpaid(app.orm.em.fork(), app.logger, orderNo),
    orders.closeIfUnpaid(app.orm.em.fork(), app.logger, orderNo),
    orders.handleTimeout(app.orm.em.fork(), app.logger, { orderNo, expiresAt: new Date().toISOString() }),
  ]);
  const closes = (outcomes[0] as number) + outcomes.slice(1).filter((o) => o === 'cancelled').length;
  expect(closes).toBe(1);
  expect(await skuRow(app, sku)).toEqual({ stock: 10, reserved: 0, sold: 0 });
});

test('the PaymentStatusProbe hook: PAID or UNKNOWN keeps the order open', async () => {
  const buyer = await login(app);
  const [sku] = await createSkus(app, 2, [{ priceFen: 100, stock: 10 }]);
  const place = async () => (await placeOrder(app, buyer, { storeId: '2', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo as string;
  const paid = await place();
  const unknown = await place();
  const orders = unpaidOrders(app);
  const asked = sim(app).callsTo('queryOrder');

  // PAID: the user paid at WeChat and the notification was lost; the probe finds (and records) the payment.
  expect((await gqlPay(app, buyer, paid)).errors).toBeUndefined();
  sim(app).setNotifyUrl('http://127.0.0.1:9/lost');
  try {
    await sim(app).pay(paid);
    await expire(paid, 60_000);
    expect(await orders.sweep()).toBe(0);
  } finally {
    sim(app).setNotifyUrl(`${app.url}${PAY_NOTIFY_PATH}`);
  }
  expect(['PAID', 'SHIPPED']).toContain((await orderRow(app, paid))!.status);
  expect(await queryRows(app.databaseUrl, 'select source from payment where order_no = ?', [paid])).toEqual([{ source: 'QUERY' }]);

  // UNKNOWN: WeChat Pay answers errors.
  await requestPrepay(app, buyer, unknown);
  await expire(unknown, 60_000);
  sim(app).setFailureRate('pay', 1);
  try {
    expect(await orders.sweep()).toBe(0);
    await expect(orders.handleTimeout(app.orm.em.fork(), app.logger, { orderNo: unknown, expiresAt: '' })).rejects.toThrow(/unknown/);
  } finally {
    sim(app).setFailureRate('pay', 0);
  }
  expect(sim(app).callsTo('queryOrder') - asked).toBe(3);
  expect((await orderRow(app, unknown))!.status).toBe('PENDING_PAYMENT');

  // NOT_PAID (WeChat Pay knows no such trade): closed.
  expect(await orders.sweep()).toBe(1);
  expect((await orderRow(app, unknown))!.status).toBe('CANCELLED');
  expect((await orderRow(app, paid))!.status).not.toBe('CANCELLED');
});
