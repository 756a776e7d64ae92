/**
 * bench/stores: store reads three ways in the same run, and invalidation propagation.
 *
 *   node --import @swc-node/register/esm-register bench/stores/stores.bench.ts
 *
 * 1. `store(id)` and `stores(first: 20)` at the service layer (StoreService, no HTTP), then the
 *    same through HTTP GraphQL (POST /graphql, undici keep-alive, load generated in a worker
 *    thread so it does not share the server's event loop), each three ways:
 *      - MySQL only: the cache's own loader, called directly (cache bypassed); listing ids from
 *        MySQL every time;
 *      - Redis only: a TwoLevelCache on the same Redis keys with `l1TtlSeconds: 0` (every read
 *        is one Redis round trip); listing ids from MySQL, nodes from Redis;
 *      - full chain: L1 (node-cache) → L2 → MySQL, warmed, so reads are L1 hits; listing pages
 *        from the per-process page cache.
 *    Bounded: BENCH_CONCURRENCY (50) in flight, at most BENCH_COUNT (100000) calls or
 *    BENCH_SECONDS (5) per run (HTTP: split into BENCH_HTTP_ROUNDS (3) interleaved rounds).
 *    Ids are spread over the 66 demo stores.
 * 2. Propagation: two app instances (A, B) sharing MySQL, Redis and A's embedded broker. For
 *    each of BENCH_UPDATES (200) updates: B's L1 is filled, A updates the store (MySQL commit →
 *    Redis → outbox → TopicStoreChanged), then we time until B has applied the broadcast and
 *    serves the new version.
 * 3. The edge against a bare baseline: `stores(first: 20)`, `store(id)` and `me` over HTTP, from
 *    the same load worker, to the project (full chain, L1 hits) and to a bare Apollo Server 5 +
 *    type-graphql 2 serving the same types from memory in its own process (bench/stores/
 *    bare-server.ts), alternating in BENCH_HTTP_ROUNDS rounds; prints project/bare throughput
 *    per query, and each server's event-loop (main thread) CPU per request, the steadier number
 *    on a shared machine (the project's also without its idle background: broker, consumers).
 *    BENCH_ONLY=edge runs this section alone (no second instance, no other section);
 *    BENCH_EDGE_QUERIES=stores,store,me (the default: all three) picks the queries.
 *    BENCH_CPU_PROFILE=<file>: a V8 CPU profile of this process (the project's API; the load
 *    worker is another thread) over the section; BENCH_BARE_CPU_PROFILE=<file>, the bare server's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { operation } from '../../test/helpers/graphql-client.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import type { RequestContext } from '../../src/shared/context.js';
import { createStoreCache, type StoreService } from '../../src/modules/store/store.service.js';
import { DEMO_STORES } from '../../src/modules/store/store.seed.js';
import { formatResult, percentile, runLoad, summarize, type RunResult } from '../lib/stats.js';
import { benchDatabaseName, dropDatabase } from '../../test/helpers/test-db.js';
import { runWorkerThread } from '../lib/worker-thread.js';
import { spawnChild } from '../lib/processes.js';
import { startCpuProfile } from '../lib/cpu-profile.js';
import { MS_PER_TICK } from '../lib/cpu-usage.js';
import { statCpuMs } from '../lib/proc-cpu.mjs';
import { login } from '../../test/helpers/actors.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const COUNT = Number(process.env.BENCH_COUNT ?? 100_000);
const MAX_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 200);
const HTTP_ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const EDGE_ONLY = process.env.BENCH_ONLY === 'edge';
const DB_NAME = benchDatabaseName('stores');
const DB = `mysql://root@127.0.0.1:3306/${DB_NAME}`;
const STORE_COUNT = DEMO_STORES.length;
const CITIES = [...new Set(DEMO_STORES.map((s) => s.city))];

// With the fragments they spread (StoreFields) appended.
const STORE_Q = operation('store');
const STORES_Q = operation('stores');
const ME_Q = operation('me');

await dropDatabase(DB_NAME);

const dirs: string[] = [];
async function startInstance(id: string, endpoints?: string): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-stores-${id}-`));
  dirs.push(dataDir);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: DB,
    EMBEDDED_BROKER_PORT: '0',
    BROKER_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    REDIS_KEY_PREFIX: `bench-stores-${Date.now()}:`,
    DB_POOL_MAX: '30',
    INSTANCE_ID: `bench-${id}`,
    SEED_DEMO_DATA: 'true',
    ...(endpoints ? { ROCKETMQ_ENDPOINTS: endpoints } : {}),
  });
  return createApp(config, { logger: createLogger({ level: 'warn' }) });
}

const a = await startInstance('a');
const b = EDGE_ONLY ? undefined : await startInstance('b', a.broker!.endpoint);
const service = a.services.stores as StoreService;
const ctx = (app: App, admin = false): RequestContext => ({
  em: app.orm.em.fork(),
  log: app.logger,
  requestId: 'bench',
  ...(admin ? { viewer: { userId: 1, role: 'admin' as const, token: 'bench' } } : {}),
});
// The namespace may hold values from an earlier run's database: start clean.
for (let id = 1; id <= STORE_COUNT + 10; id++) await a.redis.del(service.cache.redisKey(String(id)));

const idOf = (i: number) => (i * 7919) % STORE_COUNT + 1;
const cityOf = (i: number) => (i % (CITIES.length + 1) === CITIES.length ? undefined : CITIES[i % (CITIES.length + 1)]);

// The three read paths.
const mysqlOnly = service.mysqlReader();
const redisOnly = createStoreCache({ orm: a.orm, redis: a.redis, outbox: a.outbox, metrics: a.metrics, logger: a.logger }, service.repository, { l1TtlSeconds: 0 });
const fullChain = service.cache;
// Warm L2 and L1 for every store, and check the three agree.
for (let id = 1; id <= STORE_COUNT; id++) {
  const [x] = await fullChain.getMany([String(id)]);
  const [y] = await redisOnly.getMany([String(id)]);
  const [z] = await mysqlOnly.getMany([String(id)]);
  if (!x || JSON.stringify(x) !== JSON.stringify(y) || JSON.stringify(y) !== JSON.stringify(z)) throw new Error(`read paths disagree on store ${id}`);
}

const paths = [
  { name: 'MySQL only', reader: mysqlOnly, cacheListPages: false },
  { name: 'Redis only (L1 off)', reader: redisOnly, cacheListPages: false },
  { name: 'full chain (L1 hits)', reader: fullChain, cacheListPages: true },
] as const;

/** HTTP load from a worker thread (its own event loop): POST /graphql with keep-alive connections. */
interface Samples {
  latencies: number[];
  errors: number;
  seconds: number;
}
async function httpLoad(label: string, kind: 'store' | 'stores' | 'me', maxMs: number, target: { url: string; token?: string } = { url: a.http!.url }): Promise<Samples> {
  const result = await runWorkerThread<Samples & { firstError?: string }>(new URL('./http-load.worker.mjs', import.meta.url), {
    url: target.url,
    token: target.token,
    query: kind === 'store' ? STORE_Q : kind === 'me' ? ME_Q : STORES_Q,
    kind,
    storeCount: STORE_COUNT,
    cities: CITIES,
    concurrency: CONCURRENCY,
    count: COUNT,
    maxMs,
  });
  if (result.firstError) console.error(`${label}: first error: ${result.firstError}`);
  return result;
}

