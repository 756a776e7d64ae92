/**
 * TwoLevelCache behaviour that needs no Redis server: L1, single flight, versions, invalidation
 * and the fallback when Redis is unreachable (a client pointed at a cut TCP proxy) or hangs
 * (a server that accepts connections and never answers).
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { Metrics } from '../../../src/infra/observability/metrics.js';
import { TwoLevelCache, type TwoLevelCacheOptions } from '../../../src/infra/cache/two-level-cache.js';
import { start as startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { FakeTable, captureLogger, closeRedis, createTestRedis, type Store } from '../../integration/cache/helpers.js';
import { waitFor } from '../../helpers/wait.js';

let proxy: TcpProxy;
let downRedis: Redis;
const caches: TwoLevelCache<Store>[] = [];
const clients: Redis[] = [];
let seq = 0;

function build(table: FakeTable, options: Partial<TwoLevelCacheOptions<Store>> = {}, redis: Redis = downRedis) {
  const metrics = new Metrics();
  const log = captureLogger();
  const name = `unit-${++seq}`;
  const cache = new TwoLevelCache<Store>({ redis, metrics, logger: log.logger }, { name, load: table.load, ...options });
  caches.push(cache);
  return { cache, metrics, name, lines: log.lines };
}

const row = (id: string, name: string, version: number): Store => ({ id, name, version });

beforeAll(async () => {
  // Port 9 (discard) is never reached: the proxy is cut before any client connects.
  proxy = await startProxy('127.0.0.1', 9);
  proxy.cut();
  downRedis = createTestRedis(proxy.port);
  clients.push(downRedis);
});

afterAll(async () => {
  for (const cache of caches) cache.close();
  for (const client of clients) await closeRedis(client);
  await proxy.close();
});

describe('TwoLevelCache without Redis', () => {
  it('rejects a bad configuration', () => {
    const table = new FakeTable();
    expect(() => build(table, { name: 'a:b' })).toThrow(/name/);
    expect(() => build(table, { l2TtlSeconds: 0 })).toThrow(/l2TtlSeconds/);
    expect(() => build(table, { absentTtlSeconds: -1 })).toThrow(/absentTtlSeconds/);
  });

  it('falls back to the loader, single-flighted, and counts and throttles Redis errors', async () => {
    const table = new FakeTable();
    table.put('s1', 'one', 1);
    const { cache, metrics, name, lines } = build(table);

    const results = await Promise.all(Array.from({ length: 200 }, () => cache.get('s1')));
    expect(results.every((r) => r?.name === 'one')).toBe(true);
    expect(table.calls).toBe(1);
    expect(await cache.get('s1')).toEqual(row('s1', 'one', 1)); // L1 hit

    for (let i = 0; i < 100; i++) expect(await cache.get('unknown')).toBeNull();
    expect(table.calls).toBe(2);

    for (let i = 0; i < 20; i++) {
      cache.evictLocal('s1');
      await cache.get('s1');
    }
    expect(table.calls).toBe(22);

    expect(await metrics.value('cache_errors_total', { cache: name, op: 'get' })).toBe(22);
    expect(await metrics.value('cache_errors_total', { cache: name, op: 'set' })).toBe(22); // write-backs
    expect(await metrics.value('cache_loads_total', { cache: name })).toBe(22);
    expect(await metrics.value('cache_hits_total', { cache: name, level: 'l1' })).toBe(100);
    expect(await metrics.value('cache_misses_total', { cache: name, level: 'l2' })).toBe(22);
    const warnings = lines();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ cache: name, msg: expect.stringContaining('redis') });
  });

  it('set never throws, updates L1, and an older version never replaces a newer one in L1', async () => {
    const table = new FakeTable();
    const { cache } = build(table);

    await expect(cache.set('s1', row('s1', 'v2', 2), 2)).resolves.toBeUndefined();
    await cache.set('s1', row('s1', 'v1', 1), 1);
    expect((await cache.get('s1'))?.name).toBe('v2');
    await cache.set('s1', row('s1', 'v3', 3), 3);
    expect((await cache.get('s1'))?.name).toBe('v3');
    await cache.remove('s1', 4);
    expect(await cache.get('s1')).toBeNull();
    expect(table.calls).toBe(0);
  });

  it('applyRemoteChange keeps an L1 copy at that version or newer and drops older ones', async () => {
    const table = new FakeTable();
    table.put('s1', 'v1', 1);
    const { cache, metrics, name } = build(table);

    await cache.set('s1', row('s1', 'v2', 2), 2);
    cache.applyRemoteChange('s1', 2);
    cache.applyRemoteChange('s1', 1);
    expect((await cache.get('s1'))?.name).toBe('v2');
    expect(table.calls).toBe(0);

    table.put('s1', 'v3', 3);
    cache.applyRemoteChange('s1', 3);
    expect((await cache.get('s1'))?.name).toBe('v3');
    expect(table.calls).toBe(1);

    cache.applyRemoteChange('s1');
    expect((await cache.get('s1'))?.name).toBe('v3');
    expect(table.calls).toBe(2);
    expect(await metrics.value('cache_invalidations_total', { cache: name })).toBe(4);
  });

  it('an eviction during a load detaches it: its result does not fill L1 and later readers load again', async () => {
    const table = new FakeTable();
    table.put('s1', 'old', 1);
    const { cache } = build(table);

    table.gate();
    const early = cache.get('s1');
    await waitFor(() => table.calls === 1, { what: 'loader started' });
    table.put('s1', 'new', 2);
    cache.applyRemoteChange('s1'); // no version: drop whatever is in flight
    table.release();
    expect((await early)?.name).toBe('old');
    expect((await cache.get('s1'))?.name).toBe('new');
    expect(table.calls).toBe(2);

    // evictAll does the same for every key
    table.gate();
    const again = cache.get('s2');
    await waitFor(() => table.calls === 3, { what: 'loader started' });
    cache.evictAll();
    const after = cache.get('s2');
    await waitFor(() => table.calls === 4, { what: 'second loader started' });
    table.release();
    expect(await again).toBeNull();
    expect(await after).toBeNull();
  });

  it('propagates loader errors to every waiting reader without caching them', async () => {
    let fail = true;
    let calls = 0;
    const table = new FakeTable();
    const { cache, metrics, name } = build(table, {
      load: async (id) => {
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
        if (fail) throw new Error('mysql down');
        return { value: row(id, 'ok', 1), version: 1 };
      },
    });

    const reads = await Promise.allSettled(Array.from({ length: 10 }, () => cache.get('s1')));
    expect(reads.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'mysql down')).toBe(true);
    expect(calls).toBe(1);
    expect(await metrics.value('cache_errors_total', { cache: name, op: 'load' })).toBe(1);

    fail = false;
    expect((await cache.get('s1'))?.name).toBe('ok');
    expect(calls).toBe(2);
  });

  it('expires L1 entries after l1TtlSeconds', async () => {
    const table = new FakeTable();
    table.put('s1', 'one', 1);
    const { cache } = build(table, { l1TtlSeconds: 0.1 });
    await cache.get('s1');
    expect(table.calls).toBe(1);
    await waitFor(async () => (await cache.get('s1'), table.calls === 2), { timeoutMs: 2_000, what: 'L1 expiry' });
  });

  it('l1TtlSeconds 0 disables L1 but keeps single flight', async () => {
    const table = new FakeTable();
    table.put('s1', 'one', 1);
    const { cache } = build(table, { l1TtlSeconds: 0 });
    await Promise.all(Array.from({ length: 50 }, () => cache.get('s1')));
    expect(table.calls).toBe(1);
    await cache.get('s1');
    expect(table.calls).toBe(2);
  });

  it('bounds a hanging Redis by redisTimeoutMs', async () => {
    // A "Redis" that accepts connections and never answers; the client queues commands offline.
    const held = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const hanging = new Redis({ host: '127.0.0.1', port: (blackHole.address() as net.AddressInfo).port, disconnectTimeout: 100 });
    hanging.on('error', () => undefined);
    clients.push(hanging);
    try {
      const table = new FakeTable();
      table.put('s1', 'one', 1);
      const { cache, metrics, name } = build(table, { redisTimeoutMs: 50 }, hanging);
      // The black hole never answers, so get and set resolving at all means redisTimeoutMs cut them short.
      expect((await cache.get('s1'))?.name).toBe('one');
      await expect(cache.set('s1', row('s1', 'two', 2), 2)).resolves.toBeUndefined();
      expect(held.size).toBeGreaterThan(0); // the connection to Redis is still open and unanswered
      expect(await metrics.value('cache_errors_total', { cache: name, op: 'get' })).toBe(1);
      expect(await metrics.value('cache_errors_total', { cache: name, op: 'set' })).toBe(2);
    } finally {
      await closeRedis(hanging);
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});
