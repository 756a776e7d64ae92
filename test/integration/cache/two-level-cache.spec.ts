/**
 * TwoLevelCache against the real Redis at 127.0.0.1:6379. The loader is a counting fake standing
 * in for MySQL; two cache objects on two Redis connections stand in for two BFF instances.
 */
import type { RedisClient as Redis } from '../../../src/infra/redis/redis.js';
import { Metrics } from '../../../src/infra/observability/metrics.js';
import { TwoLevelCache, type TwoLevelCacheOptions } from '../../../src/infra/cache/two-level-cache.js';
import { startRedisProxy, type RedisProxy } from '../../helpers/test-redis.js';
import { FakeTable, captureLogger, closeRedis, createInspectionRedis, createTestRedisClient, deleteKeys, runPrefix, waitForCut, waitForReady, type Store } from './helpers.js';
import { waitFor } from '../../helpers/wait.js';

const prefix = runPrefix();
let seq = 0;
const clients: Redis[] = [];
const caches: TwoLevelCache<Store>[] = [];
const proxies: RedisProxy[] = [];
let admin: Redis;

async function redisClient(proxy?: RedisProxy): Promise<Redis> {
  const client = createTestRedisClient(proxy);
  clients.push(client);
  await waitForReady(client);
  return client;
}

interface Instance {
  cache: TwoLevelCache<Store>;
  metrics: Metrics;
  redis: Redis;
}

/** One "BFF instance": its own Redis connection, metrics registry and cache object. */
async function instance(name: string, table: FakeTable, options: Partial<TwoLevelCacheOptions<Store>> = {}, redis?: Redis): Promise<Instance> {
  const client = redis ?? (await redisClient());
  const metrics = new Metrics();
  const cache = new TwoLevelCache<Store>(
    { redis: client, metrics, logger: captureLogger().logger },
    { name, load: table.load, ...options },
  );
  caches.push(cache);
  return { cache, metrics, redis: client };
}

function newName(): string {
  return `${prefix}-${++seq}`;
}

const count = (metrics: Metrics, metric: string, labels: Record<string, string>) => metrics.value(metric, labels);

beforeAll(async () => {
  admin = createInspectionRedis();
  clients.push(admin);
  await waitForReady(admin);
});

afterAll(async () => {
  for (const cache of caches) cache.close();
  await deleteKeys(admin, `cache:${prefix}-*`);
  for (const client of clients) await closeRedis(client);
  for (const proxy of proxies) await proxy.close();
});

