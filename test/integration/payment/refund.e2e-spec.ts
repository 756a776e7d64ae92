import type { IncomingMessage } from '../../../src/infra/mq/message-bus.port.js';
import { MESSAGE_SCHEMA_VERSION } from '../../../src/infra/mq/message-bus.port.js';
import type { ConsumerDefinition } from '../../../src/infra/mq/consumer-runner.js';
import { Topics } from '../../../src/infra/mq/topics.js';
import { refundMessage } from '../../../src/modules/refund/refund.service.js';
import { errorCode, errorReason, gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';
import { couponStatus, createSkus, placeOrder } from '../order/helpers.js';
import { loginWithCoupon, type Customer } from '../../helpers/actors.js';
import { countRows } from '../../helpers/test-db.js';
import { dropNextEndTransactions, orderStatus, payOps, refunds, sim, checkBacks, unpaidOrder, suiteWithBrokerOutage } from './helpers.js';

/** Pays the order through the simulator (prepay, user pays, signed notification) and waits for SHIPPED. */
async function payAndShip(app: TestApp, customer: Customer, orderNo: string): Promise<string> {
  expect((await gql(app.url, payOps.payOrder, { orderNo }, customer.token)).errors).toBeUndefined();
  const { transactionId, delivery } = await sim(app).pay(orderNo);
  expect((await delivery).attempts.at(-1)?.status).toBe(204);
  await eventually(async () => (await orderStatus(app, orderNo)) === 'SHIPPED', { what: `order ${orderNo} shipped` });
  await eventually(async () => (await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 1, { what: 'points awarded' });
  return transactionId;
}

async function points(app: TestApp, userId: number): Promise<number> {
  const [row] = await queryRows<{ points: number }>(app.databaseUrl, 'select points from user where id = ?', [userId]);
  return Number(row!.points);
}

function redelivery<T>(topic: string, tag: string, key: string, data: T): IncomingMessage<T> {
  return { messageId: `redelivered-${key}-${Math.random()}`, topic, tag, keys: [key], deliveryAttempt: 2, envelope: { v: MESSAGE_SCHEMA_VERSION, key, producedAt: new Date().toISOString(), data } };
}

describe('refunds through a transactional message', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ database: 'payment_refund' });
    refunds(app).checkRollbackAfterMs = 1_000;
  });
  afterAll(async () => {
    await app?.close();
  });

  let refunded: { customer: Customer & { couponId: string }; orderNo: string; refundNo: string; transactionId: string; payableFen: number };

  it('refunds a shipped order: money, coupon and points come back; asking again returns the same refund', async () => {
    const customer = await loginWithCoupon(app);
    const [skuId] = await createSkus(app, 1, [{ priceFen: 12_000, stock: 10 }]);
    const placed = await placeOrder(app, customer, { storeId: '1', items: [{ skuId: String(skuId), quantity: 1 }], couponId: customer.couponId });
    expect(placed.errors).toBeUndefined();
    const { orderNo, payableFen } = placed.data.placeOrder;
    expect(payableFen).toBe(11_000);
    const transactionId = await payAndShip(app, customer, orderNo);
    expect(await points(app, customer.userId)).toBe(110);
    expect((await couponStatus(app, customer.couponId)).status).toBe('USED');

    const r = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'changed my mind' }, customer.token);
    expect(r.errors).toBeUndefined();
    expect(r.data.requestRefund).toMatchObject({ status: 'PROCESSING', amountFen: payableFen });
    const { refundNo } = r.data.requestRefund;
    expect(await orderStatus(app, orderNo)).toBe('REFUNDING');

    await eventually(async () => (await orderStatus(app, orderNo)) === 'REFUNDED', { what: 'order refunded' });
    await eventually(async () => (await couponStatus(app, customer.couponId)).status === 'AVAILABLE', { what: 'coupon returned' });
    await eventually(async () => (await points(app, customer.userId)) === 0, { what: 'points reversed' });
    expect(await countRows(app, "select count(*) as n from refund where refund_no = ? and status = 'SUCCESS'", [refundNo])).toBe(1);
    expect(sim(app).refundRecord(refundNo)).toMatchObject({ status: 'SUCCESS', refundFen: payableFen });

    const again = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'again' }, customer.token);
    expect(again.data.requestRefund).toMatchObject({ refundNo, status: 'SUCCESS' });
    expect(await countRows(app, 'select count(*) as n from refund where order_no = ?', [orderNo])).toBe(1);
    refunded = { customer, orderNo, refundNo, transactionId, payableFen };
  });

  it('every consumer is idempotent under redelivery (Redis guard cleared: the database decides)', async () => {
    const { customer, orderNo, refundNo, transactionId, payableFen } = refunded;
    const byName = new Map(app.consumers.definitions.map((d) => [d.name, d as ConsumerDefinition<any>]));
    const refundEvent = { refundNo, orderNo, userId: customer.userId, transactionId, amountFen: payableFen, totalFen: payableFen, source: 'USER', reason: 'changed my mind', userCouponId: Number(customer.couponId) };
    const paidEvent = { orderNo, userId: customer.userId, storeId: 1, transactionId, payableFen, totalFen: 12_000, paidAt: new Date().toISOString(), attemptId: 'redelivery' };
    const refundCallsBefore = sim(app).callsTo('refund');
    const smsBefore = sim(app).sentSms().length;
    const waybillsBefore = sim(app).waybills().length;
    for (const [name, message] of [
      ['refund-pay', redelivery(Topics.OrderRefund, 'USER', refundNo, refundEvent)],
      ['coupon-refund', redelivery(Topics.OrderRefund, 'USER', refundNo, refundEvent)],
      ['points-refund', redelivery(Topics.OrderRefund, 'USER', refundNo, refundEvent)],
      ['points-award', redelivery(Topics.OrderPaySuccess, 'PAID', orderNo, paidEvent)],
      ['coupon-pay-reward', redelivery(Topics.OrderPaySuccess, 'PAID', orderNo, paidEvent)],
      ['push-pay-success', redelivery(Topics.OrderPaySuccess, 'PAID', orderNo, paidEvent)],
      ['shipping', redelivery(Topics.OrderPaySuccess, 'PAID', orderNo, paidEvent)],
    ] as const) {
      const definition = byName.get(name);
      expect(definition).toBeDefined();
      for (let i = 0; i < 2; i++) {
        await app.redis.del(`idem:${name}:${definition!.idempotencyKey!(message as never)}`);
        expect(await app.consumers.run(definition!, message as never)).toBe('ack');
      }
    }
    expect(sim(app).callsTo('refund')).toBe(refundCallsBefore);
    expect(sim(app).sentSms().length).toBe(smsBefore);
    expect(sim(app).waybills().length).toBe(waybillsBefore);
    expect(await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])).toBe(2);
    expect(await points(app, customer.userId)).toBe(0);
    expect((await couponStatus(app, customer.couponId)).status).toBe('AVAILABLE');
    expect(await countRows(app, "select count(*) as n from user_coupon uc join coupon c on c.id = uc.coupon_id where uc.user_id = ? and c.code = 'PAY_REWARD'", [customer.userId])).toBe(1);
    expect(await orderStatus(app, orderNo)).toBe('REFUNDED');
  });

  it('a crash after the local refund transaction: the check-back answers commit and the refund completes', async () => {
    const { customer, orderNo } = await unpaidOrder(app, 6_000);
    await payAndShip(app, customer, orderNo);
    const restore = dropNextEndTransactions(app, 1);
    let refundNo: string;
    try {
      const r = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'broken' }, customer.token);
      expect(r.errors).toBeUndefined();
      refundNo = r.data.requestRefund.refundNo;
    } finally {
      restore();
    }
    expect(await orderStatus(app, orderNo)).toBe('REFUNDING');
    await eventually(async () => (await orderStatus(app, orderNo)) === 'REFUNDED', { what: 'refund completed after the check-back', timeoutMs: 30_000 });
    // Its commit never reached the broker: only the broker's check-back, answered commit, released it.
    expect(checkBacks(app, refundNo!).map((c) => c.decision)).toContain('commit');
    expect(await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])).toBe(2);
    expect(sim(app).refundRecord(refundNo!)?.status).toBe('SUCCESS');
  });

  it('a half refund message without a local refund row is rolled back by the check-back: no consumer sees it', async () => {
    const refundNo = 'RF-never-committed-0001';
    const restore = dropNextEndTransactions(app, 1, { alsoRollback: true });
    try {
      await expect(
        app.bus.publishTransactional(
          refundMessage({ refundNo, orderNo: 'NO-SUCH-ORDER', userId: 1, transactionId: 'T-NONE', amountFen: 100, totalFen: 100, source: 'USER', reason: 'x', userCouponId: null }),
          async () => {
            throw new Error('simulated crash before the refund row was written');
          },
        ),
      ).rejects.toThrow('simulated crash');
    } finally {
      restore();
    }
    // Neither commit nor rollback reached the broker: its check-back decides, from the database.
    await eventually(() => checkBacks(app, refundNo).some((c) => c.decision === 'rollback'), { what: 'the check-back rolled it back', timeoutMs: 30_000 });
    // Rolled back is gone: give a wrongly delivered message time to reach a consumer.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(app.logs.lines.some((l) => l.includes(refundNo) && l.includes('"consumer"'))).toBe(false);
    expect(sim(app).refundRecord(refundNo)).toBeUndefined();
  });

  it('refuses orders that are not paid, and other users', async () => {
    const { customer, orderNo } = await unpaidOrder(app, 2_000);
    const r = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'x' }, customer.token);
    expect(errorCode(r)).toBe('CONFLICT');
    expect(errorReason(r)).toBe('ORDER_NOT_REFUNDABLE');
    const other = await gql(app.url, payOps.requestRefund, { orderNo: refunded.orderNo, reason: 'x' }, customer.token);
    expect(errorCode(other)).toBe('NOT_FOUND');
    const blank = await gql(app.url, payOps.requestRefund, { orderNo, reason: '  ' }, customer.token);
    expect(errorCode(blank)).toBe('BAD_USER_INPUT');
  });
});

