/**
 * bench/payment: the pay-notify path, before and after the redesign, in the same run on the
 * same app, database, simulators and load.
 *
 *   node --import @swc-node/register/esm-register bench/payment/payment.bench.ts
 *
 * Third parties are simulated with latency: points 50 ms (PointsService.simulatedLatencyMs),
 * coupon 60 ms (couponReward.simulatedLatencyMs), SMS 100 ms and logistics 500 ms (the WeChat
 * simulator's setLatency). Every order is ≥ 100 yuan (earns the reward coupon) and belongs to its
 * own user (the reward is once per user).
 *
 *  (a) baseline: the notify handler as it was before the redesign, mounted in this process on its
 *      own port: verify, then status + stock, points, coupon, SMS and shipping inline, in sequence,
 *      before answering WeChat;
 *  (b) project: the BFF's POST /pay/wechat/notify (payment + status + stock + the outbox rows of
 *      its messages in one transaction; points, coupon, SMS and shipping in their own consumer
 *      groups).
 *
 * Processes: the broker (CLI), the API (this process, ROLE=api: the notify endpoint and the
 * baseline's server) and a worker (bench/lib/worker-process.ts, ROLE=worker: every consumer group), as in
 * production (ROLE=api|worker). The baseline does all its work in the API process.
 *
 * Same load for (a) and (b): BENCH_ORDERS (400) notifications offered at BENCH_RATE (15) per
 * second, open loop (notification i leaves at start + i / rate, whatever the answers so far:
 * WeChat notifies as users pay, not as fast as the shop answers; 15/s is about what the baseline
 * can sustain at 20 in flight). Then (c) the project alone, closed loop with BENCH_CONCURRENCY (20)
 * concurrent notifications, for its saturated throughput. Load comes from a worker thread.
 * Reported: p50/p99 and throughput of the notify answers, the p99 ratio of (a) to (b), and the
 * time from the first notification until every effect of every order is in place (rows checked).
 * Bounded: each run stops after BENCH_SECONDS (90) s.
 * Diagnostics: BENCH_PHASES=1 prints local-transaction times,
 * BENCH_ONLY=project skips the baseline, BENCH_CHILD_LOGS=1 shows the worker's logs.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { operation } from '../../test/helpers/graphql-client.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { PAY_NOTIFY_PATH } from '../../src/infra/wechat/externals.js';
import { notifyAnswerForError, notifyFailureAnswer, notifySuccessAnswer, writeNotifyAnswer, type NotifyAnswer } from '../../src/infra/wechat/pay/wechat-pay.notify.js';
import type { PayTransaction } from '../../src/infra/wechat/pay/wechat-pay.port.js';
import type { BuiltNotification } from '../../src/infra/wechat/simulator/index.js';
import type { CatalogService } from '../../src/modules/catalog/catalog.service.js';
import type { CouponService } from '../../src/modules/coupon/coupon.service.js';
import type { OrderService } from '../../src/modules/order/order.service.js';
import { DEFAULT_PAY_REWARD_COUPON_CODE, type CouponRewardSettings } from '../../src/modules/coupon/pay-reward.consumer.js';
import { simulatedPhone } from '../../src/modules/notify/pay-success-sms.consumer.js';
import { Payment } from '../../src/modules/payment/payment.entity.js';
import type { PointsService } from '../../src/modules/points/points.service.js';
import { simulatedReceiver } from '../../src/modules/shipping/shipping.service.js';
import { startBenchBackbone, spawnWorker } from '../lib/processes.js';
import { formatResult, percentile, summarize, type RunResult } from '../lib/stats.js';
import { pool, sleep } from '../../test/helpers/wait.js';
import { login } from '../../test/helpers/actors.js';
import { benchDatabaseName, queryRows } from '../../test/helpers/test-db.js';
import { runWorkerThread } from '../lib/worker-thread.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 15);
const MAX_MS = Number(process.env.BENCH_SECONDS ?? 90) * 1000;
const LATENCY = { points: 50, coupon: 60, sms: 100, logistics: 500 };
const PRICE_FEN = 12_000;
const DB_NAME = benchDatabaseName('payment');
const DB = `mysql://root@127.0.0.1:3306/${DB_NAME}`;
const PLACE_Q = operation('place-order');
const benchStarted = performance.now();

// Deployment as DESIGN.md describes it: broker, API (ROLE=api, answers WeChat) and worker
// (ROLE=worker, runs the consumer groups) are separate processes. The baseline runs entirely
// inside the API process, as the old notify handler did.
const { broker, brokerDir: dataDir, baseEnv } = await startBenchBackbone(
  DB_NAME,
  {
    DB_POOL_MAX: process.env.BENCH_DB_POOL ?? '40',
    ORDER_MAX_PENDING_PER_STORE: '100000',
    ORDER_MAX_RESERVED_UNITS_PER_STORE: '10000000',
    MUTATION_RATE_LIMIT: '10000000',
  },
  { socket: false },
);
const config = loadConfig({ ...baseEnv, PORT: '0', ROLE: 'api', INSTANCE_ID: 'bench-payment-api' });
const app = await createApp(config, { logger: createLogger({ level: 'error' }) });
const worker = await spawnWorker({
  ...baseEnv,
  PORT: '0',
  INSTANCE_ID: 'bench-payment-worker',
  // Split roles in local mode: the worker joins the API's WeChat simulator.
  WECHAT_SIMULATOR_URL: app.externals.simulator!.baseUrl,
  SMS_BASE_URL: app.externals.simulator!.baseUrl,
  LOGISTICS_BASE_URL: app.externals.simulator!.baseUrl,
  BENCH_POINTS_LATENCY_MS: '50',
  BENCH_COUPON_LATENCY_MS: '60',
});
const url = app.http!.url;
const sim = app.externals.simulator!;
const orders = app.services.orders as OrderService;
const catalog = app.services.catalog as CatalogService;
const coupons = app.services.coupons as CouponService;
const points = app.services.points as PointsService;
const couponReward = app.services.couponReward as CouponRewardSettings;

const sql = <T = any>(query: string, params: unknown[] = []) => queryRows<T>(DB, query, params);

async function gql(query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}


/** ORDERS unpaid orders of ORDERS fresh users; returns their notifications (signed now; valid 5 min). */
async function prepare(label: string): Promise<{ orderNos: string[]; notifications: BuiltNotification[] }> {
  const slug = `${label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 20)}${randomBytes(3).toString('hex')}`;
  // One SKU per order, as in a real shop's traffic (a single hot SKU row would serialize both runs on its lock).
  const view = await catalog.createProduct(app.orm.em.fork(), { storeId: 1, name: `bench-${slug}`, skus: Array.from({ length: ORDERS }, (_, i) => ({ name: `S${i}`, priceFen: PRICE_FEN, stock: 10 })) });
  const placed = await pool(
    Array.from({ length: ORDERS }, (_, i) => async () => {
      const customer = await login({ url }, `bench-${slug}-${i}`);
      const data = await gql(PLACE_Q, { input: { storeId: '1', clientRequestId: `bench-${slug}-${i}`, items: [{ skuId: String(view.skus[i]!.id), quantity: 1 }] } }, customer.token);
      return data.placeOrder as { orderNo: string; payableFen: number };
    }),
    20,
  );
  const notifications = placed.map(({ orderNo, payableFen }) => {
    const resource: PayTransaction = {
      appid: sim.appId,
      mchid: sim.mchId,
      out_trade_no: orderNo,
      transaction_id: `4200${Date.now()}${randomBytes(5).toString('hex')}`.slice(0, 30),
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      success_time: new Date().toISOString(),
      payer: { openid: 'o-bench' },
      amount: { total: payableFen, payer_total: payableFen, currency: 'CNY' },
    };
    return sim.buildNotification({ resource });
  });
  return { orderNos: placed.map((p) => p.orderNo), notifications };
}

