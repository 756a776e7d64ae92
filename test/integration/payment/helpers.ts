import { randomBytes, randomUUID } from 'node:crypto';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../../src/infra/mq/broker/index.js';
import { Topics } from '../../../src/infra/mq/topics.js';
import type { PayTransaction } from '../../../src/infra/wechat/pay/wechat-pay.port.js';
import type { BuildNotificationInput, BuiltNotification, WechatSimulator } from '../../../src/infra/wechat/simulator/index.js';
import { PAY_NOTIFY_PATH } from '../../../src/infra/wechat/externals.js';
import type { RefundService } from '../../../src/modules/refund/refund.service.js';
import { gql, operation } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { createSkus, login, placeOrder, type Customer } from '../order/helpers.js';

export { createSkus, login, placeOrder, type Customer };

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

export async function count(app: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await queryRows<{ n: number }>(app.databaseUrl, sql, params);
  return Number(row!.n);
}

export async function orderStatus(app: TestApp, orderNo: string): Promise<string | undefined> {
  const [row] = await queryRows<{ status: string }>(app.databaseUrl, 'select status from orders where order_no = ?', [orderNo]);
  return row?.status;
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

export async function postNotify(app: TestApp, built: BuiltNotification): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${app.url}${PAY_NOTIFY_PATH}`, { method: 'POST', headers: built.headers, body: built.body });
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - started };
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

export function topicStats(app: TestApp, topic: string = Topics.OrderPaySuccess) {
  return app.broker!.stats().topics.find((t) => t.name === topic);
}
export function groupStats(app: TestApp, group: string) {
  return app.broker!.stats().groups.filter((g) => g.group === group);
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
 * A suite whose test stops the app's broker (`app.broker!.close()`) and later brings it back with
 * `restartBroker`: on the same port and data directory, so the app's clients reconnect to it.
 * Registers the suite's beforeAll/afterAll.
 */
export function suiteWithRestartableBroker(database: string): { app: () => TestApp; restartBroker: (options?: Partial<EmbeddedBrokerOptions>) => Promise<void> } {
  let app: TestApp;
  let restarted: EmbeddedBroker | undefined;
  beforeAll(async () => {
    app = await startTestApp({ database });
  });
  afterAll(async () => {
    await app?.close();
    await restarted?.close();
  });
  return {
    app: () => app,
    restartBroker: async (options = {}) => {
      restarted = await startEmbeddedBroker({ port: app.broker!.port, dataDir: app.config.mq.brokerDataDir, adminPort: null, logger: app.logger as never, ...options });
    },
  };
}
