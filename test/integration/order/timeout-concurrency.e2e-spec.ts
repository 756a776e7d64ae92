import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { NEVER_PAID_PROBE } from '../../../src/modules/order/payment-status.port.js';
import { createSkus, login, orderRow, orderService, placeOrder, requestPrepay, type Customer } from './helpers.js';

// A backlog of deadlines reaches WeChat Pay PAYMENT_PROBE_CONCURRENCY at a time; the closes that
// need no probe (never prepaid) do not wait behind those that do. Groups that call outside parties
// on every message stay bounded by MQ_CONSUMER_MAX_CACHED_MESSAGES.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    database: 'order_timeout_concurrency',
    env: { ORDER_PAYMENT_TIMEOUT: '3s', PAYMENT_PROBE_CONCURRENCY: '2', MQ_CONSUMER_MAX_CACHED_MESSAGES: '2' },
  });
});
afterAll(async () => {
  orderService(app)?.setPaymentStatusProbe(NEVER_PAID_PROBE);
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

test('prepaid orders are probed at most PAYMENT_PROBE_CONCURRENCY at a time, and all are closed', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let probes = 0;
  orderService(app).setPaymentStatusProbe({
    check: async () => {
      probes++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 150)); // a slow WeChat Pay
      inFlight--;
      return 'NOT_PAID';
    },
  });
  const orderNos = await placeMany(await login(app), 8, true);
  await eventually(async () => (await statuses(orderNos)).every((s) => s === 'CANCELLED'), { what: 'all 8 orders closed', timeoutMs: 20_000 });
  expect(probes).toBeGreaterThanOrEqual(8);
  expect(maxInFlight).toBe(2);
});

test('never-prepaid orders close while the probes of prepaid ones are stuck', async () => {
  let release!: () => void;
  const stuck = new Promise<void>((resolve) => (release = resolve));
  let probes = 0;
  orderService(app).setPaymentStatusProbe({
    check: async () => {
      probes++;
      await stuck;
      return 'NOT_PAID';
    },
  });
  const buyer = await login(app);
  const prepaid = await placeMany(buyer, 4, true);
  const plain = await placeMany(buyer, 4, false);
  try {
    // More consumer slots (2) than probe slots would never have let these through behind the stuck probes.
    await eventually(async () => (await statuses(plain)).every((s) => s === 'CANCELLED'), { what: 'never-prepaid orders closed', timeoutMs: 20_000 });
    expect(await statuses(prepaid)).toEqual(['PENDING_PAYMENT', 'PENDING_PAYMENT', 'PENDING_PAYMENT', 'PENDING_PAYMENT']);
    expect(probes).toBe(2);
  } finally {
    release();
  }
  await eventually(async () => (await statuses(prepaid)).every((s) => s === 'CANCELLED'), { what: 'prepaid orders closed', timeoutMs: 20_000 });
});

test('a group that calls an outside party on every message (subscribe messages) reaches it MQ_CONSUMER_MAX_CACHED_MESSAGES at a time', async () => {
  const sim = app.externals.simulator!;
  sim.reset();
  sim.setLatency('miniProgram', 150);
  try {
    const orderNos = await placeMany(await login(app), 8, false);
    // Each order's CREATED sends a wait-pay subscribe message, and its CANCELLED a cancel one.
    await eventually(async () => sim.callsTo('subscribeSend') >= 2 * orderNos.length, { what: 'every subscribe message sent', timeoutMs: 30_000 });
    expect(sim.maxInFlight('subscribeSend')).toBeLessThanOrEqual(2);
  } finally {
    sim.setLatency('miniProgram', 0);
  }
});
