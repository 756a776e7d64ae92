/**
 * `npm run chaos`: the system as separate processes (see chaos-harness.ts), a bounded mixed load
 * per scenario (logins, orders, payments through the simulator, refunds, unpaid orders left to
 * time out), one fault injected per scenario, then a bounded settle and the invariants checked in
 * MySQL and at the outside parties (the simulator's records). Prints one table row per scenario
 * and fails on any lost, duplicated or stuck item, and on any non-retryable error a client saw.
 */
import { queryRows } from '../helpers/test-db.js';
import { ChaosSystem, type SimulatorStats } from './chaos-harness.js';
import { operation } from '../helpers/graphql-client.js';
import { sleep } from '../helpers/wait.js';

const OPS = {
  login: operation('login'),
  placeOrder: operation('place-order'),
  payOrder: operation('pay-order'),
  simulatePayment: operation('simulate-payment'),
  requestRefund: operation('request-refund'),
};
const USERS_PER_SCENARIO = 6;
/** A client gives up retrying an operation after this long (the faults last a few seconds). */
const CLIENT_RETRY_BUDGET_MS = 60_000;
/**
 * How long a scenario may take to settle after its fault is healed. A worker killed with SIGKILL
 * says no goodbye: what it held stays invisible for its 60 s invisible time, on RocketMQ and the
 * embedded broker alike, so its FIFO groups resume after that.
 */
const SETTLE_TIMEOUT_MS = 150_000;

interface ClientLog {
  retries: number;
  /** Errors a client must never see during a fault: anything but a retryable SERVICE_UNAVAILABLE (503). */
  bad: string[];
}