function load(target: string, notifications: BuiltNotification[], rate: number): Promise<{ latencies: number[]; errors: number; statuses: Record<string, number>; seconds: number; firstError?: string; endedAt: number }> {
  return runWorkerThread(new URL('./notify-load.worker.mjs', import.meta.url), { url: target, notifications, concurrency: CONCURRENCY, maxMs: MAX_MS, rate });
}

/** Counts the effects of a set of orders: status SHIPPED, points row, reward coupon, SMS, waybill. */
async function effectsDone(orderNos: string[]): Promise<{ shipped: number; points: number; coupons: number; sms: number; waybills: number }> {
  const marks = orderNos.map(() => '?').join(',');
  const [shipped] = await sql<{ n: number }>(`select count(*) as n from orders where status = 'SHIPPED' and order_no in (${marks})`, orderNos);
  const [pts] = await sql<{ n: number }>(`select count(*) as n from points_ledger where reason = 'PAID' and order_no in (${marks})`, orderNos);
  const [cps] = await sql<{ n: number }>(
    `select count(*) as n from user_coupon uc join coupon c on c.id = uc.coupon_id join orders o on o.user_id = uc.user_id where c.code = ? and o.order_no in (${marks})`,
    [DEFAULT_PAY_REWARD_COUPON_CODE, ...orderNos],
  );
  const set = new Set(orderNos);
  return {
    shipped: Number(shipped!.n),
    points: Number(pts!.n),
    coupons: Number(cps!.n),
    sms: sim.sentSms().filter((s) => set.has(s.params.orderNo!)).length,
    waybills: sim.waybills().filter((w) => set.has(w.orderNo)).length,
  };
}