/**
 * The machine may be shared: the three paths run interleaved in HTTP_ROUNDS short rounds
 * (MySQL, Redis, full, MySQL, ...) so a burst of outside load does not land on one path only;
 * each path's result pools its rounds.
 */
async function httpSection(title: string, kind: 'store' | 'stores', name: string): Promise<void> {
  const pooled = paths.map(() => ({ latencies: [] as number[], errors: 0, seconds: 0 }));
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    for (const [i, path] of paths.entries()) {
      service.useReadPath(path.reader, { cacheListPages: path.cacheListPages });
      const r = await httpLoad(`${name} ${path.name}`, kind, MAX_MS / HTTP_ROUNDS);
      pooled[i]!.latencies.push(...r.latencies);
      pooled[i]!.errors += r.errors;
      pooled[i]!.seconds += r.seconds;
    }
  }
  report(title, pooled.map((p, i) => summarize(`${name} ${paths[i]!.name}`, p.latencies, p.errors, p.seconds)));
}

const load = { concurrency: CONCURRENCY, count: COUNT, maxMs: MAX_MS };
/**
 * L1 hits resolve without I/O, so a service-layer loop would never give the event loop back
 * (gRPC long-polls and timers would starve for the whole run): every 64th call yields once.
 */
const yieldSometimes = (i: number) => (i % 64 === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined);
const table: { section: string; results: RunResult[] }[] = [];
async function section(title: string, run: (path: (typeof paths)[number]) => Promise<RunResult>): Promise<void> {
  const results: RunResult[] = [];
  for (const path of paths) {
    service.useReadPath(path.reader, { cacheListPages: path.cacheListPages });
    results.push(await run(path));
  }
  report(title, results);
}
function report(title: string, results: RunResult[]): void {
  console.log(`\n${title}`);
  for (const r of results) console.log(formatResult(r));
  const [m, , f] = results;
  console.log(`  ratios: full/MySQL ${(f!.throughput / m!.throughput).toFixed(1)}x, Redis-only/MySQL ${(results[1]!.throughput / m!.throughput).toFixed(1)}x, full/Redis-only ${(f!.throughput / results[1]!.throughput).toFixed(1)}x`);
  table.push({ section: title, results });
}

