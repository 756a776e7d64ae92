import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually, sleep } from '../../helpers/wait.js';
import { catalog, skuRow } from '../order/helpers.js';
import { countRows } from '../../helpers/test-db.js';
import { notification, orderStatus, paidResource, payOps, postNotify, sim, skipNextOutboxPublishes, published, unpaidOrder } from './helpers.js';

/** Every effect of one paid order, counted from the rows and the simulator. */
async function effects(app: TestApp, orderNo: string, userId: number) {
  return {
    payments: await countRows(app, 'select count(*) as n from payment where order_no = ?', [orderNo]),
    status: await orderStatus(app, orderNo),
    points: await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo]),
    rewardCoupons: await countRows(app, "select count(*) as n from user_coupon uc join coupon c on c.id = uc.coupon_id where uc.user_id = ? and c.code = 'PAY_REWARD'", [userId]),
    sms: sim(app).sentSms().filter((s) => s.params.orderNo === orderNo).length,
    waybills: sim(app).waybills().filter((w) => w.orderNo === orderNo).length,
    shipments: await countRows(app, 'select count(*) as n from shipment where order_no = ?', [orderNo]),
  };
}
const ALL_ONCE = { payments: 1, status: 'SHIPPED', points: 1, rewardCoupons: 1, sms: 1, waybills: 1, shipments: 1 };