// ---------------------------------------------------------------- (a) the baseline handler

/** Before the redesign: everything inline, in sequence, before WeChat gets its answer. */
async function baselineNotify(headers: Record<string, string | string[] | undefined>, raw: string): Promise<NotifyAnswer> {
  let n;
  try {
    n = app.externals.pay.verifyNotification(headers, raw);
  } catch (err) {
    return notifyAnswerForError(err);
  }
  if (n.kind !== 'transaction' || n.transaction.trade_state !== 'SUCCESS') return notifyFailureAnswer('UNSUPPORTED', 400);
  const t = n.transaction;
  const em = app.orm.em.fork();
  const view = await orders.findByOrderNo(em, t.out_trade_no);
  if (!view) return notifyFailureAnswer('ORDER_NOT_FOUND', 400);
  if (t.amount.total !== view.order.payableFen) return notifyFailureAnswer('AMOUNT_MISMATCH', 400);
  const order = view.order;
  // 1. status + stock (+ the payment row), one transaction
  const paid = await app.outbox.transactional(em.fork(), async (tx, emit) => {
    tx.create(Payment, { transactionId: t.transaction_id, orderNo: order.orderNo, userId: order.userId, amountFen: t.amount.total, outcome: 'APPLIED', source: 'NOTIFY', attemptId: null, successTime: new Date() });
    await tx.flush();
    const moved = await orders.transition(tx, emit, order.orderNo, ['PENDING_PAYMENT'], 'PAID', { patch: { paidAt: new Date() }, reason: 'PAID' });
    if (!moved) return false;
    await catalog.commitSold(tx, await orders.stockLines(tx, moved.id));
    return true;
  });
  if (!paid) return notifySuccessAnswer();
  // 2. points (remote, 50 ms)
  await points.awardForPayment(em.fork(), { orderNo: order.orderNo, userId: order.userId, payableFen: order.payableFen });
  // 3. coupon (remote, 60 ms)
  await sleep(LATENCY.coupon);
  await coupons.grant(em.fork(), order.userId, DEFAULT_PAY_REWARD_COUPON_CODE, 'PAY_REWARD');
  // 4. SMS (100 ms)
  await app.externals.sms.send({ phone: (await simulatedPhone(em, order.userId))!, templateId: 'PAY_SUCCESS', params: { orderNo: order.orderNo, amount: (order.payableFen / 100).toFixed(2) } });
  // 5. shipping (500 ms)
  const receiver = await simulatedReceiver(em, order);
  await app.externals.logistics.createWaybill({ orderNo: order.orderNo, receiver, items: view.items.map((i) => ({ name: i.productName, quantity: i.quantity })) });
  await app.outbox.transactional(em.fork(), (tx, emit) => orders.transition(tx, emit, order.orderNo, ['PAID'], 'SHIPPED', { patch: { shippedAt: new Date() }, reason: 'SHIPPED' }));
  return notifySuccessAnswer();
}

