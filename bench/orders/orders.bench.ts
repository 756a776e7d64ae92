/**
 * bench/orders: placeOrder throughput/latency and auto-cancel lateness, each against a baseline
 * measured in the same run.
 *
 *   node --import @swc-node/register/esm-register bench/orders/orders.bench.ts
 *
 * Processes, as DESIGN.md deploys them: the broker (CLI), the outside parties' simulator (its CPU
 * is printed apart: it stands for WeChat), a worker (ROLE=worker: every consumer
 * group: notifications, analytics, order timeouts...) and the API (this process, ROLE=api), all
 * against the database wxshop_bench_orders (with WXSHOP_TEST_NS, that namespace's test database). The CREATED fan-out runs in the worker during the
 * load, on the same two cores.
 *
 * 1. Placement: BENCH_CONCURRENCY (200) clients, each with its own session, POST placeOrder
 *    (HTTP GraphQL, undici keep-alive, load generated in a worker thread). Three scenarios:
 *    spread over 200 SKUs, one hot SKU with enough stock, one hot SKU with stock < attempts. Each
 *    runs three ways on the same API:
 *      - project: conditional `update ... where stock >= ?` inside the order transaction;
 *      - naive read-check-write: `select stock`, check in Node, `update set stock = <value>`
 *        (what the conditional update replaces; it loses updates and oversells);
 *      - naive global lock: the project's code serialized behind one process-wide mutex
 *        (correct on one instance, and what "just lock it" costs).
 *    After each run the SKU rows are checked against the order items: oversold units (more
 *    ordered than there was stock) and lost stock updates are reported. The project's run also
 *    prints the CPU each process spent per placed order (from /proc; the load generator's thread is
 *    split out of the API's) and the throughput two cores allow at that cost. The spread run is
 *    repeated with the worker stopped: the placement path alone, its fan-out drained afterwards.
 *    Then the floor (issue #18; bench/orders/floor-server.ts, a process of its own): graphql-js
 *    over node:http, mysql2, the Redis session lookup and the project's statements and outbox rows
 *    per order, the same 200-SKU spread and clients; it prints project/floor ratios of orders/s
 *    and of the serving process's CPU per placed order against both spread runs.
 * 2. Auto-cancel lateness over BENCH_CANCEL_ORDERS (1000) orders with a 3 s payment timeout
 *    (actual cancelled_at minus expires_at), the orders placed open loop at each rate of
 *    BENCH_CANCEL_RATES (20,50 per second): the delay message + cg-order-timeout consumer in the
 *    worker (which also probes WeChat Pay, and fans CREATED and CANCELLED out to notifications and
 *    analytics), then the same number placed as fast as the 200 clients can (a burst: every
 *    deadline comes at once). Every BENCH_CANCEL_PREPAY_EVERY-th (4th) buyer calls payOrder and
 *    never pays: those closes ask WeChat Pay first, the others close without asking (no prepay,
 *    nothing to ask). WeChat and WeChat Pay are one simulator in a process of its own
 *    (bench/lib/wechat-simulator-process.ts) that the API and the worker share, so the worker's
 *    probe finds the API's prepay unpaid and closes it, as with a real trade. Before them, 300 orders at the first rate warm the cancel path up
 *    (not reported, as the placement warm-up). Each run also prints its p99 by tenth of the
 *    deadlines (a growing backlog vs. a local stall). Baseline, at the first rate: a table-scan
 *    poller every 5 s (what the design replaces: no worker runs, and a loop doing
 *    `select ... where status = 'PENDING_PAYMENT' and expires_at <= now` without the index).
 * MySQL is reached through its Unix socket when the host has one (DATABASE_SOCKET= forces TCP).
 * BENCH_ONLY=cancel skips the placement runs, BENCH_ONLY=place the lateness runs, BENCH_ONLY=spread
 * also the hot-SKU runs (the CPU-per-order measurement alone: spread, without consumers, floor). Diagnostics:
 * BENCH_API_CPU_PROFILE=<file> (the API process during the paced lateness runs),
 * BENCH_PLACE_CPU_PROFILE=<file> (the API during the run without consumers),
 * BENCH_WORKER_CPU_PROFILE=<file> (the worker), BENCH_FLOOR_CPU_PROFILE_DIR=<dir> (the floor
 * server, from its start to its exit: warm-up included; one file per thread).
 * Bounded: each placement run stops at BENCH_COUNT (4000) orders or BENCH_SECONDS (6) s.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { EntityManager } from '@mikro-orm/mysql';
import { operation } from '../../test/helpers/graphql-client.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { CatalogErrors } from '../../src/modules/catalog/catalog.errors.js';
import type { CatalogService, StockLine } from '../../src/modules/catalog/catalog.service.js';
import type { OrderService } from '../../src/modules/order/order.service.js';
import { startCpuProfile } from '../lib/cpu-profile.js';
import { meterCpu, MS_PER_TICK, pidOf, type CpuMeter } from '../lib/cpu-usage.js';
import { spawnChild, startBenchBackbone, spawnWorker, type BenchChild } from '../lib/processes.js';
import { formatResult, percentile, summarize, type RunResult } from '../lib/stats.js';
import { sleep } from '../../test/helpers/wait.js';
import { loginMany } from '../../test/helpers/actors.js';
import { benchDatabaseName, queryRows } from '../../test/helpers/test-db.js';
import { runWorkerThread } from '../lib/worker-thread.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const COUNT = Number(process.env.BENCH_COUNT ?? 4000);
const MAX_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;
const CANCEL_ORDERS = Number(process.env.BENCH_CANCEL_ORDERS ?? 1000);
const CANCEL_RATES = (process.env.BENCH_CANCEL_RATES ?? '20,50').split(',').map(Number);
const CANCEL_WARMUP_ORDERS = 300;
/** Every n-th order of the lateness runs asks for a prepay (payOrder) and is never paid: its close asks WeChat Pay. */
const CANCEL_PREPAY_EVERY = Number(process.env.BENCH_CANCEL_PREPAY_EVERY ?? 4);
const CORES = availableParallelism();
const CANCEL_TIMEOUT = '3s';
const POLLER_INTERVAL_MS = 5_000;
const DB_NAME = benchDatabaseName('orders');
const DB = `mysql://root@127.0.0.1:3306/${DB_NAME}`;
const STORE_ID = 1;
const PLACE_Q = operation('place-order');
const PAY_Q = operation('pay-order');
const benchStarted = performance.now();