describe('pay notification: exactly once, fanned out through the outbox', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ database: 'payment_fanout' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('20 concurrent copies of one notification: one payment, every effect exactly once', async () => {
    const { customer, orderNo, payableFen, skuId } = await unpaidOrder(app, 15_000);
    const built = notification(app, paidResource(app, orderNo, payableFen));
    const answers = await Promise.all(Array.from({ length: 20 }, () => postNotify(app, built)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(204));
    expect(await countRows(app, 'select count(*) as n from payment where order_no = ?', [orderNo])).toBe(1);
    expect(await skuRow(app, skuId)).toEqual({ stock: 99, reserved: 0, sold: 1 });

    await eventually(async () => {
      const e = await effects(app, orderNo, customer.userId);
      return e.status === 'SHIPPED' && e.points === 1 && e.rewardCoupons === 1 && e.sms === 1;
    }, { what: 'all effects' });
    // Give redeliveries and late duplicates time to show up, then count again.
    await sleep(1_500);
    expect(await effects(app, orderNo, customer.userId)).toMatchObject(ALL_ONCE);
    const me = await gql(app.url, payOps.me, {}, customer.token);
    expect(me.data.me.points).toBe(Math.floor(payableFen / 100));
    expect(await outboxRows(app, orderNo)).toBe(0);

    // A re-delivery long after (WeChat re-sends until it sees 2xx) is a duplicate, answered 204.
    const transactionId = await firstTransactionId(app, orderNo);
    expect((await postNotify(app, notification(app, paidResource(app, orderNo, payableFen, { transaction_id: transactionId })))).status).toBe(204);
    expect(await countRows(app, 'select count(*) as n from payment where order_no = ?', [orderNo])).toBe(1);
  });

  it('a crash right after the local commit (nothing published): the outbox sweep publishes, every effect still happens once', async () => {
    const { customer, orderNo, payableFen } = await unpaidOrder(app, 11_000);
    const sentBefore = await published(app);
    const restore = skipNextOutboxPublishes(app, 1);
    try {
      expect((await postNotify(app, notification(app, paidResource(app, orderNo, payableFen)))).status).toBe(204);
    } finally {
      restore();
    }
    // Committed together: the payment, the status and both messages, waiting in the outbox.
    expect(await orderStatus(app, orderNo)).toBe('PAID');
    expect(await outboxRows(app, orderNo)).toBe(2);
    expect(await published(app)).toBe(sentBefore);
    expect(await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])).toBe(0);

    await eventually(async () => {
      const e = await effects(app, orderNo, customer.userId);
      return e.status === 'SHIPPED' && e.points === 1 && e.rewardCoupons === 1 && e.sms === 1;
    }, { what: 'effects after the sweep' });
    await sleep(1_000);
    expect(await effects(app, orderNo, customer.userId)).toMatchObject(ALL_ONCE);
    expect(await outboxRows(app, orderNo)).toBe(0);
  });

  it('a payment transaction that fails midway leaves no row and no message; WeChat retries and it applies once', async () => {
    const { customer, orderNo, payableFen, skuId } = await unpaidOrder(app, 12_000);
    const sentBefore = await published(app);
    const stock = catalog(app);
    const commitSold = stock.commitSold;
    stock.commitSold = async () => {
      throw new Error('simulated crash inside the payment transaction');
    };
    const built = notification(app, paidResource(app, orderNo, payableFen));
    try {
      expect((await postNotify(app, built)).status).toBeGreaterThanOrEqual(500);
    } finally {
      stock.commitSold = commitSold;
    }
    expect(await countRows(app, 'select count(*) as n from payment where order_no = ?', [orderNo])).toBe(0);
    expect(await orderStatus(app, orderNo)).toBe('PENDING_PAYMENT');
    expect(await skuRow(app, skuId)).toEqual({ stock: 99, reserved: 1, sold: 0 });
    expect(await outboxRows(app, orderNo)).toBe(0);
    expect(await published(app)).toBe(sentBefore);

    expect((await postNotify(app, built)).status).toBe(204);
    await eventually(async () => {
      const e = await effects(app, orderNo, customer.userId);
      return e.status === 'SHIPPED' && e.points === 1 && e.rewardCoupons === 1 && e.sms === 1;
    }, { what: 'effects after the retry' });
    expect(await effects(app, orderNo, customer.userId)).toMatchObject(ALL_ONCE);
  });

  it('a payment for an order already cancelled is recorded and refunded automatically', async () => {
    const { customer, orderNo, payableFen, skuId } = await unpaidOrder(app, 4_000);
    // The user opened the payment sheet, then cancelled; the payment still goes through at WeChat.
    expect((await gql(app.url, payOps.payOrder, { orderNo }, customer.token)).errors).toBeUndefined();
    const cancelled = await gql(app.url, payOps.cancelOrder, { orderNo }, customer.token);
    expect(cancelled.errors).toBeUndefined();
    const paid = await sim(app).pay(orderNo);
    const delivery = await paid.delivery;
    expect(delivery.attempts.at(-1)?.status).toBe(204);
    expect(await orderStatus(app, orderNo)).toBe('CANCELLED');
    expect(await countRows(app, "select count(*) as n from payment where order_no = ? and outcome = 'UNAPPLIED'", [orderNo])).toBe(1);
    expect(await skuRow(app, skuId)).toEqual({ stock: 100, reserved: 0, sold: 0 });
    await eventually(async () => (await countRows(app, "select count(*) as n from refund where order_no = ? and source = 'LATE_PAYMENT' and status = 'SUCCESS'", [orderNo])) === 1, { what: 'automatic refund' });
    expect(await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])).toBe(0);
    expect(await countRows(app, 'select count(*) as n from shipment where order_no = ?', [orderNo])).toBe(0);
    // WeChat re-sends: still one payment, one refund.
    const resent = notification(app, { ...sim(app).transactionResource(orderNo), trade_state: 'SUCCESS' });
    expect((await postNotify(app, resent)).status).toBe(204);
    expect(await countRows(app, 'select count(*) as n from refund where order_no = ?', [orderNo])).toBe(1);
    expect(sim(app).refundRecord(`RF${paid.transactionId}`)).toMatchObject({ status: 'SUCCESS', refundFen: payableFen });
  });
});

/** Outbox rows (pay-success and status messages) of one order still waiting to be published. */
async function outboxRows(app: TestApp, orderNo: string): Promise<number> {
  return countRows(app, "select count(*) as n from outbox_message where message_key = ? and tag = 'PAID'", [orderNo]);
}

async function firstTransactionId(app: TestApp, orderNo: string): Promise<string> {
  const { queryRows } = await import('../../helpers/test-db.js');
  const [row] = await queryRows<{ transaction_id: string }>(app.databaseUrl, 'select transaction_id from payment where order_no = ?', [orderNo]);
  return row!.transaction_id;
}