/** Sections 1 and 2: the three read paths, then propagation to instance B. */
async function readPathsAndPropagation(b: App): Promise<void> {
  const serviceB = b.services.stores as StoreService;

  await section('store(id), service layer (StoreService.getStore)', (path) =>
    runLoad(`store(id) svc ${path.name}`, load, async (i) => {
      await yieldSometimes(i);
      const s = await service.getStore(ctx(a), idOf(i));
      if (!s) throw new Error('missing store');
    }),
  );
  await section('stores(first: 20), service layer (StoreService.listStores; all / one city, rotating)', (path) =>
    runLoad(`stores(20) svc ${path.name}`, load, async (i) => {
      await yieldSometimes(i);
      const city = cityOf(i);
      const page = await service.listStores(ctx(a), { first: 20, filter: city ? { city } : undefined });
      if (page.edges.length === 0) throw new Error('empty page');
    }),
  );
  await httpSection(`store(id), HTTP GraphQL (POST /graphql, test/operations/store.graphql; client in a worker thread; ${HTTP_ROUNDS} interleaved rounds)`, 'store', 'store(id) http');
  await httpSection(`stores(first: 20), HTTP GraphQL (test/operations/stores.graphql; ${HTTP_ROUNDS} interleaved rounds)`, 'stores', 'stores(20) http');
  service.useReadPath(fullChain, { cacheListPages: true });

  // Propagation: update on A → B applies the broadcast and serves the new version.
  console.log(`\ninvalidation propagation: ${UPDATES} updates on A, B awaited (two instances, one broker)`);
  const write: number[] = [];
  const propagation: number[] = [];
  const endToEnd: number[] = [];
  for (let i = 0; i < UPDATES; i++) {
    const id = idOf(i);
    await serviceB.getStore(ctx(b), id); // B's L1 holds the old version
    const t0 = performance.now();
    const updated = await service.updateStore(ctx(a, true), id, { phone: `021-${String(1_000_000 + i)}` });
    const t1 = performance.now();
    await serviceB.waitForChange(id, updated.version, 5_000);
    const served = await serviceB.getStore(ctx(b), id);
    const t2 = performance.now();
    if (served?.version !== updated.version || served.phone !== updated.phone) throw new Error(`B served v${served?.version}, expected v${updated.version}`);
    write.push(t1 - t0);
    propagation.push(t2 - t1);
    endToEnd.push(t2 - t0);
  }
  const line = (label: string, xs: number[]) => `${label.padEnd(58)} p50 ${percentile(xs, 50).toFixed(1).padStart(6)} ms  p99 ${percentile(xs, 99).toFixed(1).padStart(6)} ms  max ${Math.max(...xs).toFixed(1).padStart(6)} ms`;
  console.log(line('A: updateStore (MySQL commit + outbox row + Redis set)', write));
  console.log(line('propagation: A returned → B applied and served new value', propagation));
  console.log(line('end to end: A called → B serves new value', endToEnd));

  console.log('\nsummary');
  const [svcGet, , httpGet] = table;
  const ratio = (t: { results: RunResult[] }) => t.results[2]!.throughput / t.results[0]!.throughput;
  console.log(`  store(id) full chain vs MySQL only: service layer ${ratio(svcGet!).toFixed(1)}x, HTTP ${ratio(httpGet!).toFixed(1)}x (aim ≥ 5x)`);
  console.log(`  propagation p99 ${percentile(propagation, 99).toFixed(1)} ms (aim < 100 ms)`);
  console.log(`  A metrics: l1 hits ${await a.metrics.value('cache_hits_total', { cache: 'store', level: 'l1' })}, l2 hits ${await a.metrics.value('cache_hits_total', { cache: 'store', level: 'l2' })}, loads ${await a.metrics.value('cache_loads_total', { cache: 'store' })}; B invalidations ${await b.metrics.value('cache_invalidations_total', { cache: 'store' })}`);
}

/**
 * Section 3: the project's edge against the bare baseline, same queries, same load worker. The
 * two servers alternate round by round (project, bare, project, ...) so outside load on the shared
 * machine falls on both; the ratio is what this section is for, not the absolute numbers.
 */