const { broker, brokerDir, baseEnv } = await startBenchBackbone(DB_NAME, {
  // Bench buyers leave many orders unpaid and place as fast as they can.
  ORDER_MAX_PENDING_PER_STORE: '100000',
  ORDER_MAX_RESERVED_UNITS_PER_STORE: '10000000',
  MUTATION_RATE_LIMIT: '10000000',
});
console.log(`database: ${baseEnv.DATABASE_SOCKET ? `Unix socket ${baseEnv.DATABASE_SOCKET}` : 'TCP'} (DATABASE_SOCKET= for TCP)`);
// The outside parties (WeChat, WeChat Pay) run in a process of their own, as in production: every
// API instance and the worker join it, and its CPU (a subscribe message per CREATED, the pay
// probes) is metered apart from the project's instead of inside the API's.
const simulator = await spawnChild('WeChat simulator', ['bench/lib/wechat-simulator-process.ts'], {}, 'simulator ready');
const simulatorUrl = simulator.readyLine.trim().split(' ').pop()!;
async function startInstance(id: string, env: Record<string, string> = {}): Promise<App> {
  const config = loadConfig({ ...baseEnv, PORT: '0', ROLE: 'api', INSTANCE_ID: `bench-orders-${id}`, WECHAT_SIMULATOR_URL: simulatorUrl, ...env });
  return createApp(config, { logger: createLogger({ level: 'error' }) });
}
const startWorker = () => spawnWorker({ ...baseEnv, PORT: '0', INSTANCE_ID: 'bench-orders-worker', WECHAT_SIMULATOR_URL: simulatorUrl });

