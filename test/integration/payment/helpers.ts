import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/infra/mq/broker/index.js';
import { Topics } from '../../../src/infra/mq/topics.js';
import type { PayTransaction } from '../../../src/infra/wechat/pay/wechat-pay.port.js';
import type { BuildNotificationInput, BuiltNotification, WechatSimulator } from '../../../src/infra/wechat/simulator/index.js';
import { PAY_NOTIFY_PATH } from '../../../src/infra/wechat/externals.js';
import type { RefundService } from '../../../src/modules/refund/refund.service.js';
import { gql, operation } from '../../helpers/graphql-client.js';
import { REAL_ROCKETMQ_ENDPOINTS } from '../../helpers/real-rocketmq.js';
import { start as startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { startTestApp, TEST_BROKER_OPTIONS, TEST_LONG_POLLING_TIMEOUT_MS, type TestApp } from '../../helpers/test-app.js';
import { login, type Customer } from '../../helpers/actors.js';
import { queryRow, queryRows } from '../../helpers/test-db.js';
import { createSkus, placeOrder } from '../order/helpers.js';

export const payOps = {
  payOrder: operation('pay-order'),
  simulatePayment: operation('simulate-payment'),
  requestRefund: operation('request-refund'),
  order: operation('order'),
  me: operation('me'),
  cancelOrder: operation('cancel-order'),
};

export function sim(app: TestApp): WechatSimulator {
  return app.externals.simulator!;
}
export function refunds(app: TestApp): RefundService {
  return app.services.refunds as RefundService;
}

export async function orderStatus(app: TestApp, orderNo: string): Promise<string | undefined> {
  return (await queryRow<{ status: string }>(app, 'select status from orders where order_no = ?', [orderNo]))?.status;
}

/** A customer with one unpaid order of `priceFen` × 1 (a fresh SKU in store 1). */
export async function unpaidOrder(app: TestApp, priceFen: number, customer?: Customer): Promise<{ customer: Customer; orderNo: string; payableFen: number; skuId: number }> {
  const c = customer ?? (await login(app));
  const [skuId] = await createSkus(app, 1, [{ priceFen, stock: 100 }]);
  const r = await placeOrder(app, c, { storeId: '1', items: [{ skuId: String(skuId), quantity: 1 }] });
  if (!r.data) throw new Error(`placeOrder failed: ${JSON.stringify(r.errors)}`);
  return { customer: c, orderNo: r.data.placeOrder.orderNo, payableFen: r.data.placeOrder.payableFen, skuId: skuId! };
}

/** The decrypted resource of a successful payment, as WeChat Pay would send it. */
export function paidResource(app: TestApp, orderNo: string, amountFen: number, overrides: Partial<PayTransaction> = {}): PayTransaction {
  const s = sim(app);
  return {
    appid: s.appId,
    mchid: s.mchId,
    out_trade_no: orderNo,
    transaction_id: `4200${Date.now()}${randomBytes(4).toString('hex')}`.slice(0, 28),
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: 'OK',
    bank_type: 'OTHERS',
    success_time: new Date().toISOString(),
    payer: { openid: 'o-test' },
    amount: { total: amountFen, payer_total: amountFen, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides,
  };
}

export function notification(app: TestApp, resource: PayTransaction, extra: Partial<BuildNotificationInput> = {}): BuiltNotification {
  return sim(app).buildNotification({ id: randomUUID(), resource, ...extra });
}

export async function postNotify(app: TestApp, built: BuiltNotification): Promise<{ status: number; body: string }> {
  const res = await fetch(`${app.url}${PAY_NOTIFY_PATH}`, { method: 'POST', headers: built.headers, body: built.body });
  const body = await res.text();
  return { status: res.status, body };
}

/**
 * Simulates a producer crash between the local commit and EndTransaction for the next
 * `times` transactional sends: the transaction's commit (and optionally rollback) never
 * reaches the broker, so the half message stays undecided until the broker checks back.
 */
export function dropNextEndTransactions(app: TestApp, times = 1, options: { alsoRollback?: boolean } = {}): () => void {
  const producer = (app.bus as unknown as { producer: { beginTransaction: () => { commit(): Promise<void>; rollback(): Promise<void> } } }).producer;
  const original = producer.beginTransaction.bind(producer);
  let left = times;
  producer.beginTransaction = () => {
    const tx = original();
    if (left > 0) {
      left--;
      tx.commit = async () => undefined;
      if (options.alsoRollback) tx.rollback = async () => undefined;
    }
    return tx;
  };
  return () => {
    producer.beginTransaction = original;
  };
}

/** Messages this app published to `topic` (the message bus counts each send the broker accepted). */
export async function published(app: TestApp, topic: string = Topics.OrderPaySuccess): Promise<number> {
  return app.metrics.value('mq_published_total', { topic });
}

/** The app's log lines of transaction check-backs it answered for the message with this key. */
export function checkBacks(app: TestApp, key: string): { decision: string }[] {
  return app.logs.lines.filter((l) => l.includes('transaction check-back answered') && l.includes(`"key":"${key}"`)).map((l) => JSON.parse(l) as { decision: string });
}

export async function gqlPay(app: TestApp, c: Customer, orderNo: string) {
  return gql(app.url, payOps.payOrder, { orderNo }, c.token);
}

/**
 * Simulates a process crash right after the next `times` outbox commits: the rows are committed
 * but this process never publishes them (what a crashed instance leaves behind for the sweep).
 */
export function skipNextOutboxPublishes(app: TestApp, times = 1): () => void {
  const outbox = app.outbox as unknown as { publishCommitted: (records: unknown[]) => Promise<number> };
  const original = outbox.publishCommitted;
  let left = times;
  outbox.publishCommitted = async function (this: unknown, records: unknown[]) {
    if (left > 0) {
      left--;
      return 0;
    }
    return original.call(this, records);
  };
  return () => {
    outbox.publishCommitted = original;
  };
}

/**
 * A suite whose test takes the broker away from the app (`cutBroker`) and brings it back
 * (`restoreBroker`), on both brokers. The embedded broker is reached through a TCP proxy that the
 * test cuts: every connection is reset and new ones are refused, as with a broker that is down.
 * A RocketMQ proxy in local mode answers routes with its own address and grpcServerPort whatever
 * the client dialled (useEndpointPortFromRequest only applies in cluster mode), so a forwarder
 * cannot stay in the path: there the proxy's JVM is frozen (SIGSTOP) and thawed (SIGCONT), and
 * requests time out instead of being refused. Its pid comes from ops/rocketmq/test.sh
 * (TEST_ROCKETMQ_PROXY_PID). Registers the suite's beforeAll/afterAll.
 */
export function suiteWithBrokerOutage(database: string): { app: () => TestApp; cutBroker: () => void; restoreBroker: () => void } {
  let app: TestApp;
  let broker: EmbeddedBroker | undefined;
  let proxy: TcpProxy | undefined;
  let dataDir: string | undefined;
  const realProxyPid = Number(process.env.TEST_ROCKETMQ_PROXY_PID) || undefined;
  beforeAll(async () => {
    if (REAL_ROCKETMQ_ENDPOINTS) {
      if (!realProxyPid) throw new Error('TEST_ROCKETMQ_PROXY_PID is needed to take a real RocketMQ proxy down (ops/rocketmq/test.sh sets it for a local RocketMQ)');
      app = await startTestApp({ database });
      return;
    }
    dataDir = mkdtempSync(join(tmpdir(), 'wxshop-broker-'));
    broker = await startEmbeddedBroker({ port: 0, dataDir, adminPort: null, longPollingTimeoutMs: TEST_LONG_POLLING_TIMEOUT_MS, ...TEST_BROKER_OPTIONS });
    proxy = await startTcpProxy('127.0.0.1', broker.port);
    app = await startTestApp({ database, env: { ROCKETMQ_ENDPOINTS: `127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    proxy?.restore();
    if (realProxyPid) process.kill(realProxyPid, 'SIGCONT');
    await app?.close();
    await proxy?.close();
    await broker?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    app: () => app,
    cutBroker: () => (realProxyPid ? process.kill(realProxyPid, 'SIGSTOP') : proxy!.cut()),
    restoreBroker: () => (realProxyPid ? process.kill(realProxyPid, 'SIGCONT') : proxy!.restore()),
  };
}
