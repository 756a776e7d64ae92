import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { TEST_NAMESPACE } from '../../helpers/test-db.js';
import { eventually, pool } from '../../helpers/wait.js';
import { createSkus } from '../order/helpers.js';
import { activityKeys, RELAY_GROUP } from '../../../src/modules/seckill/seckill.scripts.js';
import { attempt, createActivity, seckillOrders, stats } from './helpers.js';
import { type Customer, adminToken, loginRetrying } from '../../helpers/actors.js';

const DATABASE = 'seckill_crash';
const STOCK = 30;

/**
 * Admission (ROLE=api: no relay, no consumers) and order creation (ROLE=worker) in different
 * processes' worth of apps sharing MySQL, Redis and one broker. Admitted attempts must survive
 * (1) a relay that read some of them and died before sending, and (2) the consuming worker
 * stopped in the middle of the sale.
 */
describe('seckill: no admitted attempt is lost when workers stop', () => {
  let api: TestApp;
  let worker1: TestApp | undefined;
  let worker2: TestApp | undefined;
  let redis: Redis;
  let admin: string;
  let users: Customer[];

  beforeAll(async () => {
    api = await startTestApp({ database: DATABASE, env: { ROLE: 'api', INSTANCE_ID: 'api', SECKILL_IP_RATE_LIMIT: '0' } });
    redis = new Redis('redis://127.0.0.1:6379', { keyPrefix: `${TEST_NAMESPACE}${DATABASE}:`, maxRetriesPerRequest: 1 });
    admin = await adminToken(api);
    users = await pool(Array.from({ length: 40 }, () => () => loginRetrying(api)), 8);
  }, 60_000);
  afterAll(async () => {
    await worker2?.close();
    await worker1?.close();
    await api?.close();
    redis?.disconnect();
  });

  const workerEnv = (id: string) => ({ ROLE: 'worker', INSTANCE_ID: id, ROCKETMQ_ENDPOINTS: api.broker!.endpoint, WECHAT_SIMULATOR_URL: api.externals.simulator!.baseUrl, SECKILL_ORDER_CONCURRENCY: '1', SECKILL_RELAY_CLAIM_IDLE: '1s' });

  it('every admitted attempt becomes exactly one order across a dead relay and a stopped worker', async () => {
    const [skuId] = await createSkus(api, 1, [{ priceFen: 5000, stock: 100 }]);
    const activity = await createActivity(api, admin, { skuId: skuId!, stock: STOCK });
    const answers = await pool(users.map((u) => () => attempt(api, u.token, activity.id)), 8);
    const queued = answers.map((r) => r.data.seckill).filter((a) => a.status === 'QUEUED');
    expect(queued).toHaveLength(STOCK);

    // Nothing consumes yet: every admitted attempt waits in the activity's stream.
    const queue = activityKeys(Number(activity.id)).queue;
    expect(await redis.xlen(queue)).toBe(STOCK);
    // A relay reads 10 of them and dies before publishing: they sit in the group's pending list.
    const read = (await redis.xreadgroup('GROUP', RELAY_GROUP, 'dead-relay', 'COUNT', 10, 'STREAMS', queue, '>')) as [string, [string, string[]][]][];
    expect(read[0]![1]).toHaveLength(10);

    // Worker 1 starts, makes some orders (one at a time), and is stopped mid-sale.
    worker1 = await startTestApp({ database: DATABASE, fresh: false, env: workerEnv('w1') });
    await eventually(async () => (await seckillOrders(api, activity.id)).length >= 3 || undefined, { what: 'worker 1 creates orders', timeoutMs: 30_000 });
    await worker1.close();
    worker1 = undefined;
    const afterStop = (await seckillOrders(api, activity.id)).length;

    // Worker 2 finishes the sale: the rest of the stream, the dead relay's entries (claimed once
    // idle), and whatever worker 1 had received but not acknowledged (redelivered by the broker).
    worker2 = await startTestApp({ database: DATABASE, fresh: false, env: workerEnv('w2') });
    const rows = await eventually(async () => {
      const r = await seckillOrders(api, activity.id);
      return r.length >= STOCK ? r : undefined;
    }, { what: 'every admitted attempt ordered', timeoutMs: 90_000 });
    expect(afterStop).toBeGreaterThanOrEqual(3);
    expect(rows).toHaveLength(STOCK);
    expect(new Set(rows.map((r) => r.attempt_id))).toEqual(new Set(queued.map((a) => a.id)));
    expect(rows.every((r) => r.status === 'ORDERED' && r.order_no)).toBe(true);
    expect(new Set(rows.map((r) => r.order_no)).size).toBe(STOCK);

    // Nothing left behind in Redis either, and the numbers agree.
    await eventually(async () => (await redis.xlen(queue)) === 0 || undefined, { what: 'stream drained' });
    const pending = (await redis.xpending(queue, RELAY_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    expect(await stats(api, admin, activity.id)).toMatchObject({ sold: STOCK, pending: 0, available: 0, redisStock: 0, consistent: true });
  }, 180_000);
});
