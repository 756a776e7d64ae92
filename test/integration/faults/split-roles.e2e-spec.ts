import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/infra/mq/broker/index.js';
import { loadConfig } from '../../../src/config/config.js';
import { startExternals } from '../../../src/infra/wechat/externals.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { freshTestDatabase, queryRows } from '../../helpers/test-db.js';
import { eventually, waitFor } from '../../helpers/wait.js';
import { placeOrder, createSkus } from '../order/helpers.js';
import { payOps } from '../payment/helpers.js';
import { login } from '../../helpers/actors.js';
import { memoryLogger } from '../../fakes/index.js';

/** The API hosts the shared simulator on this port (the faults helper's port range, 44000-44099). */
const SIMULATOR_PORT = 44011;

async function orderStatus(databaseUrl: string, orderNo: string): Promise<string | undefined> {
  const [row] = await queryRows<{ status: string }>(databaseUrl, 'select status from orders where order_no = ?', [orderNo]);
  return row?.status;
}

/**
 * What a rolling deploy does: an API and a worker start together on an empty database, as two
 * instances sharing one broker, in local mode. Both must start (one migration + seed runner at a
 * time), and the worker must refund through the very simulator the API's payment went through.
 */
describe('API and worker started together on an empty database, local mode', () => {
  let broker: EmbeddedBroker;
  let dataDir: string;
  let api: TestApp;
  let worker: TestApp;
  let databaseUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wxshop-split-'));
    broker = await startEmbeddedBroker({ port: 0, dataDir, adminPort: null, minInvisibleDurationMs: 1_000, retryBackoff: { initialMs: 200, maxMs: 1_000, multiplier: 2 }, transactionCheck: { firstDelayMs: 500, intervalMs: 500, maxChecks: 5 }, longPollingTimeoutMs: 5_000 });
    databaseUrl = await freshTestDatabase('faults_split_roles');
    const common = { ROCKETMQ_ENDPOINTS: broker.endpoint };
    // The worker first, and the API only once the worker is waiting for the API's simulator: the
    // order that deadlocked when the worker waited holding the start-up lock.
    const { logger: workerLogger, log: workerLog } = memoryLogger();
    const workerStarted = startTestApp({ database: 'faults_split_roles', fresh: false, logger: workerLogger, env: { ...common, ROLE: 'worker', WECHAT_SIMULATOR_URL: `http://127.0.0.1:${SIMULATOR_PORT}`, WECHAT_SIMULATOR_WAIT: '150s' } });
    let workerSettled = false;
    workerStarted.then(() => (workerSettled = true), () => (workerSettled = true));
    await waitFor(() => {
      if (workerSettled) throw new Error('the worker finished starting before the API simulator existed');
      return workerLog.text().includes('waiting for the shared WeChat simulator');
    }, { what: 'the worker waiting for the simulator', timeoutMs: 60_000 });
    [api, worker] = await Promise.all([
      startTestApp({ database: 'faults_split_roles', fresh: false, env: { ...common, ROLE: 'api', WECHAT_SIMULATOR_PORT: String(SIMULATOR_PORT) } }),
      workerStarted,
    ]);
    // Two apps migrating and seeding one empty database, one after the other behind the startup
    // lock: on a loaded CI machine that took over jest's default 60 s, and over the worker's default
    // 60 s wait for the API's simulator (WECHAT_SIMULATOR_WAIT above).
  }, 180_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('both start, migrations and seed ran once', async () => {
    expect(api.http).toBeDefined();
    expect(worker.http).toBeUndefined();
    const [admins] = await queryRows<{ n: number }>(databaseUrl, 'select count(*) as n from admin_user');
    expect(Number(admins!.n)).toBe(1);
    const migrations = await queryRows<{ name: string }>(databaseUrl, 'select name from mikro_orm_migrations');
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
  });

  it("the worker pays attention to the API's simulator: a payment ships and a refund completes", async () => {
    expect(worker.externals.simulator).toBeUndefined();
    const customer = await login(api);
    const [skuId] = await createSkus(api, 1, [{ priceFen: 3_000, stock: 5 }]);
    const placed = await placeOrder(api, customer, { storeId: '1', items: [{ skuId: String(skuId), quantity: 1 }] });
    const { orderNo } = placed.data.placeOrder;
    expect((await gql(api.url, payOps.payOrder, { orderNo }, customer.token)).errors).toBeUndefined();
    expect((await gql(api.url, payOps.simulatePayment, { orderNo }, customer.token)).data?.simulatePayment).toBe(true);
    await eventually(async () => (await orderStatus(databaseUrl, orderNo)) === 'SHIPPED', { what: 'shipped by the worker', timeoutMs: 20_000 });

    const refund = await gql(api.url, payOps.requestRefund, { orderNo, reason: 'split roles' }, customer.token);
    expect(refund.errors).toBeUndefined();
    await eventually(async () => (await orderStatus(databaseUrl, orderNo)) === 'REFUNDED', { what: 'refunded through the shared simulator', timeoutMs: 20_000 });
    expect(api.externals.simulator!.refundRecord(refund.data.requestRefund.refundNo)?.status).toBe('SUCCESS');
  });

  it('a worker in local mode without a shared simulator refuses to start', async () => {
    const config = loadConfig({ ROLE: 'worker', DATABASE_URL: databaseUrl });
    await expect(startExternals(config, createLogger({ level: 'silent' }))).rejects.toThrow(/WECHAT_SIMULATOR_URL/);
  });
});
