import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { createSkus, orderRow, placeOrder, requestPrepay } from './helpers.js';
import { sim } from '../payment/helpers.js';
import { login, type Customer } from '../../helpers/actors.js';

// A backlog of deadlines reaches WeChat Pay PAYMENT_PROBE_CONCURRENCY at a time; the closes that
// need no probe (never prepaid) do not wait behind those that do. Groups that call outside parties
// on every message stay bounded by MQ_CONSUMER_MAX_CACHED_MESSAGES.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    database: 'order_timeout_concurrency',
    // Probes held by the simulator wait for the test to let them go, not for the client's deadline.
    env: { ORDER_PAYMENT_TIMEOUT: '6s', PAYMENT_PROBE_CONCURRENCY: '2', MQ_CONSUMER_MAX_CACHED_MESSAGES: '2', WECHAT_TIMEOUT: '120s' },
  });
});
afterAll(async () => {
  await app?.close();
});

async function placeMany(buyer: Customer, n: number, prepaid: boolean): Promise<string[]> {
  const [sku] = await createSkus(app, 1, [{ priceFen: 100, stock: n }]);
  return Promise.all(
    Array.from({ length: n }, async () => {
      const orderNo = (await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo as string;
      if (prepaid) await requestPrepay(app, buyer, orderNo);
      return orderNo;
    }),
  );
}
const statuses = async (orderNos: string[]) => Promise.all(orderNos.map(async (n) => (await orderRow(app, n))?.status));

// Each probe is one query-order call to the WeChat Pay simulator (these trades do not exist there: NOT_PAID).
test('prepaid orders are probed at most PAYMENT_PROBE_CONCURRENCY at a time, and all are closed', async () => {
  sim(app).reset();
  sim(app).setLatency('pay', 150); // a slow WeChat Pay
  try {
    const orderNos = await placeMany(await login(app), 8, true);
    await eventually(async () => (await statuses(orderNos)).every((s) => s === 'CANCELLED'), { what: 'all 8 orders closed', timeoutMs: 20_000 });
    expect(sim(app).callsTo('queryOrder')).toBeGreaterThanOrEqual(8);
    expect(sim(app).maxInFlight('queryOrder')).toBe(2);
  } finally {
    sim(app).setLatency('pay', 0);
  }
});

test('never-prepaid orders close while the probes of prepaid ones are stuck', async () => {
  sim(app).reset();
  sim(app).hold('pay'); // WeChat Pay answers no probe until released
  const buyer = await login(app);
  const prepaid = await placeMany(buyer, 4, true);
  const plain = await placeMany(buyer, 4, false);
  try {
    // More consumer slots (2) than probe slots would never have let these through behind the stuck probes.
    await eventually(async () => (await statuses(plain)).every((s) => s === 'CANCELLED'), { what: 'never-prepaid orders closed', timeoutMs: 20_000 });
    expect(await statuses(prepaid)).toEqual(['PENDING_PAYMENT', 'PENDING_PAYMENT', 'PENDING_PAYMENT', 'PENDING_PAYMENT']);
    await eventually(() => sim(app).inFlight('queryOrder') === 2, { what: 'two probes held by WeChat Pay' });
    expect(sim(app).callsTo('queryOrder')).toBe(2);
  } finally {
    sim(app).release('pay');
  }
  await eventually(async () => (await statuses(prepaid)).every((s) => s === 'CANCELLED'), { what: 'prepaid orders closed', timeoutMs: 20_000 });
});

test('a group that calls an outside party on every message (subscribe messages) reaches it MQ_CONSUMER_MAX_CACHED_MESSAGES at a time', async () => {
  sim(app).reset();
  sim(app).setLatency('miniProgram', 150);
  try {
    const orderNos = await placeMany(await login(app), 8, false);
    // Each order's CREATED sends a wait-pay subscribe message, and its CANCELLED a cancel one.
    await eventually(async () => sim(app).callsTo('subscribeSend') >= 2 * orderNos.length, { what: 'every subscribe message sent', timeoutMs: 30_000 });
    expect(sim(app).maxInFlight('subscribeSend')).toBeLessThanOrEqual(2);
  } finally {
    sim(app).setLatency('miniProgram', 0);
  }
});
