import { ConsumerGroups } from '../../../src/infra/mq/topics.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { DEFAULT_RETRY_MAX_TIMES, messageCatalogue, mqadminCommands } from '../../../src/infra/mq/provisioning.js';
import { brokerEndpoint, deadLetteredKeys } from '../../helpers/mq-probe.js';
import { REAL_ROCKETMQ_ENDPOINTS, REAL_ROCKETMQ_NAMESRV, runMqadmin, TEST_RETRY } from '../../helpers/real-rocketmq.js';
import { countRows } from '../../helpers/test-db.js';
import { notification, orderStatus, paidResource, postNotify, sim, unpaidOrder } from './helpers.js';

const MAX_ATTEMPTS = 3;

/** Waybill attempts of the shipping consumer that ended, whatever their outcome. */
async function waybillAttemptsEnded(app: TestApp): Promise<number> {
  let n = 0;
  for (const outcome of ['created', 'failed', 'timeout']) n += await app.metrics.value('shipping_waybills_total', { outcome });
  return n;
}

/** cg-shipping's retries as provisioned on a real RocketMQ (the embedded broker takes brokerOptions). */
function provisionShippingRetries(retryMaxTimes: number): void {
  const [shipping] = messageCatalogue({ retry: TEST_RETRY, retryMaxTimes }).groups.filter((g) => g.name === ConsumerGroups.Shipping);
  runMqadmin(mqadminCommands({ topics: [], groups: [shipping!] }, { namesrv: REAL_ROCKETMQ_NAMESRV!, cluster: process.env.ROCKETMQ_CLUSTER ?? 'DefaultCluster' }));
}

describe('a failing logistics provider: retries, dead-letter queue, metrics; payments never wait for it', () => {
  let app: TestApp;
  beforeAll(async () => {
    if (REAL_ROCKETMQ_ENDPOINTS) provisionShippingRetries(MAX_ATTEMPTS - 1);
    app = await startTestApp({ database: 'payment_shipping_dlq', maxDeliveryAttempts: MAX_ATTEMPTS, brokerOptions: { maxDeliveryAttempts: MAX_ATTEMPTS } });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    // Back to the catalogue's policy for the suites that run after this one.
    if (REAL_ROCKETMQ_ENDPOINTS) provisionShippingRetries(DEFAULT_RETRY_MAX_TIMES);
  }, 60_000);

  it('dead-letters the shipping message after its attempts; every other effect happens', async () => {
    sim(app).setFailureRate('logistics', 1, 'http500');
    const orders = await Promise.all(Array.from({ length: 5 }, () => unpaidOrder(app, 2_000)));
    const answers = await Promise.all(orders.map((o) => postNotify(app, notification(app, paidResource(app, o.orderNo, o.payableFen)))));
    // The payment does not depend on logistics: every notification is taken while every waybill call fails.
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(204));
    for (const o of orders) expect(await orderStatus(app, o.orderNo)).toBe('PAID');

    await eventually(async () => (await app.metrics.value('mq_dead_lettered_total', { group: ConsumerGroups.Shipping })) >= orders.length, {
      what: 'shipping messages dead-lettered',
      timeoutMs: 40_000,
      intervalMs: 200,
    });
    // The broker moved each of them to %DLQ%cg-shipping, where any client can read it.
    const orderNos = orders.map((o) => o.orderNo);
    expect([...(await deadLetteredKeys(brokerEndpoint(app), ConsumerGroups.Shipping, orderNos))].sort()).toEqual([...orderNos].sort());
    expect(sim(app).callsTo('waybill')).toBeGreaterThanOrEqual(orders.length * MAX_ATTEMPTS);
    expect(await app.metrics.value('shipping_waybills_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(orders.length * MAX_ATTEMPTS);
    const metricsText = await (await fetch(`${app.url}/metrics`)).text();
    expect(metricsText).toMatch(/mq_dead_lettered_total\{group="cg-shipping"\} \d+/);
    expect(app.logs.text()).toMatch(/message failed its last attempt; it goes to the dead-letter queue/);

    for (const o of orders) {
      expect(await orderStatus(app, o.orderNo)).toBe('PAID');
      expect(await countRows(app, 'select count(*) as n from shipment where order_no = ?', [o.orderNo])).toBe(0);
      expect(await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [o.orderNo])).toBe(1);
      expect(sim(app).sentSms().filter((s) => s.params.orderNo === o.orderNo)).toHaveLength(1);
    }
  });

  it('a slow provider times out and retries without slowing payments; it ships once the provider recovers', async () => {
    sim(app).reset();
    sim(app).setLatency('logistics', 4_000);
    const o = await unpaidOrder(app, 2_000);
    const endedBefore = await waybillAttemptsEnded(app); // the first test's attempts
    const answer = await postNotify(app, notification(app, paidResource(app, o.orderNo, o.payableFen)));
    expect(answer.status).toBe(204);
    // Answered before any waybill attempt ended: a notify that waited for logistics could answer only
    // after the provider's 4 s answer or the 3 s waybill deadline, and either would be counted here.
    expect(await waybillAttemptsEnded(app)).toBe(endedBefore);
    expect(sim(app).waybills()).toEqual([]);
    await eventually(async () => (await app.metrics.value('shipping_waybills_total', { outcome: 'timeout' })) >= 1, { what: 'a waybill timeout', timeoutMs: 10_000 });
    sim(app).setLatency('logistics', 0);
    await eventually(async () => (await orderStatus(app, o.orderNo)) === 'SHIPPED', { what: 'shipped after recovery', timeoutMs: 20_000 });
    expect(await countRows(app, 'select count(*) as n from shipment where order_no = ?', [o.orderNo])).toBe(1);
  });
});
