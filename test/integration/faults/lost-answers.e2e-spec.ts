import type { ConsumerDefinition } from '../../../src/infra/mq/consumer-runner.js';
import { MESSAGE_SCHEMA_VERSION, type IncomingMessage } from '../../../src/infra/mq/message-bus.port.js';
import { Topics } from '../../../src/infra/mq/topics.js';
import { errorCode, errorReason, gql, operation } from '../../helpers/graphql-client.js';
import { start as startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows, testDatabaseName, countRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';
import { couponStatus, createSkus, placeOrder } from '../order/helpers.js';
import { orderStatus, payOps, refunds, sim, unpaidOrder } from '../payment/helpers.js';
import { loginWithCoupon, type Customer } from '../../helpers/actors.js';

const LOGIN = operation('login');

async function payAndShip(app: TestApp, customer: Customer, orderNo: string): Promise<void> {
  expect((await gql(app.url, payOps.payOrder, { orderNo }, customer.token)).errors).toBeUndefined();
  await sim(app).pay(orderNo);
  await eventually(async () => (await orderStatus(app, orderNo)) === 'SHIPPED', { what: `order ${orderNo} shipped` });
  await eventually(async () => (await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 1, { what: 'points awarded' });
}

async function newUserCoupons(app: TestApp, openid: string): Promise<number> {
  return countRows(app, "select count(*) as n from user_coupon uc join coupon c on c.id = uc.coupon_id join user u on u.id = uc.user_id where u.openid = ? and c.code = 'NEW_USER'", [openid]);
}

/**
 * MySQL and Redis reached through TCP proxies, so a test can lose the answer to one COMMIT (the
 * server applied it, the client saw its connection die) or take Redis away, and check that the
 * outcome is decided by what the database holds, not by what the client saw.
 */
describe('answers lost in flight', () => {
  let app: TestApp;
  let mysql: TcpProxy;
  let redis: TcpProxy;

  beforeAll(async () => {
    mysql = await startProxy('127.0.0.1', 3306);
    redis = await startProxy('127.0.0.1', 6379);
    app = await startTestApp({
      database: 'faults_lost_answers',
      env: { DATABASE_URL: `mysql://root@127.0.0.1:${mysql.port}/${testDatabaseName('faults_lost_answers')}`, REDIS_URL: `redis://127.0.0.1:${redis.port}` },
    });
    refunds(app).checkRollbackAfterMs = 1_000;
  });
  afterAll(async () => {
    redis?.restore();
    await app?.close();
    await mysql?.close();
    await redis?.close();
  });

  /** A delivery of the PAID message to the payment-SMS consumer, and how many SMS its order got. */
  function smsDelivery(orderNo: string, deliveryAttempt: number) {
    const definition = app.consumers.definitions.find((d) => d.name === 'push-pay-success') as ConsumerDefinition<any>;
    const message: IncomingMessage = {
      messageId: `sms-${orderNo}`,
      topic: Topics.OrderPaySuccess,
      tag: 'PAID',
      keys: [orderNo],
      deliveryAttempt,
      envelope: { v: MESSAGE_SCHEMA_VERSION, key: orderNo, producedAt: new Date().toISOString(), data: { orderNo, userId: 1, storeId: 1, transactionId: `T-${orderNo}`, payableFen: 1_000, totalFen: 1_000, paidAt: new Date().toISOString() } },
    };
    const sent = () => sim(app).sentSms().filter((m) => m.params.orderNo === orderNo).length;
    return { definition, message, sent };
  }

  it("a refund whose COMMIT answer is lost still commits its message and completes; the retry returns the same refund", async () => {
    const customer = await loginWithCoupon(app);
    const [skuId] = await createSkus(app, 1, [{ priceFen: 12_000, stock: 10 }]);
    const placed = await placeOrder(app, customer, { storeId: '1', items: [{ skuId: String(skuId), quantity: 1 }], couponId: customer.couponId });
    const { orderNo } = placed.data.placeOrder;
    await payAndShip(app, customer, orderNo);

    const lost = mysql.loseCommitAnswers(1, /insert into `refund`/);
    const first = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'commit answer lost' }, customer.token);
    await lost;
    const retry = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'retry' }, customer.token);
    expect(retry.errors).toBeUndefined();
    const { refundNo } = retry.data.requestRefund;

    await eventually(async () => (await orderStatus(app, orderNo)) === 'REFUNDED', { what: 'refund completed', timeoutMs: 20_000 });
    await eventually(async () => (await couponStatus(app, customer.couponId)).status === 'AVAILABLE', { what: 'coupon returned' });
    await eventually(async () => (await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 2, { what: 'points reversed' });
    expect(sim(app).refundRecord(refundNo)?.status).toBe('SUCCESS');
    expect(await countRows(app, 'select count(*) as n from refund where order_no = ?', [orderNo])).toBe(1);
    const again = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'again' }, customer.token);
    expect(again.data.requestRefund).toMatchObject({ refundNo, status: 'SUCCESS' });
    // The row committed: the first request answers with it (or, at worst, a retryable 503), never an internal error.
    if (first.errors) {
      expect(errorCode(first)).toBe('SERVICE_UNAVAILABLE');
      expect(first.status).toBe(503);
    } else {
      expect(first.data.requestRefund).toMatchObject({ refundNo, status: 'PROCESSING' });
    }
  });

  it('the sweep heals a committed refund that WeChat never heard of (its message was lost)', async () => {
    const { customer, orderNo } = await unpaidOrder(app, 4_000);
    await payAndShip(app, customer, orderNo);
    // What a rolled-back half message leaves: the refund row and REFUNDING committed, no message.
    const [payment] = await queryRows<{ transaction_id: string; amount_fen: number }>(app.databaseUrl, 'select transaction_id, amount_fen from payment where order_no = ?', [orderNo]);
    const refundNo = `RF${payment!.transaction_id}`;
    const old = new Date(Date.now() - 60_000);
    await queryRows(app.databaseUrl, "insert into refund (refund_no, order_no, user_id, transaction_id, amount_fen, total_fen, reason, source, status, wx_refund_id, succeeded_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 'lost message', 'USER', 'PROCESSING', null, null, ?, ?)", [refundNo, orderNo, customer.userId, payment!.transaction_id, payment!.amount_fen, payment!.amount_fen, old, old]);
    await queryRows(app.databaseUrl, "update orders set status = 'REFUNDING' where order_no = ?", [orderNo]);

    expect(await refunds(app).sweep(new Date(), 30_000)).toBe(1);
    await eventually(async () => (await orderStatus(app, orderNo)) === 'REFUNDED', { what: 'swept refund completed', timeoutMs: 20_000 });
    expect(sim(app).refundRecord(refundNo)?.status).toBe('SUCCESS');
    await eventually(async () => (await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 2, { what: 'points reversed' });
    // Healed: the next sweep has nothing to announce.
    expect(await refunds(app).sweep(new Date(), 30_000)).toBe(0);
  });

  it('a payment SMS claimed by a worker that died is retried until its lease ends, then sent once', async () => {
    const orderNo = 'SMSCLAIM0000000000000001';
    const { definition, message, sent } = smsDelivery(orderNo, 2);
    // The dead worker's claim: no message id, taken just now.
    await queryRows(app.databaseUrl, 'insert into payment_sms (order_no, message_id, created_at) values (?, null, ?)', [orderNo, new Date()]);

    expect(await app.consumers.run(definition, message)).toBe('retry');
    expect(sent()).toBe(0);

    await queryRows(app.databaseUrl, 'update payment_sms set created_at = ? where order_no = ?', [new Date(Date.now() - 31_000), orderNo]);
    expect(await app.consumers.run(definition, message)).toBe('ack');
    expect(sent()).toBe(1);
    await app.redis.del(`idem:push-pay-success:${orderNo}`);
    expect(await app.consumers.run(definition, message)).toBe('ack');
    expect(sent()).toBe(1);
    const [row] = await queryRows<{ message_id: string | null }>(app.databaseUrl, 'select message_id from payment_sms where order_no = ?', [orderNo]);
    expect(row!.message_id).not.toBeNull();
  });

  it('a payment SMS whose record is lost with its connection is recorded on a new one, and sent once', async () => {
    const orderNo = 'SMSLOSTREC00000000000001';
    const { definition, message, sent } = smsDelivery(orderNo, 1);
    // The SMS goes out, then the connection dies as its message id is written (the chaos suite's
    // dropped connections once hit exactly there, and the redelivery sent it again after the lease).
    const dropped = mysql.dropOnStatement(new RegExp(`update \`payment_sms\` set \`message_id\` = '[^']*' where \`order_no\` = '${orderNo}'`));
    expect(await app.consumers.run(definition, message)).toBe('ack');
    await dropped;
    expect(sent()).toBe(1);
    const [row] = await queryRows<{ message_id: string | null }>(app.databaseUrl, 'select message_id from payment_sms where order_no = ?', [orderNo]);
    expect(row!.message_id).toBe(sim(app).sentSms().find((m) => m.params.orderNo === orderNo)!.messageId);
    // A redelivery finds it sent.
    await app.redis.del(`idem:push-pay-success:${orderNo}`);
    expect(await app.consumers.run(definition, message)).toBe('ack');
    expect(sent()).toBe(1);
  });

  it('a first login that fails because Redis is down says firstLogin on the retry; one coupon', async () => {
    const code = 'code-first-login-redis-down';
    const openid = sim(app).openidFor(code);
    redis.cut();
    let failed;
    try {
      failed = await gql(app.url, LOGIN, { code });
    } finally {
      redis.restore();
    }
    expect(errorCode(failed)).toBe('SERVICE_UNAVAILABLE');
    expect(errorReason(failed)).toBe('SESSION_STORE_UNAVAILABLE');
    expect(failed.status).toBe(503);
    expect(await countRows(app, 'select count(*) as n from user where openid = ?', [openid])).toBe(1);

    const retried = await eventually(async () => (await gql(app.url, LOGIN, { code })).data?.login, { what: 'login after Redis came back', timeoutMs: 10_000, intervalMs: 200 });
    expect(retried.firstLogin).toBe(true);
    expect((await gql(app.url, LOGIN, { code })).data.login.firstLogin).toBe(false);
    await eventually(async () => (await newUserCoupons(app, openid)) === 1, { what: 'new-user coupon' });
  });

  it("a first login whose COMMIT answer is lost says firstLogin on the retry; one coupon", async () => {
    const code = 'code-first-login-commit-lost';
    const openid = sim(app).openidFor(code);
    const lost = mysql.loseCommitAnswers(1, /insert into `user`/);
    const first = await gql(app.url, LOGIN, { code });
    await lost;
    if (first.errors) {
      expect(errorCode(first)).toBe('SERVICE_UNAVAILABLE');
      expect(first.status).toBe(503);
    }
    const logins = [first.data?.login, (await gql(app.url, LOGIN, { code })).data.login, (await gql(app.url, LOGIN, { code })).data.login].filter(Boolean);
    // Exactly one successful login said "first", and it was the first that succeeded.
    expect(logins.map((l) => l.firstLogin)).toEqual([true, ...logins.slice(1).map(() => false)]);
    await eventually(async () => (await newUserCoupons(app, openid)) === 1, { what: 'new-user coupon' });
    expect(await countRows(app, 'select count(*) as n from user where openid = ?', [openid])).toBe(1);
  });

  it('a dropped MySQL connection answers a retryable SERVICE_UNAVAILABLE with HTTP 503, and /readyz reports every dependency', async () => {
    const customer = await loginWithCoupon(app);
    mysql.cut();
    let r;
    try {
      r = await gql(app.url, operation('orders'), {}, customer.token);
    } finally {
      mysql.restore();
    }
    expect(errorCode(r)).toBe('SERVICE_UNAVAILABLE');
    expect(r.errors![0]!.extensions!.retryable).toBe(true);
    expect(r.status).toBe(503);
    const ready = await fetch(`${app.url}/readyz`).then((res) => res.json() as Promise<{ checks: Record<string, boolean> }>);
    expect(ready.checks).toEqual({ mysql: true, redis: true, broker: true });
    await app.broker!.close();
    const down = await fetch(`${app.url}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { checks: Record<string, boolean> }).checks.broker).toBe(false);
  });
});
