import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { NEVER_PAID_PROBE } from '../../../src/modules/order/payment-status.port.js';
import { createSkus, login, orderRow, orderService, placeOrder, requestPrepay } from './helpers.js';

// cg-order-timeout calls WeChat Pay for every order: a backlog of deadlines must reach WeChat
// MQ_CONSUMER_MAX_CACHED_MESSAGES at a time, not all at once.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: 'order_timeout_concurrency', env: { ORDER_PAYMENT_TIMEOUT: '3s', MQ_CONSUMER_MAX_CACHED_MESSAGES: '2' } });
});
afterAll(async () => {
  orderService(app)?.setPaymentStatusProbe(NEVER_PAID_PROBE);
  await app?.close();
});

test('expired orders are probed at most MQ_CONSUMER_MAX_CACHED_MESSAGES at a time, and all are closed', async () => {
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
  const buyer = await login(app);
  const [sku] = await createSkus(app, 1, [{ priceFen: 100, stock: 20 }]);
  const orderNos = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const orderNo = (await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo as string;
      await requestPrepay(app, buyer, orderNo); // so each close asks the probe
      return orderNo;
    }),
  );
  await eventually(async () => (await Promise.all(orderNos.map((n) => orderRow(app, n)))).every((r) => r?.status === 'CANCELLED'), { what: 'all 8 orders closed', timeoutMs: 20_000 });
  expect(probes).toBeGreaterThanOrEqual(8);
  expect(maxInFlight).toBe(2);
});
