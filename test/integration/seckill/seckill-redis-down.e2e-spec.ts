import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errorCode, errorReason } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { start as startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { eventually } from '../../helpers/wait.js';
import { createSkus } from '../order/helpers.js';
import { attempt, attemptOnce, createActivity, seckillOrders, stats } from './helpers.js';
import { type Customer, adminToken, loginRetrying } from '../../helpers/actors.js';

/** The app reaches its flash-sale Redis (SECKILL_REDIS_URL; sessions stay on REDIS_URL) through a proxy the test cuts: admission refuses (503, retryable) and nothing is admitted or oversold. */
describe('seckill: Redis unreachable', () => {
  let proxy: TcpProxy;
  let app: TestApp;
  let admin: string;
  let users: Customer[];

  beforeAll(async () => {
    proxy = await startProxy('127.0.0.1', 6379);
    app = await startTestApp({ database: 'seckill_redis', env: { SECKILL_REDIS_URL: `redis://127.0.0.1:${proxy.port}`, SECKILL_IP_RATE_LIMIT: '6', SECKILL_RATE_WINDOW: '1m' } });
    admin = await adminToken(app);
    users = await Promise.all(Array.from({ length: 8 }, () => loginRetrying(app)));
  }, 60_000);
  afterAll(async () => {
    proxy?.restore();
    await app?.close();
    await proxy?.close();
  });

  it('refuses attempts with a retryable SERVICE_UNAVAILABLE (HTTP 503) while Redis is down, and sells exactly the stock once it is back', async () => {
    const [skuId] = await createSkus(app, 1, [{ priceFen: 5000, stock: 10 }]);
    const activity = await createActivity(app, admin, { skuId: skuId!, stock: 2 });
    expect((await attempt(app, users[0]!.token, activity.id)).data.seckill.status).toBe('QUEUED');

    proxy.cut();
    const refused = await attemptOnce(app, users[1]!.token, activity.id, 'during-outage-1');
    expect(refused.status).toBe(503);
    expect([errorCode(refused), errorReason(refused)]).toEqual(['SERVICE_UNAVAILABLE', 'SECKILL_UNAVAILABLE']);
    expect(refused.errors![0]!.extensions!.retryable).toBe(true);
    expect(JSON.stringify(refused.errors)).not.toMatch(/ECONNREFUSED|stack|at /);

    // An activity created during the outage exists in MySQL; admission waits for Redis.
    const [otherSku] = await createSkus(app, 1, [{ priceFen: 5000, stock: 10 }]);
    const late = await createActivity(app, admin, { skuId: otherSku!, stock: 1 });
    const lateRefused = await attemptOnce(app, users[2]!.token, late.id);
    expect([lateRefused.status, errorCode(lateRefused)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    proxy.restore();

    // The refused attempt retried with the same clientRequestId is admitted now; the stock is then gone.
    const retried = await eventually(async () => {
      const r = await attempt(app, users[1]!.token, activity.id, 'during-outage-1');
      return r.data?.seckill ?? undefined;
    }, { what: 'admission back' });
    expect(retried.status).toBe('QUEUED');
    expect((await attempt(app, users[3]!.token, activity.id)).data.seckill.status).toBe('SOLD_OUT');
    // The activity created during the outage is loaded on its first attempt.
    expect((await attempt(app, users[2]!.token, late.id)).data.seckill.status).toBe('QUEUED');

    await eventually(async () => (await seckillOrders(app, activity.id)).length === 2 || undefined, { what: 'two orders' });
    // The numbers read Redis too (null while it is unreadable): wait for a reading.
    const numbers = await eventually(async () => {
      const s = await stats(app, admin, activity.id);
      return s.redisStock !== null ? s : undefined;
    }, { what: 'redis numbers' });
    expect(numbers).toMatchObject({ sold: 2, admitted: 2, available: 0, redisStock: 0, consistent: true });
  }, 60_000);

  it('limits attempts per client IP (RATE_LIMITED)', async () => {
    const [skuId] = await createSkus(app, 1, [{ priceFen: 5000, stock: 10 }]);
    const activity = await createActivity(app, admin, { skuId: skuId!, stock: 1, startsInMs: 3_600_000, endsInMs: 7_200_000 });
    // Eight users, one IP (127.0.0.1), SECKILL_IP_RATE_LIMIT=6 per minute.
    const reasons = [];
    for (const user of users) reasons.push((await attempt(app, user.token, activity.id)).data.seckill.reason);
    expect(reasons).toEqual([...Array(6).fill('NOT_STARTED'), 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