describe('TwoLevelCache (real Redis)', () => {
  it('loads on a full miss, then hits L1, then L2 after an L1 eviction', async () => {
    const name = newName();
    const table = new FakeTable();
    table.put('s1', 'Shop 1', 1);
    const { cache, metrics } = await instance(name, table);

    expect(await cache.get('s1')).toEqual({ id: 's1', name: 'Shop 1', version: 1 });
    expect(table.calls).toBe(1);
    expect(await admin.hgetall(`cache:${name}:s1`)).toEqual({ v: '1', d: JSON.stringify({ id: 's1', name: 'Shop 1', version: 1 }) });
    const ttl = await admin.pttl(`cache:${name}:s1`);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(660_000); // 600 s + at most 10 % jitter

    expect(await cache.get('s1')).toEqual({ id: 's1', name: 'Shop 1', version: 1 });
    expect(table.calls).toBe(1);

    cache.evictLocal('s1');
    expect(await cache.get('s1')).toEqual({ id: 's1', name: 'Shop 1', version: 1 });
    expect(table.calls).toBe(1);

    expect(await count(metrics, 'cache_hits_total', { cache: name, level: 'l1' })).toBe(1);
    expect(await count(metrics, 'cache_hits_total', { cache: name, level: 'l2' })).toBe(1);
    expect(await count(metrics, 'cache_misses_total', { cache: name, level: 'l1' })).toBe(2);
    expect(await count(metrics, 'cache_misses_total', { cache: name, level: 'l2' })).toBe(1);
    expect(await count(metrics, 'cache_loads_total', { cache: name })).toBe(1);
    expect(await count(metrics, 'cache_errors_total', { cache: name, op: 'get' })).toBe(0);
  });

  it('200 concurrent reads of an evicted key make one loader call (and one Redis read)', async () => {
    const name = newName();
    const table = new FakeTable();
    table.put('s1', 'Shop 1', 1);
    const { cache, metrics } = await instance(name, table);

    const results = await Promise.all(Array.from({ length: 200 }, () => cache.get('s1')));
    expect(results.every((r) => r?.name === 'Shop 1')).toBe(true);
    expect(table.calls).toBe(1);

    // Evicted from L1 but still in Redis: one L2 read serves all 200.
    cache.evictLocal('s1');
    await Promise.all(Array.from({ length: 200 }, () => cache.get('s1')));
    expect(table.calls).toBe(1);
    expect(await count(metrics, 'cache_hits_total', { cache: name, level: 'l2' })).toBe(1);
    expect(await count(metrics, 'cache_misses_total', { cache: name, level: 'l2' })).toBe(1);
    expect(await count(metrics, 'cache_misses_total', { cache: name, level: 'l1' })).toBe(400);
  });

  it('caches an unknown id as absent: 100 reads, one loader call, in both levels, until the absent TTL passes', async () => {
    const name = newName();
    const table = new FakeTable();
    const { cache } = await instance(name, table, { absentTtlSeconds: 0.5 });

    for (let i = 0; i < 100; i++) expect(await cache.get('nope')).toBeNull();
    expect(table.calls).toBe(1);
    expect(await admin.hgetall(`cache:${name}:nope`)).toEqual({ v: '-1' });

    cache.evictLocal('nope');
    expect(await cache.get('nope')).toBeNull(); // from the L2 sentinel
    expect(table.calls).toBe(1);

    // The row appears; once the absent TTL has passed in both levels the loader finds it.
    table.put('nope', 'Now here', 1);
    await waitFor(async () => (await cache.get('nope')) !== null, { timeoutMs: 3_000, intervalMs: 50, what: 'absent TTL expiry' });
    expect(table.calls).toBe(2);
  });

  it('never lets an older version overwrite a newer one, in Redis or in L1', async () => {
    const name = newName();
    const table = new FakeTable();
    const a = await instance(name, table);
    const b = await instance(name, table);
    const key = `cache:${name}:s1`;

    await a.cache.set('s1', { id: 's1', name: 'v2', version: 2 }, 2);
    await a.cache.set('s1', { id: 's1', name: 'v1', version: 1 }, 1); // late write, same instance
    await b.cache.set('s1', { id: 's1', name: 'v1', version: 1 }, 1); // late write, other instance
    expect(await admin.hget(key, 'v')).toBe('2');
    expect((await a.cache.get('s1'))?.name).toBe('v2'); // L1 kept v2
    expect(table.calls).toBe(0);

    // Equal versions replace (idempotent re-write).
    await b.cache.set('s1', { id: 's1', name: 'v2 again', version: 2 }, 2);
    expect(await admin.hget(key, 'v')).toBe('2');
    expect(JSON.parse((await admin.hget(key, 'd'))!).name).toBe('v2 again');

    // A slow loader that read version 3 before version 4 was committed and written.
    table.put('s2', 'v3', 3);
    table.gate();
    const slowRead = a.cache.get('s2');
    await waitFor(() => table.calls === 1, { what: 'loader started' });
    table.put('s2', 'v4', 4);
    await b.cache.set('s2', { id: 's2', name: 'v4', version: 4 }, 4);
    a.cache.applyRemoteChange('s2', 4); // the broadcast overtakes the slow read
    table.release();
    expect((await slowRead)?.name).toBe('v3'); // the reader started before v4 existed
    expect(await admin.hget(`cache:${name}:s2`, 'v')).toBe('4'); // the slow write lost in Redis...
    expect((await a.cache.get('s2'))?.name).toBe('v4'); // ...and did not fill L1
    expect(table.calls).toBe(1);

    // In L1: the writer's own set wins over its slower concurrent read.
    table.put('s3', 'v1', 1);
    table.gate();
    const racingRead = a.cache.get('s3');
    await waitFor(() => table.calls === 2, { what: 'loader started' });
    await a.cache.set('s3', { id: 's3', name: 'v2', version: 2 }, 2);
    table.release();
    expect((await racingRead)?.name).toBe('v2'); // the newest version known locally is returned
    expect((await a.cache.get('s3'))?.name).toBe('v2');
    expect(await admin.hget(`cache:${name}:s3`, 'v')).toBe('2');
  });

  it('applyRemoteChange drops L1 so the next read sees what another instance wrote', async () => {
    const name = newName();
    const table = new FakeTable();
    table.put('s1', 'before', 1);
    const a = await instance(name, table);
    const b = await instance(name, table);
    expect(a.redis).not.toBe(b.redis);

    expect((await a.cache.get('s1'))?.name).toBe('before');
    expect((await b.cache.get('s1'))?.name).toBe('before');
    expect(table.calls).toBe(1); // b found it in Redis

    // Instance b is the writer: commit, write through, broadcast.
    table.put('s1', 'after', 2);
    await b.cache.set('s1', { id: 's1', name: 'after', version: 2 }, 2);
    expect((await a.cache.get('s1'))?.name).toBe('before'); // a has not heard yet

    // The broadcast reaches both instances.
    a.cache.applyRemoteChange('s1', 2);
    b.cache.applyRemoteChange('s1', 2);
    expect((await a.cache.get('s1'))?.name).toBe('after');
    expect((await b.cache.get('s1'))?.name).toBe('after');
    expect(table.calls).toBe(1); // both from L2 / L1, no loader call
    expect(await count(a.metrics, 'cache_invalidations_total', { cache: name })).toBe(1);
    expect(await count(a.metrics, 'cache_hits_total', { cache: name, level: 'l2' })).toBe(1);
    expect(await count(b.metrics, 'cache_hits_total', { cache: name, level: 'l1' })).toBe(1); // b kept its v2

    // Without a version the local copy is dropped unconditionally.
    b.cache.applyRemoteChange('s1');
    expect((await b.cache.get('s1'))?.name).toBe('after');
    expect(await count(b.metrics, 'cache_hits_total', { cache: name, level: 'l2' })).toBe(2);
  });

  it('heals a Redis write lost while the writer could not reach Redis: an L2 copy older than the broadcast version is a miss', async () => {
    const name = newName();
    const table = new FakeTable();
    table.put('s1', 'v1', 1);
    const proxy = await startRedisProxy();
    proxies.push(proxy);
    const a = await instance(name, table);
    const writer = await instance(name, table, {}, await redisClient(proxy));

    expect((await a.cache.get('s1'))?.name).toBe('v1');
    proxy.cut();
    await waitForCut(writer.redis);

    table.put('s1', 'v2', 2);
    await expect(writer.cache.set('s1', { id: 's1', name: 'v2', version: 2 }, 2)).resolves.toBeUndefined();
    expect(await admin.hget(`cache:${name}:s1`, 'v')).toBe('1'); // the write never reached Redis
    expect((await writer.cache.get('s1'))?.name).toBe('v2'); // but the writer's L1 has it

    a.cache.applyRemoteChange('s1', 2);
    expect((await a.cache.get('s1'))?.name).toBe('v2'); // Redis said v1 < 2: reloaded
    expect(table.calls).toBe(2);
    expect(await admin.hget(`cache:${name}:s1`, 'v')).toBe('2'); // and repaired Redis

    proxy.restore();
    await waitForReady(writer.redis);
  });

  it('keeps serving correct values while Redis is cut, without throwing, and uses Redis again after restore', async () => {
    const name = newName();
    const table = new FakeTable();
    table.put('s1', 'v1', 1);
    table.put('s2', 'two', 1);
    const proxy = await startRedisProxy();
    proxies.push(proxy);
    const redis = await redisClient(proxy);
    const metrics = new Metrics();
    const { logger, lines } = captureLogger();
    const cache = new TwoLevelCache<Store>({ redis, metrics, logger }, { name, load: table.load });
    caches.push(cache);

    expect((await cache.get('s1'))?.name).toBe('v1');
    expect(table.calls).toBe(1);

    proxy.cut();
    await waitForCut(redis);

    // Reads fall back to the loader, still single-flighted.
    cache.evictLocal('s1');
    const results = await Promise.all(Array.from({ length: 200 }, () => cache.get('s1')));
    expect(results.every((r) => r?.name === 'v1')).toBe(true);
    expect(table.calls).toBe(2);
    expect(await cache.get('missing')).toBeNull();
    expect(await cache.getMany(['s1', 's2', 'missing'])).toEqual([
      { id: 's1', name: 'v1', version: 1 },
      { id: 's2', name: 'two', version: 1 },
      null,
    ]);

    // Writes update L1 and do not throw.
    table.put('s1', 'v2', 2);
    await expect(cache.set('s1', { id: 's1', name: 'v2', version: 2 }, 2)).resolves.toBeUndefined();
    expect((await cache.get('s1'))?.name).toBe('v2');

    const errors = (await count(metrics, 'cache_errors_total', { cache: name, op: 'get' })) + (await count(metrics, 'cache_errors_total', { cache: name, op: 'set' }));
    expect(errors).toBeGreaterThanOrEqual(4);
    const warnings = lines().filter((l) => l.cache === name);
    expect(warnings).toHaveLength(1); // throttled: one warning however many failures
    expect(warnings[0]).toMatchObject({ level: 40, cache: name });

    proxy.restore();
    await waitForReady(redis);
    cache.evictLocal('s1');
    expect((await cache.get('s1'))?.name).toBe('v2'); // Redis had v1 < the known v2: reloaded and repaired
    expect(await admin.hget(`cache:${name}:s1`, 'v')).toBe('2');
    const loadsAfterRestore = table.calls;
    cache.evictLocal('s1');
    const l2HitsBefore = await count(metrics, 'cache_hits_total', { cache: name, level: 'l2' });
    expect((await cache.get('s1'))?.name).toBe('v2');
    expect(table.calls).toBe(loadsAfterRestore);
    expect(await count(metrics, 'cache_hits_total', { cache: name, level: 'l2' })).toBe(l2HitsBefore + 1);
  });

  it('getMany mixes L1, L2 and one batch load, aligned with the requested keys', async () => {
    const name = newName();
    const table = new FakeTable();
    for (const id of ['a', 'b', 'c', 'd']) table.put(id, `shop ${id}`, 1);
    const one = await instance(name, table, { loadMany: table.loadMany });
    const two = await instance(name, table, { loadMany: table.loadMany });

    await one.cache.get('a'); // L1 of `one`, and L2
    await two.cache.get('b'); // L2
    expect(table.calls).toBe(2);

    const result = await one.cache.getMany(['a', 'b', 'c', 'x', 'd', 'a']);
    expect(result.map((r) => r?.name ?? null)).toEqual(['shop a', 'shop b', 'shop c', null, 'shop d', 'shop a']);
    expect(table.calls).toBe(2);
    expect(table.batchCalls).toBe(1); // c, x, d in one batch
    expect(await count(one.metrics, 'cache_loads_total', { cache: name })).toBe(4); // a, then c, x, d
    expect(await admin.hget(`cache:${name}:x`, 'v')).toBe('-1');
    expect(await admin.hget(`cache:${name}:d`, 'v')).toBe('1');
  });

  it('remove writes a versioned tombstone that a slow older read cannot undo', async () => {
    const name = newName();
    const table = new FakeTable();
    table.put('s1', 'v1', 1);
    const a = await instance(name, table);
    const b = await instance(name, table);

    table.gate();
    const slowRead = b.cache.get('s1');
    await waitFor(() => table.calls === 1, { what: 'loader started' });
    table.rows.delete('s1');
    await a.cache.remove('s1', 2);
    table.release();
    await slowRead;

    expect(await admin.hgetall(`cache:${name}:s1`)).toEqual({ v: '2' });
    expect(await a.cache.get('s1')).toBeNull();
    b.cache.applyRemoteChange('s1', 2);
    expect(await b.cache.get('s1')).toBeNull();
    expect(table.calls).toBe(1);
  });
});