const SIDES = ['project', 'bare'] as const;
async function edgeVsBare(): Promise<void> {
  service.useReadPath(fullChain, { cacheListPages: true });
  const bareToken = 'bare-bench-token';
  const bare = await spawnChild('bare server', ['bench/stores/bare-server.ts'], { BARE_TOKEN: bareToken, BARE_CPU_PROFILE: process.env.BENCH_BARE_CPU_PROFILE }, 'bare ready');
  const bareUrl = bare.readyLine.split(' ').pop()!;
  const { token } = await login({ url: a.http!.url }, 'bench-stores-me');
  const queries = (
    [
      { kind: 'stores', name: 'stores(first: 20)', project: { url: a.http!.url }, bare: { url: bareUrl } },
      { kind: 'store', name: 'store(id)', project: { url: a.http!.url }, bare: { url: bareUrl } },
      { kind: 'me', name: 'me', project: { url: a.http!.url, token }, bare: { url: bareUrl, token: bareToken } },
    ] as const
  ).filter((q) => !process.env.BENCH_EDGE_QUERIES || process.env.BENCH_EDGE_QUERIES.split(',').includes(q.kind));
  console.log(`\nedge vs bare Apollo 5 + type-graphql 2 (from memory, own process): HTTP, ${HTTP_ROUNDS} alternating rounds of ${(MAX_MS / HTTP_ROUNDS / 1000).toFixed(1)} s each`);
  // CPU of each server's main thread (its event loop: where a request's JavaScript runs), from
  // /proc: the load worker is another thread of this process, and both processes' GC helper
  // threads do work for whichever thread allocates, so whole-process CPU would not compare.
  const mainThreadCpuMs = (pid: number) => statCpuMs(`/proc/${pid}/task/${pid}/stat`, MS_PER_TICK) ?? 0;
  const idle0 = mainThreadCpuMs(process.pid);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleMsPerSecond = (mainThreadCpuMs(process.pid) - idle0) / 2;
  console.log(`  the project's event loop without load: ${idleMsPerSecond.toFixed(0)} ms CPU/s (embedded broker, consumers, sweeps)`);
  const profile = await startCpuProfile(process.env.BENCH_CPU_PROFILE);
  const ratios: string[] = [];
  for (const q of queries) {
    // One untimed short run each: JIT and connection warm-up are not part of the comparison.
    await httpLoad(`${q.name} warm-up project`, q.kind, 500, q.project);
    await httpLoad(`${q.name} warm-up bare`, q.kind, 500, q.bare);
    const pooled = { project: { latencies: [] as number[], errors: 0, seconds: 0, cpuMs: 0 }, bare: { latencies: [] as number[], errors: 0, seconds: 0, cpuMs: 0 } };
    for (let round = 0; round < HTTP_ROUNDS; round++) {
      for (const side of SIDES) {
        const pid = side === 'project' ? process.pid : bare.process.pid!;
        const cpu0 = mainThreadCpuMs(pid);
        const r = await httpLoad(`${q.name} ${side}`, q.kind, MAX_MS / HTTP_ROUNDS, q[side]);
        const cpu = mainThreadCpuMs(pid) - cpu0;
        pooled[side].latencies.push(...r.latencies);
        pooled[side].errors += r.errors;
        pooled[side].seconds += r.seconds;
        pooled[side].cpuMs += cpu;
      }
    }
    const project = summarize(`${q.name} project (full chain)`, pooled.project.latencies, pooled.project.errors, pooled.project.seconds);
    const baseline = summarize(`${q.name} bare baseline`, pooled.bare.latencies, pooled.bare.errors, pooled.bare.seconds);
    const cpuPer = (side: 'project' | 'bare') => pooled[side].cpuMs / Math.max(1, pooled[side].latencies.length);
    const net = (pooled.project.cpuMs - idleMsPerSecond * pooled.project.seconds) / Math.max(1, pooled.project.latencies.length);
    console.log(`${formatResult(project)}  event-loop CPU ${cpuPer('project').toFixed(3)} ms/req (${net.toFixed(3)} without the idle background)`);
    console.log(`${formatResult(baseline)}  event-loop CPU ${cpuPer('bare').toFixed(3)} ms/req`);
    const ratio = `${q.name} project/bare ${(project.throughput / baseline.throughput).toFixed(2)}x (CPU/req ${(cpuPer('project') / cpuPer('bare')).toFixed(2)}x, ${(net / cpuPer('bare')).toFixed(2)}x without background)`;
    console.log(`  ${ratio} (aim: throughput ≥ 1.0x)`);
    ratios.push(ratio);
  }
  await profile.stop();
  await bare.stop();
  console.log(`  edge ratios: ${ratios.join(', ')}`);
}

console.log(`stores benchmark: ${STORE_COUNT} stores, concurrency ${CONCURRENCY}, at most ${COUNT} calls or ${MAX_MS / 1000} s per run`);
if (!EDGE_ONLY) await readPathsAndPropagation(b!);
await edgeVsBare();

redisOnly.close();
await b?.close();
await a.close();
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