const baselineServer = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void baselineNotify(req.headers, Buffer.concat(chunks).toString('utf8'))
      .catch((err) => notifyAnswerForError(err))
      .then((answer) => writeNotifyAnswer(res, answer));
  });
});
await new Promise<void>((resolve) => baselineServer.listen(0, '127.0.0.1', resolve));
const baselineUrl = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}${PAY_NOTIFY_PATH}`;

// ---------------------------------------------------------------- run both
const phases: Record<string, number[]> = { local: [] };
if (process.env.BENCH_PHASES === '1') {
  const origTx = app.outbox.transactional.bind(app.outbox);
  (app.outbox as any).transactional = async (...a: any[]) => { const t = performance.now(); try { return await (origTx as any)(...a); } finally { phases.local!.push(performance.now() - t); } };
}

points.simulatedLatencyMs = LATENCY.points;
couponReward.simulatedLatencyMs = LATENCY.coupon;
sim.setLatency('sms', LATENCY.sms);
sim.setLatency('logistics', LATENCY.logistics);

interface Outcome {
  result: RunResult;
  statuses: Record<string, number>;
  allEffectsSeconds: number;
  effects: Awaited<ReturnType<typeof effectsDone>>;
}

async function run(label: string, target: string, rate: number): Promise<Outcome> {
  const { orderNos, notifications } = await prepare(label);
  const started = performance.now();
  const startedAt = performance.timeOrigin + started;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcPauses.push(e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  for (const v of Object.values(phases)) v.length = 0;
  const r = await load(target, notifications, rate);
  if (process.env.BENCH_PHASES === '1') for (const [k, v] of Object.entries(phases)) console.log(`  ${label}: phase ${k}: n ${v.length} p50 ${percentile(v, 50).toFixed(1)} p99 ${percentile(v, 99).toFixed(1)}`);
  lag.disable();
  gc.disconnect();
  console.log(`  ${label}: event-loop delay during the load p50 ${(lag.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms; GC pauses ${gcPauses.length}, total ${gcPauses.reduce((a, b) => a + b, 0).toFixed(0)} ms, max ${Math.max(0, ...gcPauses).toFixed(1)} ms`);
  const result = summarize(label, r.latencies, r.errors, r.seconds);
  if (r.firstError) console.log(`  ${label}: first error ${r.firstError}`);
  let effects = await effectsDone(orderNos);
  const complete = (e: typeof effects) => Object.values(e).every((v) => v >= orderNos.length);
  while (!complete(effects) && performance.now() - started < MAX_MS) {
    await sleep(50);
    effects = await effectsDone(orderNos);
  }
  const allEffectsSeconds = complete(effects) ? (performance.timeOrigin + performance.now() - startedAt) / 1000 : NaN;
  return { result, statuses: r.statuses, allEffectsSeconds, effects };
}

console.log(`payment bench: ${ORDERS} orders per run, offered at ${RATE} notifications/s (open loop), then the project alone closed-loop with ${CONCURRENCY} concurrent; third-party latency: points ${LATENCY.points} ms, coupon ${LATENCY.coupon} ms, SMS ${LATENCY.sms} ms, logistics ${LATENCY.logistics} ms`);
const baseline = process.env.BENCH_ONLY === 'project' ? undefined : await run('(a) baseline: inline fan-out in notify', baselineUrl, RATE);
const project = await run('(b) project: outbox + consumers', `${url}${PAY_NOTIFY_PATH}`, RATE);
const saturated = await run(`(c) project, closed loop ${CONCURRENCY} concurrent`, `${url}${PAY_NOTIFY_PATH}`, 0);

if (!baseline) {
  for (const o of [project, saturated]) console.log(formatResult(o.result), o.allEffectsSeconds);
  await worker.stop();
  await app.close();
  await broker.stop();
  process.exit(0);
}
console.log('');
for (const o of [baseline, project, saturated]) {
  console.log(formatResult(o.result));
  console.log(`${''.padEnd(44)} answers ${JSON.stringify(o.statuses)}  all effects done after ${o.allEffectsSeconds.toFixed(2)} s  ${JSON.stringify(o.effects)}`);
}
const ratioP99 = baseline.result.p99 / project.result.p99;
const ratioP50 = baseline.result.p50 / project.result.p50;
console.log('');
console.log(`notify p99: baseline ${baseline.result.p99.toFixed(1)} ms / project ${project.result.p99.toFixed(1)} ms = ${ratioP99.toFixed(1)}x (target >= 20x: ${ratioP99 >= 20 ? 'met' : 'NOT met'})`);
console.log(`notify p50: baseline ${baseline.result.p50.toFixed(1)} ms / project ${project.result.p50.toFixed(1)} ms = ${ratioP50.toFixed(1)}x`);
console.log(`throughput at ${CONCURRENCY} concurrent (closed loop): baseline ${CONCURRENCY / (baseline.result.p50 / 1000) | 0}/s at most (${CONCURRENCY} / its p50), project ${saturated.result.throughput.toFixed(0)}/s (p99 ${saturated.result.p99.toFixed(1)} ms, all effects after ${saturated.allEffectsSeconds.toFixed(2)} s)`);
console.log(`every effect done: baseline ${Number.isNaN(baseline.allEffectsSeconds) ? 'NO' : 'yes'}, project ${Number.isNaN(project.allEffectsSeconds) ? 'NO' : 'yes'} (project effects complete ${project.allEffectsSeconds.toFixed(2)} s after its first notification vs baseline ${baseline.allEffectsSeconds.toFixed(2)} s)`);
console.log(`bench took ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);

await new Promise<void>((resolve) => baselineServer.close(() => resolve()));
await worker.stop();
await app.close();
await broker.stop();
rmSync(dataDir, { recursive: true, force: true });