const sql = <T = any>(query: string, params: unknown[] = []) => queryRows<T>(DB, query, params);


interface LoadResult {
  result: RunResult;
  prepayFailed: number;
  /** CPU ms of the load generator's thread (it shares the API's process). */
  loadCpuMs: number;
  ok: number;
  outOfStock: number;
  other: number;
}

let runSeq = 0;
/** `target`: the API (or the floor server) to POST to; `query`: the placeOrder document it gets. */
function load(target: { url: string }, label: string, tokens: string[], skuIds: number[], count: number, maxMs = MAX_MS, rate = 0, prepayEvery = 0, query = PLACE_Q): Promise<LoadResult> {
  return runWorkerThread<{ latencies: number[]; outcomes: { ok: number; outOfStock: number; other: number; prepayFailed: number }; seconds: number; firstError?: string; cpuMs: number }>(
    new URL('./http-load.worker.mjs', import.meta.url),
    { url: target.url, query, payQuery: PAY_Q, prepayEvery, tokens, storeId: STORE_ID, skuIds, runId: `${Date.now()}-${runSeq++}`, concurrency: CONCURRENCY, count, maxMs, rate, msPerTick: MS_PER_TICK },
  ).then((m) => {
    if (m.firstError) console.error(`  ${label}: first error: ${m.firstError}`);
    const result = summarize(label, m.latencies, m.outcomes.other, m.seconds);
    // Throughput counts placed orders only (refusals are fast and would flatter it).
    result.throughput = m.outcomes.ok / m.seconds;
    return { result, loadCpuMs: m.cpuMs, ...m.outcomes };
  });
}

async function freshSkus(app: App, n: number, stock: number): Promise<number[]> {
  const catalog = app.services.catalog as CatalogService;
  const ids: number[] = [];
  for (let i = 0; i < n; i += 50) {
    const view = await catalog.createProduct(app.orm.em.fork(), {
      storeId: STORE_ID,
      name: `bench-${Date.now()}-${runSeq}-${i}`,
      skus: Array.from({ length: Math.min(50, n - i) }, (_, j) => ({ name: `sku-${i + j}`, priceFen: 100 + ((i + j) % 50), stock })),
    });
    ids.push(...view.skus.map((s) => s.id));
  }
  return ids;
}

/** Units ordered beyond the stock there was, and SKUs whose counters disagree with the orders. */
async function audit(skuIds: number[], initialStock: number): Promise<{ ordered: number; oversold: number; lostUpdates: number }> {
  const rows = await sql<{ id: number; stock: number; reserved: number; ordered: number | null }>(
    `select s.id, s.stock, s.reserved, (select sum(quantity) from order_item i where i.sku_id = s.id) as ordered from sku s where s.id in (${skuIds.map(() => '?').join(',')})`,
    skuIds,
  );
  let ordered = 0;
  let oversold = 0;
  let lostUpdates = 0;
  for (const r of rows) {
    const n = Number(r.ordered ?? 0);
    ordered += n;
    oversold += Math.max(0, n - initialStock);
    lostUpdates += Math.abs(initialStock - Number(r.stock) - n);
  }
  return { ordered, oversold, lostUpdates };
}

type Variant = 'project' | 'naive read-check-write' | 'naive global lock';

/** Swaps the stock step / the whole placement for the baseline variants (same app, same HTTP path). */
function installVariant(app: App, variant: Variant): () => void {
  const catalog = app.services.catalog as CatalogService;
  const orders = app.services.orders as OrderService;
  const originalReserve = catalog.reserve;
  const originalPlace = orders.placeOrder;
  if (variant === 'naive read-check-write') {
    catalog.reserve = async (em: EntityManager, lines: readonly StockLine[]) => {
      for (const line of [...lines].sort((a, b) => a.skuId - b.skuId)) {
        const [row] = await em.execute<{ stock: number }[]>('select `stock` from `sku` where `id` = ?', [line.skuId]);
        if (!row || Number(row.stock) < line.quantity) throw CatalogErrors.outOfStock(line.skuId);
        await em.execute('update `sku` set `stock` = ?, `reserved` = `reserved` + ? where `id` = ?', [Number(row.stock) - line.quantity, line.quantity, line.skuId], 'run');
      }
    };
  } else if (variant === 'naive global lock') {
    let tail: Promise<unknown> = Promise.resolve();
    orders.placeOrder = function (this: OrderService, ...args: Parameters<OrderService['placeOrder']>) {
      const run = tail.then(() => originalPlace.apply(this, args));
      tail = run.catch(() => undefined);
      return run;
    };
  }
  return () => {
    catalog.reserve = originalReserve;
    orders.placeOrder = originalPlace;
  };
}

