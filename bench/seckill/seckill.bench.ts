/**
 * bench/seckill: a flash sale on one hot SKU, side by side with placeOrder on the same SKU.
 *
 *   npm run bench:seckill
 *
 * Processes, as DESIGN.md deploys them: the broker (CLI), a worker (ROLE=worker: the relay that
 * publishes admitted attempts, cg-seckill-order at SECKILL_ORDER_CONCURRENCY, the other groups)
 * and the API (this process, ROLE=api), against the database wxshop_bench_seckill (with WXSHOP_TEST_NS, that namespace's test database).
 *
 * 1. placeOrder on the hot SKU over HTTP (BENCH_CONCURRENCY clients, closed loop, bench/orders'
 *    load worker): the baseline, every attempt a MySQL transaction on the SKU's row.
 * 2. `seckill` on an activity of the same SKU over HTTP, same clients and duration: admission
 *    throughput and p99 (every answer counts: QUEUED, SOLD_OUT, REJECTED are all decisions).
 *    Meanwhile the rate at which MySQL receives seckill orders is sampled every 250 ms: it must stay
 *    at the consumer's pace, not the sale's.
 * 3. The admission script alone (no HTTP, no GraphQL, no auth): SeckillService.admit from this
 *    process, BENCH_SCRIPT_CONCURRENCY (256) in flight, on an activity loaded into Redis only.
 * 4. Audit after the orders drained: orders = admitted <= stock, Redis = MySQL, SKU counters.
 *
 * Bounded: each HTTP run stops at BENCH_COUNT (20000) requests or BENCH_SECONDS (6) s; the script
 * run at BENCH_SCRIPT_SECONDS (5) s.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { gql, operation } from '../../test/helpers/graphql-client.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import type { CatalogService } from '../../src/modules/catalog/catalog.service.js';
import { SeckillActivity, type SeckillActivityRow } from '../../src/modules/seckill/seckill.entity.js';
import type { SeckillService } from '../../src/modules/seckill/seckill.service.js';
import { MS_PER_TICK } from '../lib/cpu-usage.js';
import { runLoad } from '../lib/load-loop.mjs';
import { startBenchBackbone, spawnWorker } from '../lib/processes.js';
import { formatResult, percentile, summarize, type RunResult } from '../lib/stats.js';
import { sleep } from '../../test/helpers/wait.js';
import { adminToken, loginMany } from '../../test/helpers/actors.js';
import { runWorkerThread } from '../lib/worker-thread.js';
import { benchDatabaseName } from '../../test/helpers/test-db.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const COUNT = Number(process.env.BENCH_COUNT ?? 20_000);
const MAX_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;
const SCRIPT_CONCURRENCY = Number(process.env.BENCH_SCRIPT_CONCURRENCY ?? 256);
const SCRIPT_MS = Number(process.env.BENCH_SCRIPT_SECONDS ?? 5) * 1000;
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const SECKILL_STOCK = Number(process.env.BENCH_SECKILL_STOCK ?? 2000);
const LIMIT_PER_USER = 5;
const ORDER_CONCURRENCY = process.env.SECKILL_ORDER_CONCURRENCY ?? '4';
const DB_NAME = benchDatabaseName('seckill');
const DB = `mysql://root@127.0.0.1:3306/${DB_NAME}`;
const REDIS_PREFIX = `${DB_NAME}:`;
const STORE_ID = 1;
const HOT_STOCK = 1_000_000;
/** An activity id no MySQL row has: the script-alone run's keys (the relay never reads its stream). */
const SCRIPT_ACTIVITY_ID = 2_000_000_000;