/** A mini-program client: retries what the BFF says is retryable, records anything else. */
async function call(sys: ChaosSystem, log: ClientLog, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const deadline = Date.now() + CLIENT_RETRY_BUDGET_MS;
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] } | undefined;
    try {
      const res = await fetch(`${sys.apiUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(20_000) });
      status = res.status;
      body = (await res.json()) as typeof body;
    } catch (err) {
      body = { errors: [{ message: (err as Error).message, extensions: { code: 'NETWORK' } }] };
    }
    if (!body?.errors?.length) return body!.data;
    const code = body.errors[0]!.extensions?.code as string | undefined;
    if (code === 'SERVICE_UNAVAILABLE' && status !== 503) log.bad.push(`SERVICE_UNAVAILABLE with HTTP ${status}`);
    if (code !== 'SERVICE_UNAVAILABLE' && code !== 'NETWORK') {
      log.bad.push(`${code}: ${body.errors[0]!.message}`);
      throw new Error(`not retryable: ${code} ${body.errors[0]!.message}`);
    }
    if (Date.now() > deadline) throw new Error(`gave up after ${attempt + 1} attempts: ${code} ${body.errors[0]!.message}`);
    log.retries++;
    await sleep(Math.min(200 * 2 ** attempt, 2_000));
  }
}

type Kind = 'unpaid' | 'paid' | 'refunded';
interface Journey {
  scenario: string;
  code: string;
  kind: Kind;
  userId?: number;
  orderNo?: string;
  refundNo?: string;
  firstLoginSeen: boolean[];
  error?: string;
}

async function orderStatus(sys: ChaosSystem, orderNo: string): Promise<string | undefined> {
  const [row] = await queryRows<{ status: string }>(sys.databaseUrl, 'select status from orders where order_no = ?', [orderNo]);
  return row?.status;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** One user's visit: login (twice: the retry must agree), an order, and per kind a payment and a refund. */
async function journey(sys: ChaosSystem, log: ClientLog, j: Journey, skuId: number, storeId: number, hooks: { afterPay?: (orderNo: string) => Promise<void> }): Promise<void> {
  try {
    const first = (await call(sys, log, OPS.login, { code: j.code })).login;
    j.firstLoginSeen.push(first.firstLogin);
    const again = (await call(sys, log, OPS.login, { code: j.code })).login;
    j.firstLoginSeen.push(again.firstLogin);
    j.userId = Number(first.user.id);
    const token = again.token as string;
    const input = { storeId: String(storeId), items: [{ skuId: String(skuId), quantity: 1 }], clientRequestId: `chaos-${j.code}` };
    j.orderNo = (await call(sys, log, OPS.placeOrder, { input }, token)).placeOrder.orderNo as string;
    const resubmitted = (await call(sys, log, OPS.placeOrder, { input }, token)).placeOrder.orderNo;
    if (resubmitted !== j.orderNo) log.bad.push(`placeOrder resubmit returned ${resubmitted}, first ${j.orderNo}`);
    if (j.kind === 'unpaid') return;
    await call(sys, log, OPS.payOrder, { orderNo: j.orderNo }, token);
    await call(sys, log, OPS.simulatePayment, { orderNo: j.orderNo }, token);
    await hooks.afterPay?.(j.orderNo);
    if (j.kind === 'paid') return;
    await waitUntil(`order ${j.orderNo} paid`, async () => ['PAID', 'SHIPPED'].includes((await orderStatus(sys, j.orderNo!)) ?? ''), CLIENT_RETRY_BUDGET_MS);
    j.refundNo = (await call(sys, log, OPS.requestRefund, { orderNo: j.orderNo, reason: 'chaos' }, token)).requestRefund.refundNo;
    const retried = (await call(sys, log, OPS.requestRefund, { orderNo: j.orderNo, reason: 'chaos retry' }, token)).requestRefund.refundNo;
    if (retried !== j.refundNo) log.bad.push(`requestRefund retry returned ${retried}, first ${j.refundNo}`);
  } catch (err) {
    j.error = (err as Error).message;
  }
}

interface Verdict {
  expected: number;
  observed: number;
  lost: string[];
  duplicated: string[];
  stuck: string[];
}

/** Checks one scenario's journeys against MySQL and the simulator's records. */
async function verdict(sys: ChaosSystem, journeys: Journey[], stats: SimulatorStats): Promise<Verdict> {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const stuck: string[] = [];
  const countIn = <T>(list: T[], pick: (t: T) => string, key: string) => list.filter((t) => pick(t) === key).length;
  const one = async (sql: string, params: unknown[]) => Number((await queryRows<{ n: number }>(sys.databaseUrl, sql, params))[0]!.n);
  let observed = 0;
  for (const j of journeys) {
    if (j.error || !j.orderNo) {
      lost.push(`${j.code}: ${j.error ?? 'no order'}`);
      continue;
    }
    const seenFirst = j.firstLoginSeen.filter(Boolean).length;
    if (j.firstLoginSeen[0] !== true || seenFirst !== 1) lost.push(`${j.code}: firstLogin seen ${JSON.stringify(j.firstLoginSeen)}`);
    const status = await orderStatus(sys, j.orderNo);
    const want = { unpaid: 'CANCELLED', paid: 'SHIPPED', refunded: 'REFUNDED' }[j.kind];
    if (status === want) observed++;
    else stuck.push(`${j.orderNo} ${status} (want ${want})`);
    const coupons = await one("select count(*) as n from user_coupon uc join coupon c on c.id = uc.coupon_id where uc.user_id = ? and c.code = 'NEW_USER'", [j.userId]);
    if (coupons !== 1) (coupons === 0 ? lost : duplicated).push(`${j.code}: ${coupons} new-user coupons`);
    if (j.kind === 'unpaid') continue;
    const effects: [string, number][] = [
      ['payment', await one('select count(*) as n from payment where order_no = ?', [j.orderNo])],
      ['points', await one("select count(*) as n from points_ledger where order_no = ? and reason = 'PAID'", [j.orderNo])],
      ['sms row', await one('select count(*) as n from payment_sms where order_no = ? and message_id is not null', [j.orderNo])],
      ['sms sent', countIn(stats.sms, (m) => m.orderNo, j.orderNo)],
      ['shipment', countIn(stats.waybills, (w) => w.orderNo, j.orderNo)],
    ];
    if (j.kind === 'refunded') {
      effects.push(['refund', await one("select count(*) as n from refund where order_no = ? and status = 'SUCCESS'", [j.orderNo])]);
      effects.push(['money back', stats.refunds.filter((r) => r.outTradeNo === j.orderNo && r.status === 'SUCCESS').length]);
      effects.push(['points back', await one("select count(*) as n from points_ledger where order_no = ? and reason = 'REFUNDED'", [j.orderNo])]);
    }
    for (const [what, n] of effects) {
      // A refund that overtook the warehouse leaves nothing to ship: no shipment is right then.
      if (n === 0 && !(what === 'shipment' && j.kind === 'refunded')) lost.push(`${j.orderNo}: no ${what}`);
      if (n > 1) duplicated.push(`${j.orderNo}: ${n}× ${what}`);
    }
  }
  return { expected: journeys.length, observed, lost, duplicated, stuck };
}

interface Scenario {
  name: string;
  /** Injects the fault while the load runs; resolves once it is healed, with how many faults it injected. */
  fault(sys: ChaosSystem, load: Promise<void>): Promise<number>;
  afterPay?(sys: ChaosSystem, orderNo: string): Promise<void>;
}

let replays = 0;
const SCENARIOS: Scenario[] = [
  {
    name: 'redis stopped 5 s',
    async fault(sys) {
      await sys.stopRedis();
      await sleep(5_000);
      await sys.startRedis();
      return 1;
    },
  },
  {
    name: 'broker kill -9 + restart',
    async fault(sys) {
      await sleep(1_500);
      await sys.killBroker();
      await sleep(3_000);
      await sys.startBroker();
      return 1;
    },
  },
  {
    name: 'worker kill -9 mid-fan-out',
    async fault(sys) {
      await sleep(2_500);
      await sys.killWorker();
      await sleep(1_000);
      await sys.startWorker();
      return 1;
    },
  },
  {
    name: 'MySQL connections dropped',
    async fault(sys) {
      for (let i = 0; i < 6; i++) {
        await sleep(700);
        sys.mysqlProxy.dropAll();
      }
      return 6;
    },
  },
  {
    name: 'COMMIT answers lost',
    async fault(sys, load) {
      // Two users' first logins and two refunds: the server commits, the client's connection dies.
      const before = sys.mysqlProxy.commitAnswersLost;
      const lost = sys.mysqlProxy.loseCommitAnswers(4, /insert into `(user|refund)`/);
      await Promise.race([lost, load]);
      return sys.mysqlProxy.commitAnswersLost - before;
    },
  },
  {
    name: 'pay notifications duplicated, replayed, reordered',
    async fault(_sys, load) {
      await load;
      return replays;
    },
    async afterPay(sys, orderNo) {
      replays += 3;
      // Three more deliveries of the same payment, concurrently (arrive in any order), one late.
      await Promise.all([sys.replayNotification(orderNo), sys.replayNotification(orderNo), sleep(300).then(() => sys.replayNotification(orderNo))]);
    },
  },
];

describe('chaos: faults lose nothing', () => {
  const sys = new ChaosSystem({ ORDER_PAYMENT_TIMEOUT: '15s', ORDER_SWEEP_INTERVAL: '5s', REFUND_SWEEP_INTERVAL: '5s' });
  const rows: Record<string, string | number>[] = [];
  const failures: string[] = [];
  let sku: { id: number; storeId: number };
  let initialStock: Map<number, number>;

  beforeAll(async () => {
    await sys.start();
    const [row] = await queryRows<{ id: number; store_id: number }>(sys.databaseUrl, "select s.id, p.store_id from sku s join product p on p.id = s.product_id where p.status = 'ON_SALE' order by s.stock desc limit 1");
    sku = { id: row!.id, storeId: row!.store_id };
    const skus = await queryRows<{ id: number; total: number }>(sys.databaseUrl, 'select id, stock + reserved + sold as total from sku');
    initialStock = new Map(skus.map((s) => [s.id, Number(s.total)]));
  }, 240_000);
  afterAll(async () => {
    await sys.close();
  }, 120_000);

  for (const [index, scenario] of SCENARIOS.entries()) {
    it(scenario.name, async () => {
      const log: ClientLog = { retries: 0, bad: [] };
      const kinds: Kind[] = ['unpaid', 'paid', 'refunded'];
      const journeys: Journey[] = Array.from({ length: USERS_PER_SCENARIO }, (_, i) => ({ scenario: scenario.name, code: `chaos-${index}-${i}`, kind: kinds[i % 3]!, firstLoginSeen: [] }));
      const load = Promise.all(journeys.map((j, i) => sleep(i * 150).then(() => journey(sys, log, j, sku.id, sku.storeId, { afterPay: scenario.afterPay && ((orderNo) => scenario.afterPay!(sys, orderNo)) })))).then(() => undefined);
      const injected = await scenario.fault(sys, load);
      const healedAt = Date.now();
      await load;
      let settledMs: number | string = 'n/a';
      try {
        await waitUntil(
          `${scenario.name} settled`,
          async () => {
            for (const j of journeys) {
              if (!j.orderNo) continue;
              const want = { unpaid: 'CANCELLED', paid: 'SHIPPED', refunded: 'REFUNDED' }[j.kind];
              if ((await orderStatus(sys, j.orderNo)) !== want) return false;
              if (j.kind !== 'unpaid') {
                const stats = await sys.simulatorStats();
                if (!stats.sms.some((m) => m.orderNo === j.orderNo)) return false;
                if (j.kind === 'paid' && !stats.waybills.some((w) => w.orderNo === j.orderNo)) return false;
              }
            }
            const [outbox] = await queryRows<{ n: number }>(sys.databaseUrl, 'select count(*) as n from outbox_message');
            if (Number(outbox!.n) !== 0) return false;
            // Every effect, not only the ones above: a killed worker's messages (points back, say)
            // come back only when their invisible time ends.
            const pending = await verdict(sys, journeys, await sys.simulatorStats());
            return pending.lost.length === 0 && pending.stuck.length === 0;
          },
          SETTLE_TIMEOUT_MS,
        );
        settledMs = Date.now() - healedAt;
      } catch {
        settledMs = 'never';
      }
      const v = await verdict(sys, journeys, await sys.simulatorStats());
      rows.push({ scenario: scenario.name, faults: injected, expected: v.expected, observed: v.observed, lost: v.lost.length, duplicated: v.duplicated.length, stuck: v.stuck.length, 'client retries': log.retries, 'bad answers': log.bad.length, 'recovery ms': settledMs });
      const problems = [...v.lost.map((l) => `lost ${l}`), ...v.duplicated.map((d) => `duplicated ${d}`), ...v.stuck.map((s) => `stuck ${s}`), ...log.bad.map((b) => `client saw ${b}`)];
      failures.push(...problems.map((p) => `${scenario.name}: ${p}`));
      expect(problems).toEqual([]);
    }, 300_000);
  }

  it('global invariants hold after every fault', async () => {
    const q = <T>(sql: string) => queryRows<T>(sys.databaseUrl, sql);
    const problems: string[] = [];
    const [dupPayments] = await q<{ n: number }>("select count(*) as n from (select order_no from payment where outcome = 'APPLIED' group by order_no having count(*) > 1) d");
    if (Number(dupPayments!.n) > 0) problems.push(`${dupPayments!.n} orders with several applied payments`);
    const drift = await q<{ id: number }>('select u.id from user u left join (select user_id, sum(delta) as s from points_ledger group by user_id) l on l.user_id = u.id where u.points <> coalesce(l.s, 0)');
    if (drift.length > 0) problems.push(`points differ from the ledger for users ${drift.map((d) => d.id).join(', ')}`);
    for (const s of await q<{ id: number; total: number; reserved: number }>('select id, stock + reserved + sold as total, reserved from sku')) {
      if (Number(s.total) !== initialStock.get(s.id)) problems.push(`sku ${s.id}: stock + reserved + sold = ${s.total}, was ${initialStock.get(s.id)}`);
      if (Number(s.reserved) !== 0) problems.push(`sku ${s.id}: ${s.reserved} still reserved`);
    }
    const coupons = await q<{ id: number; n: number }>("select u.id, count(uc.id) as n from user u left join user_coupon uc on uc.user_id = u.id and uc.coupon_id = (select id from coupon where code = 'NEW_USER') group by u.id having n <> 1");
    if (coupons.length > 0) problems.push(`users without exactly one new-user coupon: ${coupons.map((c) => `${c.id}:${c.n}`).join(', ')}`);
    const [refunds] = await q<{ n: number }>("select count(*) as n from refund where status <> 'SUCCESS'");
    if (Number(refunds!.n) > 0) problems.push(`${refunds!.n} refunds not completed`);
    const [late] = await q<{ n: number }>("select count(*) as n from orders where status = 'PENDING_PAYMENT' and expires_at < now(3) - interval 30 second");
    if (Number(late!.n) > 0) problems.push(`${late!.n} orders past their deadline still pending`);
    const [refunding] = await q<{ n: number }>("select count(*) as n from orders where status = 'REFUNDING'");
    if (Number(refunding!.n) > 0) problems.push(`${refunding!.n} orders stuck REFUNDING`);
    const [outbox] = await q<{ n: number }>('select count(*) as n from outbox_message');
    if (Number(outbox!.n) > 0) problems.push(`${outbox!.n} outbox messages left`);
    const [unsent] = await q<{ n: number }>('select count(*) as n from payment_sms where message_id is null');
    if (Number(unsent!.n) > 0) problems.push(`${unsent!.n} SMS claims never sent`);
    // Graceful shutdown of the worker: bounded by the client's long poll, not the broker's 20 s.
    const stopMs = await sys.stop(sys.worker);
    rows.push({ scenario: 'worker graceful stop (ms)', faults: 0, expected: 0, observed: 0, lost: 0, duplicated: 0, stuck: 0, 'client retries': 0, 'bad answers': 0, 'recovery ms': stopMs });
    console.log(`chaos results (logs in ${sys.logDir}):\n${table(rows)}${failures.length ? `\nfailures:\n  ${failures.join('\n  ')}` : ''}`);
    expect(problems).toEqual([]);
  }, 120_000);
});

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}