const VARIANTS: Variant[] = ['project', 'naive read-check-write', 'naive global lock'];
/** The processes whose CPU each placement run reports (the load generator's thread is split out of the API's). */
let meteredProcesses: Record<string, number | undefined> = {};

/**
 * The CPU each process spent per order a placement run placed, and the rate the cores allow at
 * that cost, as lines to print. Read it right after the run, before anything else uses the CPU.
 */
function placementCpuLines(meter: CpuMeter, run: LoadResult, note = '', server = 'api'): string[] & { perProcess?: Record<string, number> } {
  const used = meter.report(run.ok, 'order placed', [{ of: server, name: 'load generator', ms: run.loadCpuMs }]);
  if (!used.line) return [];
  // What the aim of issue #18 counts: the project's processes, without the outside parties'
  // simulator and the load generator.
  const outside = (used.perProcess['wechat simulator'] ?? 0) + (used.perProcess['load generator'] ?? 0);
  return Object.assign([`  ${used.line}; project's processes ${(used.totalMs - outside).toFixed(2)}${note}`, `  → ${CORES} cores at this cost: at most ${((CORES * 1000) / used.totalMs).toFixed(0)} orders/s`], { perProcess: used.perProcess });
}

/** What a placement run of the project gives the floor comparison: its throughput and the API's CPU ms per order. */
interface PlacementCost {
  label: string;
  throughput: number;
  apiCpuMs?: number;
}

const FLOOR_Q = 'mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { orderNo } }';

/**
 * The floor (bench/orders/floor-server.ts, a process of its own): the same SKU spread, clients and
 * sessions as the project's run, the same statements per order; then project/floor ratios of
 * orders/s and of the serving process's CPU per placed order (the API's, the floor server's).
 */
async function floorScenario(app: App, tokens: string[], skuCount: number, stock: number, attempts: number, projectRuns: PlacementCost[]): Promise<void> {
  console.log(`\n## placement — spread, floor: graphql-js over node:http, mysql2, the same statements and outbox rows (${skuCount} SKUs, ${CONCURRENCY} clients)`);
  const config = loadConfig({ ...baseEnv, ROLE: 'api' });
  // A directory: the TypeScript loader's hooks thread writes a profile of its own there too.
  const profileDir = process.env.BENCH_FLOOR_CPU_PROFILE_DIR;
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];
  const floor = await spawnChild('floor', [...profileArgs, 'bench/orders/floor-server.ts'], {
    DATABASE_URL: baseEnv.DATABASE_URL,
    DATABASE_SOCKET: baseEnv.DATABASE_SOCKET ?? '',
    DB_POOL_MAX: baseEnv.DB_POOL_MAX,
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
  }, 'floor ready');
  try {
    const target = JSON.parse(floor.readyLine.slice(floor.readyLine.indexOf('{'))) as { url: string };
    // Its own warm-up (JIT, pool), as the API had.
    await load(target, 'floor warm-up', tokens, await freshSkus(app, 20, 1_000_000), 1000, 3000, 0, 0, FLOOR_Q);
    const skus = await freshSkus(app, skuCount, stock);
    const cpu = meterCpu({ ...meteredProcesses, floor: floor.process.pid });
    const run = await load(target, 'floor', tokens, skus, attempts, MAX_MS, 0, 0, FLOOR_Q);
    const cpuLines = placementCpuLines(cpu, run, ' (api, worker: the API instance sweeping floor rows past the outbox grace period; the ratios use the floor process)', 'floor');
    const a = await audit(skus, stock);
    console.log(`${formatResult(run.result)}  placed ${run.ok}  out-of-stock ${run.outOfStock}  oversold ${a.oversold}  lost-updates ${a.lostUpdates}`);
    cpuLines.forEach((line) => console.log(line));
    const floorCpu = cpuLines.perProcess?.floor;
    for (const p of projectRuns) {
      const cpuRatio = p.apiCpuMs !== undefined && floorCpu ? `, API CPU per order ×${(p.apiCpuMs / floorCpu).toFixed(2)} (${p.apiCpuMs.toFixed(2)} / ${floorCpu.toFixed(2)} ms)` : '';
      console.log(`  ratio ${p.label} / floor: orders/s ×${(p.throughput / run.result.throughput).toFixed(2)}${cpuRatio}`);
    }
  } finally {
    await floor.stop();
  }
}