const rawRedis = new Redis('redis://127.0.0.1:6379');
async function clearPrefix(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await rawRedis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await rawRedis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
await clearPrefix();

const { broker, brokerDir, baseEnv } = await startBenchBackbone(DB_NAME, {
  // The limits run (they are part of the script) without biting: one IP, a closed loop.
  SECKILL_USER_RATE_LIMIT: '100000',
  SECKILL_IP_RATE_LIMIT: '100000000',
  SECKILL_ORDER_CONCURRENCY: ORDER_CONCURRENCY,
});
console.log(`database: ${baseEnv.DATABASE_SOCKET ? `Unix socket ${baseEnv.DATABASE_SOCKET}` : 'TCP'}; seckill order consumer concurrency ${ORDER_CONCURRENCY}; ${CONCURRENCY} HTTP clients`);
const app = await createApp(loadConfig({ ...baseEnv, PORT: '0', ROLE: 'api', INSTANCE_ID: 'bench-seckill-api' }), { logger: createLogger({ level: 'error' }) });
// Split roles in local mode: the worker joins the API's WeChat simulator.
const worker = await spawnWorker({ ...baseEnv, PORT: '0', INSTANCE_ID: 'bench-seckill-worker', WECHAT_SIMULATOR_URL: app.externals.simulator!.baseUrl });
const url = app.http!.url;
const seckill = app.services.seckill as SeckillService;
const db = await createConnection({ uri: DB });
const sql = async <T = any>(q: string, params: unknown[] = []): Promise<T[]> => (await db.query(q, params))[0] as T[];



const runWorker = <T>(file: string, workerData: Record<string, unknown>) => runWorkerThread<T>(new URL(file, import.meta.url), workerData);

// ------------------------------------------------------------------ setup
const t0 = performance.now();
// Batches of 25: the shared machine's Redis answers a burst of sessions slowly.
const tokens = await loginMany({ url }, USERS, 'bench-seckill', { batch: 25 });
console.log(`${USERS} users logged in (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const catalog = app.services.catalog as CatalogService;
const hot = (await catalog.createProduct(app.orm.em.fork(), { storeId: STORE_ID, name: `bench-hot-${Date.now()}`, skus: [{ name: 'hot', priceFen: 9900, stock: HOT_STOCK }] })).skus[0]!.id;
const admin = await adminToken({ url });
const created = await gql(
  url,
  operation('create-seckill-activity'),
  { input: { skuId: String(hot), stock: SECKILL_STOCK, priceFen: 990, startsAt: new Date(Date.now() - 1000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), limitPerUser: LIMIT_PER_USER } },
  admin,
);
if (!created.data) throw new Error(`createSeckillActivity failed: ${JSON.stringify(created.errors)}`);
const activityId = Number(created.data.createSeckillActivity.id);

// ------------------------------------------------------------------ 1. placeOrder on the hot SKU
interface PlaceMessage { latencies: number[]; outcomes: { ok: number; outOfStock: number; other: number }; seconds: number; firstError?: string }
const place = await runWorker<PlaceMessage>('../orders/http-load.worker.mjs', {
  url, query: operation('place-order'), payQuery: operation('pay-order'), prepayEvery: 0, tokens, storeId: STORE_ID, skuIds: [hot], runId: `place-${Date.now()}`, concurrency: CONCURRENCY, count: COUNT, maxMs: MAX_MS, rate: 0, msPerTick: MS_PER_TICK,
});
if (place.firstError) console.error(`placeOrder: first error: ${place.firstError}`);
const placeResult = summarize('placeOrder, hot SKU (HTTP)', place.latencies, place.outcomes.other, place.seconds);

// ------------------------------------------------------------------ 2. seckill admission over HTTP, MySQL writes sampled
const countSeckillOrders = async () => Number((await sql<{ n: number }>('select count(*) as n from seckill_order where activity_id = ?', [activityId]))[0]!.n);
const samples: { t: number; n: number }[] = [];
let sampling = true;
const saleStart = performance.now();
const sampler = (async () => {
  while (sampling) {
    samples.push({ t: (performance.now() - saleStart) / 1000, n: await countSeckillOrders() });
    await sleep(250);
  }
})();
interface SeckillMessage { latencies: number[]; outcomes: Record<string, number>; seconds: number; firstError?: string }
const sk = await runWorker<SeckillMessage>('./http-load.worker.mjs', { url, query: operation('seckill'), tokens, activityId, runId: `sk-${Date.now()}`, concurrency: CONCURRENCY, count: COUNT, maxMs: MAX_MS });
if (sk.firstError) console.error(`seckill: first error: ${sk.firstError}`);
const skResult = summarize('seckill admission, same SKU (HTTP)', sk.latencies, sk.outcomes.other ?? 0, sk.seconds);
const saleSeconds = (performance.now() - saleStart) / 1000;
// Redis's count, not the QUEUED answers: an answer lost to a client-side timeout (HTTP 503,
// retryable) may still have been admitted by the script; the same clientRequestId would tell.
const admitted = (await seckill.stats(await app.orm.em.fork().findOneOrFail(SeckillActivity, { id: activityId }))).admitted ?? 0;
// Drain: every admitted attempt becomes an order at the consumer's pace.
const drainDeadline = performance.now() + 180_000;
while ((await countSeckillOrders()) < admitted && performance.now() < drainDeadline) await sleep(250);
sampling = false;
await sampler;
const drainedAt = (performance.now() - saleStart) / 1000;

// ------------------------------------------------------------------ 3. the admission script alone
const now = Date.now();
await seckill.load({ id: SCRIPT_ACTIVITY_ID, startsAt: new Date(now - 1000), endsAt: new Date(now + 3_600_000), limitPerUser: 1_000_000, stock: 10_000_000, available: 10_000_000 } as SeckillActivityRow);
const scriptLatencies: number[] = [];
let scriptErrors = 0;
const scriptOutcomes: Record<string, number> = {};
const scriptSeconds = await runLoad({
  count: 10_000_000,
  concurrency: SCRIPT_CONCURRENCY,
  maxMs: SCRIPT_MS,
  send: async (i) => {
    const started = performance.now();
    try {
      const r = await seckill.admit(SCRIPT_ACTIVITY_ID, 1 + (i % 100_000), `script-${i}`, '127.0.0.1');
      scriptLatencies.push(performance.now() - started);
      const key = r[0] === 'NEW' ? r[2]!.split('|')[1]! : r[0]!;
      scriptOutcomes[key] = (scriptOutcomes[key] ?? 0) + 1;
    } catch {
      scriptErrors++;
    }
  },
});
const scriptResult = summarize('admission script alone (no HTTP)', scriptLatencies, scriptErrors, scriptSeconds);
// Context for a shared machine: the cheapest Redis command from the same client, same concurrency.
const incrKey = `{sk:${SCRIPT_ACTIVITY_ID}}:bench-incr`;
const incrLatencies: number[] = [];
const incrSeconds = await runLoad({
  count: 10_000_000,
  concurrency: SCRIPT_CONCURRENCY,
  maxMs: Math.min(SCRIPT_MS, 3_000),
  send: async () => {
    const started = performance.now();
    await app.redis.incr(incrKey).catch(() => undefined);
    incrLatencies.push(performance.now() - started);
  },
});
const incrResult = summarize('baseline: INCR alone (same client)', incrLatencies, 0, incrSeconds);

// ------------------------------------------------------------------ 4. audit
const [activity] = await sql<{ stock: number; available: number; ordered: number; failed: number }>('select stock, available, ordered, failed from seckill_activity where id = ?', [activityId]);
const orders = await sql<{ users: number; maxPerUser: number }>(
  "select count(*) as users, coalesce(max(c), 0) as maxPerUser from (select user_id, count(*) as c from seckill_order where activity_id = ? and status = 'ORDERED' group by user_id) t",
  [activityId],
);
const seckillOrderCount = await countSeckillOrders();
const [sku] = await sql<{ stock: number; reserved: number; sold: number }>('select stock, reserved, sold from sku where id = ?', [hot]);
const [placed] = await sql<{ n: number }>("select coalesce(sum(i.quantity), 0) as n from order_item i join orders o on o.id = i.order_id where i.sku_id = ? and o.client_request_id not like 'seckill-%'", [hot]);
const stats = await seckill.stats(await app.orm.em.fork().findOneOrFail(SeckillActivity, { id: activityId }));

// ------------------------------------------------------------------ report
const perSecond: number[] = [];
for (let s = 1; s <= Math.ceil(drainedAt); s++) {
  const at = (t: number) => samples.filter((x) => x.t <= t).at(-1)?.n ?? 0;
  perSecond.push(at(s) - at(s - 1));
}
const oversold = Math.max(0, seckillOrderCount - SECKILL_STOCK) + Math.max(0, Number(activity!.ordered) - Number(activity!.stock));
console.log('');
console.log('== flash sale on one hot SKU: admission vs placeOrder ==');
console.log(formatResult(placeResult) + `   (${place.outcomes.ok} placed, ${place.outcomes.outOfStock} out of stock)`);
console.log(formatResult(skResult) + `   (${JSON.stringify(sk.outcomes)})`);
console.log(formatResult(scriptResult) + `   (${JSON.stringify(scriptOutcomes)}, ${SCRIPT_CONCURRENCY} in flight)`);
console.log(formatResult(incrResult));
console.log(`admission over HTTP / placeOrder: ${(skResult.throughput / placeResult.throughput).toFixed(1)}x (aim >= 5x); p99 ${skResult.p99.toFixed(1)} vs ${placeResult.p99.toFixed(1)} ms`);
console.log(`admission script alone: ${scriptResult.throughput.toFixed(0)} attempts/s (aim > 20,000), ${(scriptResult.throughput / incrResult.throughput).toFixed(2)}x a bare INCR; p50 ${percentile(scriptLatencies, 50).toFixed(2)} ms, p99 ${percentile(scriptLatencies, 99).toFixed(2)} ms at ${SCRIPT_CONCURRENCY} in flight`);
console.log(`MySQL seckill order writes per second (consumer concurrency ${ORDER_CONCURRENCY}; the sale's HTTP run lasted ${skResult.seconds.toFixed(1)} s, all ${admitted} admitted ordered after ${drainedAt.toFixed(1)} s):`);
console.log(`  ${perSecond.join(' ')}`);
console.log(`  peak ${Math.max(0, ...perSecond)}/s, mean ${(seckillOrderCount / Math.max(drainedAt, 0.001)).toFixed(0)}/s, while HTTP admission answered ${skResult.throughput.toFixed(0)}/s (sale window ${saleSeconds.toFixed(1)} s)`);
console.log(`audit: stock ${SECKILL_STOCK}, admitted ${admitted} (QUEUED answers ${sk.outcomes.QUEUED ?? 0}), seckill orders ${seckillOrderCount} (users ${orders[0]?.users ?? 0}, max ${orders[0]?.maxPerUser ?? 0} per user, limit ${LIMIT_PER_USER}), MySQL available ${activity!.available} + ordered ${activity!.ordered}, failed ${activity!.failed}; redis stock ${stats.redisStock}, consistent ${stats.consistent}; OVERSOLD ${oversold}`);
console.log(`audit: hot SKU stock ${sku!.stock} reserved ${sku!.reserved} sold ${sku!.sold}; placeOrder units ${placed!.n}; expected stock ${HOT_STOCK - SECKILL_STOCK - Number(placed!.n)}, reserved ${SECKILL_STOCK + Number(placed!.n)}`);
console.log('note: one 2-core machine shared with other jobs runs the API, the worker, the broker, MySQL, Redis and the load generators: numbers are noisy; compare the ratios of one run.');

// ------------------------------------------------------------------ teardown
await db.end();
await clearPrefix();
rawRedis.disconnect();
await worker.stop();
await app.close();
await broker.stop();
rmSync(brokerDir, { recursive: true, force: true });
process.exit(0);
