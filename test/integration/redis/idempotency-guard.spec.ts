import { randomUUID } from 'node:crypto';
import { IdempotencyGuard } from '../../../src/infra/redis/idempotency-guard.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import { Metrics } from '../../../src/infra/observability/metrics.js';
import { createRedis, waitForRedis, type RedisClient } from '../../../src/infra/redis/redis.js';
import { deleteMatching, startRedisProxy, testRedisTarget } from '../../helpers/test-redis.js';

describe('IdempotencyGuard (real Redis)', () => {
  const logger = createLogger({ level: 'silent' });
  let redis: RedisClient;
  let metrics: Metrics;
  let guard: IdempotencyGuard;
  let consumer: string;

  beforeEach(async () => {
    redis = createRedis(testRedisTarget(), logger);
    expect(await waitForRedis(redis)).toBe(true);
    metrics = new Metrics();
    guard = new IdempotencyGuard({ redis, logger, metrics }, { leaseMs: 5_000, doneTtlSeconds: 60 });
    consumer = `test-${randomUUID()}`;
  });
  afterEach(async () => {
    await deleteMatching(redis, `idem:${consumer}:*`);
    await redis.quit();
  });

  it('runs the work once and marks the key done', async () => {
    let runs = 0;
    const first = await guard.run(consumer, 'k1', async () => ++runs);
    const second = await guard.run(consumer, 'k1', async () => ++runs);
    expect(first).toEqual({ status: 'done', result: 1 });
    expect(second).toEqual({ status: 'duplicate' });
    expect(runs).toBe(1);
    expect(await redis.get(`idem:${consumer}:k1`)).toBe('done');
    expect(await redis.ttl(`idem:${consumer}:k1`)).toBeGreaterThan(0);
  });

  it('reports in-progress while another worker holds the lease, without running the work', async () => {
    let release!: () => void;
    const holding = guard.run(consumer, 'k2', () => new Promise<string>((r) => (release = () => r('held'))));
    // The first call has taken the lease once its SET resolved; wait for the key to exist.
    while ((await redis.get(`idem:${consumer}:k2`)) !== 'processing') await new Promise((r) => setImmediate(r));
    let ran = false;
    const concurrent = await guard.run(consumer, 'k2', async () => {
      ran = true;
    });
    expect(concurrent).toEqual({ status: 'in-progress' });
    expect(ran).toBe(false);
    release();
    expect(await holding).toEqual({ status: 'done', result: 'held' });
  });

  it('deletes the key when the work fails, so a retry runs it again', async () => {
    await expect(guard.run(consumer, 'k3', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await redis.get(`idem:${consumer}:k3`)).toBeNull();
    expect(await guard.run(consumer, 'k3', async () => 'ok')).toEqual({ status: 'done', result: 'ok' });
  });

  it('treats a database duplicate as already done', async () => {
    expect(await guard.run(consumer, 'k4', async () => 'duplicate' as const)).toEqual({ status: 'duplicate' });
    expect(await redis.get(`idem:${consumer}:k4`)).toBe('done');
  });

  it('runs on the database alone when Redis is unreachable', async () => {
    const proxy = await startRedisProxy();
    const flaky = createRedis(proxy.target, logger);
    try {
      expect(await waitForRedis(flaky)).toBe(true);
      proxy.cut();
      const degraded = new IdempotencyGuard({ redis: flaky, logger, metrics });
      let runs = 0;
      const outcome = await degraded.run(consumer, 'k5', async () => ++runs);
      expect(outcome).toEqual({ status: 'done', result: 1 });
      expect(await metrics.value('idempotency_outcomes_total', { consumer, outcome: 'redis-unavailable' })).toBe(1);
    } finally {
      flaky.disconnect();
      await proxy.close();
    }
  });
});
