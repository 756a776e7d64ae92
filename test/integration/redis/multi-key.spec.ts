/**
 * Redis work that spans several keys, on whichever Redis the run uses: the shared one
 * (`npm test`) or a Redis Cluster (`npm run test:redis-cluster`). A cluster refuses a script or
 * MULTI whose keys hash to different slots (CROSSSLOT), and ioredis refuses a pipeline whose
 * keys live on different masters; these tests show the BFF's multi-key paths avoid both.
 */
import { randomUUID } from 'node:crypto';
import { TwoLevelCache } from '../../../src/infra/cache/two-level-cache.js';
import { createLogger } from '../../../src/infra/observability/logger.js';
import { Metrics } from '../../../src/infra/observability/metrics.js';
import { createRedis, deleteKeysMatching, waitForRedis, type RedisClient } from '../../../src/infra/redis/redis.js';
import { TEST_NAMESPACE } from '../../helpers/test-db.js';
import { connectTestRedis, deleteMatching, TEST_REDIS_CLUSTER_NODES, testRedisTarget } from '../../helpers/test-redis.js';
import { FakeTable, type Store } from '../cache/helpers.js';

const onCluster = TEST_REDIS_CLUSTER_NODES !== undefined;
const logger = createLogger({ level: 'silent' });
const prefix = `${TEST_NAMESPACE}multikey-${randomUUID()}:`;
let app: RedisClient;
let admin: RedisClient;
const caches: TwoLevelCache<Store>[] = [];

/** The master (host:port) serving each full key name; one entry for a single Redis. */
async function mastersOf(keys: string[]): Promise<Set<string>> {
  if (!onCluster) return new Set(['single']);
  const ranges = (await admin.cluster('SLOTS')).map(([from, to, master]) => ({ from, to, master: `${master[0]}:${master[1]}` }));
  const masters = new Set<string>();
  for (const key of keys) {
    const slot = Number(await admin.cluster('KEYSLOT', key));
    masters.add(ranges.find((r) => r.from <= slot && slot <= r.to)!.master);
  }
  return masters;
}

beforeAll(async () => {
  // The production factory with a key prefix, as app.ts builds it (a Cluster on a cluster run).
  app = createRedis(testRedisTarget(), logger, 'test', prefix);
  admin = connectTestRedis({ maxRetriesPerRequest: 1 });
  expect(await waitForRedis(app, 5_000)).toBe(true);
  expect(await waitForRedis(admin, 5_000)).toBe(true);
});

afterAll(async () => {
  for (const cache of caches) cache.close();
  await deleteMatching(admin, `${prefix}*`);
  app.disconnect();
  admin.disconnect();
});

describe(`multi-key Redis paths (${onCluster ? 'Redis Cluster' : 'single Redis'})`, () => {
  it('the two-level cache reads and writes keys living on different masters in one getMany', async () => {
    const table = new FakeTable();
    const ids = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);
    for (const id of ids) table.put(id, `Shop ${id}`, 1);
    const build = (metrics: Metrics) => {
      const cache = new TwoLevelCache<Store>({ redis: app, metrics, logger }, { name: 'multikey', load: table.load, loadMany: table.loadMany });
      caches.push(cache);
      return cache;
    };
    const writerMetrics = new Metrics();
    const writer = build(writerMetrics);
    const fullKeys = ids.map((id) => `${prefix}${writer.redisKey(id)}`);
    if (onCluster) expect((await mastersOf(fullKeys)).size).toBeGreaterThan(1);

    // One batch load, then the versioned-write script for every key.
    expect((await writer.getMany(ids)).map((s) => s?.name)).toEqual(ids.map((id) => `Shop ${id}`));
    expect(table.batchCalls).toBe(1);
    expect(await writerMetrics.value('cache_errors_total', { cache: 'multikey', op: 'set' })).toBe(0);
    for (const key of fullKeys) expect(await admin.hget(key, 'v')).toBe('1');

    // Another instance (empty L1) gets all twelve from Redis in one read, without the loader.
    const readerMetrics = new Metrics();
    const reader = build(readerMetrics);
    expect((await reader.getMany(ids)).map((s) => s?.name)).toEqual(ids.map((id) => `Shop ${id}`));
    expect(table.batchCalls).toBe(1);
    expect(table.calls).toBe(0);
    expect(await readerMetrics.value('cache_hits_total', { cache: 'multikey', level: 'l2' })).toBe(ids.length);
    expect(await readerMetrics.value('cache_errors_total', { cache: 'multikey', op: 'get' })).toBe(0);

    // What the cache used to send: one pipeline over all keys, which a cluster client refuses.
    const pipeline = app.pipeline();
    for (const id of ids) pipeline.hmget(writer.redisKey(id), 'v', 'd');
    const sent = pipeline.exec();
    if (onCluster) await expect(sent).rejects.toThrow(/same slots allocation group/);
    else await expect(sent).resolves.toHaveLength(ids.length);
  });

  it('a transaction over several keys needs them in one hash slot: a shared {hash tag} does that', async () => {
    const untagged = app.multi().set('mk:left', '1').set('mk:right', '1').exec();
    if (onCluster) {
      expect(Number(await admin.cluster('KEYSLOT', `${prefix}mk:left`))).not.toBe(Number(await admin.cluster('KEYSLOT', `${prefix}mk:right`)));
      await expect(untagged).rejects.toThrow(/CROSSSLOT|same slot/);
      expect(await admin.exists(`${prefix}mk:left`)).toBe(0);
      expect(await admin.exists(`${prefix}mk:right`)).toBe(0);
    } else {
      await expect(untagged).resolves.toHaveLength(2);
    }

    // Only the text inside the first {...} is hashed, so both keys share a slot (the prefix has no braces).
    expect(await app.multi().set('mk:{order-1}:left', '1').set('mk:{order-1}:right', '2').exec()).toEqual([
      [null, 'OK'],
      [null, 'OK'],
    ]);
    expect(await app.eval("return redis.call('GET', KEYS[1]) + redis.call('GET', KEYS[2])", 2, 'mk:{order-1}:left', 'mk:{order-1}:right')).toBe(3);
    expect(await admin.get(`${prefix}mk:{order-1}:right`)).toBe('2');
  });

  it('deleteKeysMatching removes a prefix\'s keys from every master, and nothing else', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `sweep:${i}`);
    for (const key of keys) await app.set(key, '1');
    await app.set('kept', '1');
    if (onCluster) expect((await mastersOf(keys.map((k) => `${prefix}${k}`))).size).toBeGreaterThan(1);

    expect(await deleteKeysMatching(admin, `${prefix}sweep:*`)).toBe(keys.length);
    for (const key of keys) expect(await admin.exists(`${prefix}${key}`)).toBe(0);
    expect(await admin.get(`${prefix}kept`)).toBe('1');
  });
});
