import { ConsumerGroups } from '../../../src/infra/mq/topics.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { count, groupStats, notification, orderStatus, paidResource, postNotify, sim, unpaidOrder } from './helpers.js';

const MAX_ATTEMPTS = 3;

describe('a failing logistics provider: retries, dead-letter queue, metrics; payments stay fast', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ database: 'payment_shipping_dlq', maxDeliveryAttempts: MAX_ATTEMPTS, brokerOptions: { maxDeliveryAttempts: MAX_ATTEMPTS } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('dead-letters the shipping message after its attempts; every other effect happens', async () => {
    sim(app).setFailureRate('logistics', 1, 'http500');
    const orders = await Promise.all(Array.from({ length: 5 }, () => unpaidOrder(app, 2_000)));
    const answers = await Promise.all(orders.map((o) => postNotify(app, notification(app, paidResource(app, o.orderNo, o.payableFen)))));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(204));
    // The notify path never waits on logistics.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_000);
    for (const o of orders) expect(await orderStatus(app, o.orderNo)).toBe('PAID');

    await eventually(async () => (await app.metrics.value('mq_dead_lettered_total', { group: ConsumerGroups.Shipping })) >= orders.length, {
      what: 'shipping messages dead-lettered',
      timeoutMs: 40_000,
      intervalMs: 200,
    });
    await eventually(() => groupStats(app, ConsumerGroups.Shipping).reduce((n, g) => n + g.dlq, 0) >= orders.length, { what: 'broker DLQ stats', timeoutMs: 20_000 });
    expect(sim(app).callsTo('waybill')).toBeGreaterThanOrEqual(orders.length * MAX_ATTEMPTS);
    expect(await app.metrics.value('shipping_waybills_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(orders.length * MAX_ATTEMPTS);
    const metricsText = await (await fetch(`${app.url}/metrics`)).text();
    expect(metricsText).toMatch(/mq_dead_lettered_total\{group="cg-shipping"\} \d+/);
    expect(app.logs.text()).toMatch(/message failed its last attempt; it goes to the dead-letter queue/);

    for (const o of orders) {
      expect(await orderStatus(app, o.orderNo)).toBe('PAID');
      expect(await count(app, 'select count(*) as n from shipment where order_no = ?', [o.orderNo])).toBe(0);
      expect(await count(app, 'select count(*) as n from points_ledger where order_no = ?', [o.orderNo])).toBe(1);
      expect(sim(app).sentSms().filter((s) => s.params.orderNo === o.orderNo)).toHaveLength(1);
    }
  });

  it('a slow provider times out and retries without slowing payments; it ships once the provider recovers', async () => {
    sim(app).reset();
    sim(app).setLatency('logistics', 4_000);
    const o = await unpaidOrder(app, 2_000);
    const answer = await postNotify(app, notification(app, paidResource(app, o.orderNo, o.payableFen)));
    expect(answer.status).toBe(204);
    expect(answer.ms).toBeLessThan(1_000);
    await eventually(async () => (await app.metrics.value('shipping_waybills_total', { outcome: 'timeout' })) >= 1, { what: 'a waybill timeout', timeoutMs: 10_000 });
    sim(app).setLatency('logistics', 0);
    await eventually(async () => (await orderStatus(app, o.orderNo)) === 'SHIPPED', { what: 'shipped after recovery', timeoutMs: 20_000 });
    expect(await count(app, 'select count(*) as n from shipment where order_no = ?', [o.orderNo])).toBe(1);
  });
});