async function placementScenario(app: App, tokens: string[], name: string, skuCount: number, stock: number, attempts: number): Promise<PlacementCost> {
  console.log(`\n## placement — ${name} (${skuCount} SKU${skuCount > 1 ? 's' : ''}, stock ${stock} each, ${attempts} attempts, ${CONCURRENCY} clients)`);
  const results: { variant: Variant; load: LoadResult; audit: Awaited<ReturnType<typeof audit>> }[] = [];
  let projectApiCpuMs: number | undefined;
  for (const variant of VARIANTS) {
    const skus = await freshSkus(app, skuCount, stock);
    const restore = installVariant(app, variant);
    const cpu = meterCpu(meteredProcesses);
    let run: LoadResult;
    try {
      run = await load(app.http!, `${variant}`, tokens, skus, attempts);
    } finally {
      restore();
    }
    const cpuLines = placementCpuLines(cpu, run, " (the worker's share: the CREATED fan-out it kept up with during the run)");
    const a = await audit(skus, stock);
    results.push({ variant, load: run, audit: a });
    console.log(`${formatResult(run.result)}  placed ${run.ok}  out-of-stock ${run.outOfStock}  oversold ${a.oversold}  lost-updates ${a.lostUpdates}`);
    if (variant === 'project') {
      cpuLines.forEach((line) => console.log(line));
      projectApiCpuMs = cpuLines.perProcess?.api;
    }
  }
  const project = results[0].load.result.throughput;
  for (const r of results.slice(1)) {
    console.log(`  ratio project / ${r.variant}: throughput ×${(project / r.load.result.throughput).toFixed(2)}, p99 ×${(results[0].load.result.p99 / r.load.result.p99).toFixed(2)}`);
  }
  return { label: `project (${name}, fan-out running)`, throughput: project, apiCpuMs: projectApiCpuMs };
}

async function lateness(label: string, orderNos: string[], deadlineMs: number): Promise<{ p50: number; p99: number; max: number; cancelled: number }> {
  const rows = await (async () => {
    for (;;) {
      const got = await sql<{ late: number }>(
        `select timestampdiff(microsecond, expires_at, cancelled_at) / 1000 as late from orders where status = 'CANCELLED' and order_no in (${orderNos.map(() => '?').join(',')}) order by expires_at`,
        orderNos,
      );
      if (got.length >= orderNos.length || Date.now() > deadlineMs) return got;
      await sleep(200);
    }
  })();
  const late = rows.map((r) => Number(r.late));
  const out = { p50: percentile(late, 50), p99: percentile(late, 99), max: Math.max(...late), cancelled: late.length };
  console.log(`${label.padEnd(44)} ${String(out.cancelled).padStart(5)}/${orderNos.length} cancelled  lateness p50 ${out.p50.toFixed(0).padStart(5)} ms  p99 ${out.p99.toFixed(0).padStart(5)} ms  max ${out.max.toFixed(0).padStart(5)} ms`);
  // Where in the run the lateness was (by deadline, in tenths): a backlog grows, a stall is local.
  const tenths = Array.from({ length: 10 }, (_, k) => percentile(late.slice(Math.floor((k * late.length) / 10), Math.floor(((k + 1) * late.length) / 10)), 99).toFixed(0));
  console.log(`${''.padEnd(44)} p99 by tenth of the deadlines: ${tenths.join(' ')} ms`);
  return out;
}