describe('refund while the broker is down', () => {
  const suite = suiteWithBrokerOutage('payment_refund_down');

  it('answers SERVICE_UNAVAILABLE and changes nothing', async () => {
    const app = suite.app();
    const { customer, orderNo } = await unpaidOrder(app, 3_000);
    await payAndShip(app, customer, orderNo);
    suite.cutBroker();
    // The broker stays down until after the answer: answering at all means the request did not wait for it.
    const r = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'broker is down' }, customer.token);
    expect(errorCode(r)).toBe('SERVICE_UNAVAILABLE');
    expect(errorReason(r)).toBe('REFUND_UNAVAILABLE');
    expect(r.errors![0]!.message).toMatch(/nothing was changed/);
    expect(await countRows(app, 'select count(*) as n from refund')).toBe(0);
    expect(await orderStatus(app, orderNo)).toBe('SHIPPED');
    expect(await countRows(app, "select count(*) as n from outbox_message where tag = 'REFUNDING'")).toBe(0);

    // The broker comes back: the same request now goes through.
    suite.restoreBroker();
    const retried = await eventually(async () => {
      const again = await gql(app.url, payOps.requestRefund, { orderNo, reason: 'broker is back' }, customer.token);
      return again.data?.requestRefund;
    }, { what: 'refund accepted after the broker came back', timeoutMs: 20_000, intervalMs: 500 });
    expect(retried.status).toBe('PROCESSING');
    expect(await orderStatus(app, orderNo)).toBe('REFUNDING');
  });
});
