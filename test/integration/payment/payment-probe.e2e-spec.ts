import { PAY_NOTIFY_PATH } from '../../../src/infra/wechat/externals.js';
import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';
import { orderStatus, payOps, sim, unpaidOrder } from './helpers.js';

describe('the timeout consumer asks WeChat Pay before it cancels (PaymentStatusProbe)', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Long enough for each order's setup (place, then payOrder at once) on a busy machine; the
    // tests then wait for the deadline to pass.
    app = await startTestApp({ database: 'payment_probe', env: { ORDER_PAYMENT_TIMEOUT: '5s' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a paid order whose notification was lost is recorded as paid, not cancelled; unpaid ones are closed', async () => {
    const prepaidOrder = async () => {
      const o = await unpaidOrder(app, 2_000);
      expect((await gql(app.url, payOps.payOrder, { orderNo: o.orderNo }, o.customer.token)).errors).toBeUndefined();
      return o;
    };
    const paid = await prepaidOrder();
    const unpaid = await prepaidOrder();
    const neverPrepaid = await unpaidOrder(app, 2_000);

    sim(app).setNotifyUrl('http://127.0.0.1:9/lost'); // every notification is lost
    const { transactionId } = await sim(app).pay(paid.orderNo);
    try {
      await eventually(async () => ['PAID', 'SHIPPED'].includes((await orderStatus(app, paid.orderNo)) ?? ''), { what: 'paid through the probe', timeoutMs: 20_000 });
    } finally {
      sim(app).setNotifyUrl(`${app.url}${PAY_NOTIFY_PATH}`);
    }
    const [payment] = await queryRows<{ source: string; transaction_id: string }>(app.databaseUrl, 'select source, transaction_id from payment where order_no = ?', [paid.orderNo]);
    expect(payment).toEqual({ source: 'QUERY', transaction_id: transactionId });

    await eventually(async () => (await orderStatus(app, unpaid.orderNo)) === 'CANCELLED', { what: 'unpaid order closed', timeoutMs: 20_000 });
    await eventually(async () => (await orderStatus(app, neverPrepaid.orderNo)) === 'CANCELLED', { what: 'never prepaid order closed', timeoutMs: 20_000 });
    // The unpaid trade is closed at WeChat too: it can no longer be paid.
    expect(sim(app).transaction(unpaid.orderNo)?.tradeState).toBe('CLOSED');
    await eventually(async () => (await orderStatus(app, paid.orderNo)) === 'SHIPPED', { what: 'paid order shipped' });
  });

  it('payOrder records the prepay request first; an order never prepaid is closed without a call to WeChat Pay', async () => {
    const prepaid = await unpaidOrder(app, 2_000);
    expect((await gql(app.url, payOps.payOrder, { orderNo: prepaid.orderNo }, prepaid.customer.token)).errors).toBeUndefined();
    const [row] = await queryRows<{ prepay_requested_at: Date | null }>(app.databaseUrl, 'select prepay_requested_at from orders where order_no = ?', [prepaid.orderNo]);
    expect(row!.prepay_requested_at).not.toBeNull();
    await eventually(async () => (await orderStatus(app, prepaid.orderNo)) === 'CANCELLED', { what: 'prepaid order closed', timeoutMs: 20_000 });

    // Nothing else is pending in this app now: every call to WeChat Pay from here on would be this order's.
    const before = { query: sim(app).callsTo('queryOrder'), close: sim(app).callsTo('closeOrder') };
    const neverPrepaid = await unpaidOrder(app, 2_000);
    await eventually(async () => (await orderStatus(app, neverPrepaid.orderNo)) === 'CANCELLED', { what: 'never prepaid order closed', timeoutMs: 20_000 });
    expect({ query: sim(app).callsTo('queryOrder'), close: sim(app).callsTo('closeOrder') }).toEqual(before);
    expect(sim(app).transaction(neverPrepaid.orderNo)).toBeUndefined();
  });
});