/** Waits until the worker has consumed every order's CREATED event (notification and fact written). */
async function drained(): Promise<void> {
  const started = performance.now();
  for (;;) {
    // The floor's orders (remark 'bench-floor') publish no CREATED event: left out.
    const [row] = await sql<{ orders: number; facts: number }>(
      "select (select count(*) from orders where remark is null or remark <> 'bench-floor') as orders, (select count(*) from analytics_order_fact f join orders o on o.order_no = f.order_no where f.event = 'CREATED' and (o.remark is null or o.remark <> 'bench-floor')) as facts",
    );
    if (Number(row!.facts) >= Number(row!.orders)) break;
    await sleep(250);
  }
  console.log(`  (worker caught up with the CREATED fan-out ${((performance.now() - started) / 1000).toFixed(1)} s after the placement runs)`);
}

async function placeForCancel(app: App, tokens: string[], rate: number, count = CANCEL_ORDERS): Promise<string[]> {
  const skus = await freshSkus(app, 50, 1_000_000);
  const before = await sql<{ m: number | null }>('select max(id) as m from orders');
  const run = await load(app.http!, 'place for cancel', tokens, skus, count, 60_000, rate, CANCEL_PREPAY_EVERY);
  if (run.ok !== count) console.error(`  only ${run.ok} of ${count} orders placed`);
  if (run.prepayFailed > 0) console.error(`  ${run.prepayFailed} payOrder calls failed`);
  const placed = await sql<{ order_no: string }>(`select o.order_no from orders o where o.id > ? and exists (select 1 from order_item i where i.order_id = o.id and i.sku_id in (${skus.map(() => '?').join(',')}))`, [Number(before[0].m ?? 0), ...skus]);
  return placed.map((r) => r.order_no);
}

try {
  // ---- 1. placement
  const app = await startInstance('place', { ORDER_PAYMENT_TIMEOUT: '30m' });
  let worker: BenchChild = await startWorker();
  meteredProcesses = { api: process.pid, worker: worker.process.pid, broker: broker.process.pid, mysql: pidOf('mariadbd') ?? pidOf('mysqld'), redis: pidOf('redis-server'), 'wechat simulator': simulator.process.pid };
  const tokens = await loginMany({ url: app.http!.url }, CONCURRENCY, 'bench-orders-user');
  // Warm-up: JIT, pools, prepared paths.
  await load(app.http!, 'warm-up', tokens, await freshSkus(app, 20, 1_000_000), 1000, 3000);
  if (process.env.BENCH_ONLY !== 'cancel') {
    const spread = await placementScenario(app, tokens, 'spread', 200, 1_000_000, COUNT);
    // The same run with no consumer running: what the placement path alone costs, its fan-out
    // left for later (as when workers run on machines of their own).
    await worker.stop();
    console.log(`\n## placement — spread, fan-out consumers stopped (the worker drains the backlog afterwards)`);
    const aloneSkus = await freshSkus(app, 200, 1_000_000);
    const aloneCpu = meterCpu({ ...meteredProcesses, worker: undefined });
    const profile = await startCpuProfile(process.env.BENCH_PLACE_CPU_PROFILE);
    const alone = await load(app.http!, 'project, no consumers running', tokens, aloneSkus, COUNT);
    await profile.stop();
    const aloneCpuLines = placementCpuLines(aloneCpu, alone);
    console.log(`${formatResult(alone.result)}  placed ${alone.ok}`);
    aloneCpuLines.forEach((line) => console.log(line));
    worker = await startWorker();
    meteredProcesses.worker = worker.process.pid;
    await drained();
    await floorScenario(app, tokens, 200, 1_000_000, COUNT, [spread, { label: 'project (spread, no consumers running)', throughput: alone.result.throughput, apiCpuMs: aloneCpuLines.perProcess?.api }]);
    if (process.env.BENCH_ONLY !== 'spread') {
      await placementScenario(app, tokens, 'one hot SKU, enough stock', 1, 1_000_000, COUNT);
      await placementScenario(app, tokens, 'one hot SKU, stock < attempts', 1, 500, 2000);
    }
  }
  await app.close();
  if (process.env.BENCH_ONLY === 'place' || process.env.BENCH_ONLY === 'spread') await worker.stop();
  else {
    // The worker drains the CREATED fan-out of the placement runs before the lateness runs start.
    await drained();

    // ---- 2. auto-cancel lateness
    console.log(`\n## auto-cancel lateness (${CANCEL_ORDERS} orders, ORDER_PAYMENT_TIMEOUT=${CANCEL_TIMEOUT})`);
    await worker.stop();
    const delayApp = await startInstance('cancel', { ORDER_PAYMENT_TIMEOUT: CANCEL_TIMEOUT });
    worker = await startWorker();
    meteredProcesses.worker = worker.process.pid;
    const projectAt: { rate: number; result: Awaited<ReturnType<typeof lateness>> }[] = [];
    // Warm-up, not reported: the cancel path (timeout consumer, WeChat Pay query, CANCELLED fan-out)
    // runs for the first time here; the placement runs warmed up only placement and CREATED.
    await lateness('warm-up (not part of the results)', await placeForCancel(delayApp, tokens, CANCEL_RATES[0]!, CANCEL_WARMUP_ORDERS), Date.now() + 60_000);
    await drained();
    const profiler = await startCpuProfile(process.env.BENCH_API_CPU_PROFILE);
    for (const rate of CANCEL_RATES) {
      const paced = await placeForCancel(delayApp, tokens, rate);
      projectAt.push({ rate, result: await lateness(`project: delay message + cg-order-timeout, placed at ${rate}/s`, paced, Date.now() + 60_000) });
      await drained();
    }
    await profiler.stop();
    const burst = await placeForCancel(delayApp, tokens, 0);
    await lateness(`project, the ${CANCEL_ORDERS} placed in one burst`, burst, Date.now() + 60_000);
    await delayApp.close();
    await worker.stop();

    // The old way runs no timeout consumer at all: no worker.
    const pollApp = await startInstance('poll', { ORDER_PAYMENT_TIMEOUT: CANCEL_TIMEOUT });
    const orders = pollApp.services.orders as OrderService;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = Date.now();
        // The old way: scan the order table for unpaid orders past their deadline.
        const due = await sql<{ order_no: string }>("select order_no from orders ignore index (orders_status_expires_at_index) where status = 'PENDING_PAYMENT' and expires_at <= ?", [new Date()]);
        for (let i = 0; i < due.length; i += 20) {
          await Promise.all(
            due.slice(i, i + 20).map((r) => pollApp.outbox.transactional(pollApp.orm.em.fork(), (tx, emit) => orders.cancelInTransaction(tx, emit, r.order_no, 'PAYMENT_TIMEOUT', { expiredAtOrBefore: new Date() }))),
          );
        }
        await new Promise((r) => setTimeout(r, Math.max(0, POLLER_INTERVAL_MS - (Date.now() - started))));
      }
    })();
    // The poller runs from the start, as it would in production: placement overlaps the deadlines.
    const baselineRate = CANCEL_RATES[0]!;
    const pollOrders = await placeForCancel(pollApp, tokens, baselineRate);
    const baseline = await lateness(`baseline: table-scan poller every 5 s, placed at ${baselineRate}/s`, pollOrders, Date.now() + 60_000);
    polling = false;
    await poller;
    await pollApp.close();
    const project = projectAt[0]!.result;
    console.log(`  ratio baseline / project lateness (both placed at ${baselineRate}/s): p50 ×${(baseline.p50 / project.p50).toFixed(1)}, p99 ×${(baseline.p99 / project.p99).toFixed(1)}`);
  }
  console.log(`\nbench finished in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
} finally {
  await simulator.stop();
  await broker.stop();
  rmSync(brokerDir, { recursive: true, force: true });
}
