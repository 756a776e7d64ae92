import { generateRsaKeyPair } from '../../../src/infra/wechat/simulator/index.js';
import { errorCode, errorReason, gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { skuRow } from '../order/helpers.js';
import { gqlPay, notification, orderStatus, paidResource, payOps, postNotify, sim, published, unpaidOrder, suiteWithBrokerOutage } from './helpers.js';
import { countRows } from '../../helpers/test-db.js';
import { login } from '../../helpers/actors.js';

describe('payOrder and the WeChat Pay notify endpoint', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ database: 'payment_notify' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('payOrder returns signed wx.requestPayment params for the owner only', async () => {
    const { customer, orderNo, payableFen } = await unpaidOrder(app, 2500);
    const r = await gqlPay(app, customer, orderNo);
    expect(r.errors).toBeUndefined();
    expect(r.data.payOrder).toMatchObject({ appId: sim(app).appId, signType: 'RSA' });
    expect(r.data.payOrder.package).toMatch(/^prepay_id=/);
    expect(r.data.payOrder.timeStamp).toMatch(/^\d{10}$/);
    expect(r.data.payOrder.paySign.length).toBeGreaterThan(100);
    expect(sim(app).transaction(orderNo)).toMatchObject({ totalFen: payableFen, tradeState: 'NOTPAY' });

    const stranger = await login(app);
    const other = await gqlPay(app, stranger, orderNo);
    expect(errorCode(other)).toBe('NOT_FOUND');
    const anonymous = await gql(app.url, payOps.payOrder, { orderNo });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });

  describe('an untrustworthy notification is refused and changes nothing', () => {
    let orderNo: string;
    let payableFen: number;
    let skuId: number;
    beforeAll(async () => {
      ({ orderNo, payableFen, skuId } = await unpaidOrder(app, 3300));
    });
    afterEach(async () => {
      expect(await countRows(app, 'select count(*) as n from payment')).toBe(0);
      expect(await orderStatus(app, orderNo)).toBe('PENDING_PAYMENT');
      expect(await skuRow(app, skuId)).toEqual({ stock: 99, reserved: 1, sold: 0 });
      expect(await published(app)).toBe(0);
      expect(await countRows(app, "select count(*) as n from outbox_message where topic = 'TopicOrderStatus' and tag = 'PAID'")).toBe(0);
    });

    const cases: [string, () => ReturnType<typeof notification>, number, string][] = [
      ['forged signature', () => notification(app, paidResource(app, orderNo, payableFen), { platformPrivateKey: generateRsaKeyPair().privateKey }), 401, 'WECHAT_PAY_SIGNATURE_INVALID'],
      ['unknown platform serial', () => notification(app, paidResource(app, orderNo, payableFen), { platformSerialNo: '7A1B2C3D4E5F60718293A4B5C6D7E8F9' }), 401, 'WECHAT_PAY_UNKNOWN_SERIAL'],
      ['stale timestamp', () => notification(app, paidResource(app, orderNo, payableFen), { timestamp: Math.floor(Date.now() / 1000) - 600 }), 401, 'WECHAT_PAY_TIMESTAMP_STALE'],
      ['tampered ciphertext', () => notification(app, paidResource(app, orderNo, payableFen), { tamperCiphertext: true }), 400, 'WECHAT_PAY_DECRYPT_FAILED'],
      ['amount mismatch', () => notification(app, paidResource(app, orderNo, payableFen - 1)), 400, 'AMOUNT_MISMATCH'],
      ['unknown order', () => notification(app, paidResource(app, 'NO20990101000000000000000000001', payableFen)), 400, 'ORDER_NOT_FOUND'],
      ['trade not successful', () => notification(app, paidResource(app, orderNo, payableFen, { trade_state: 'NOTPAY' })), 400, 'TRADE_NOT_SUCCESS'],
    ];
    it.each(cases)('%s → failure answer', async (_name, build, status, message) => {
      const answer = await postNotify(app, build());
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.body)).toEqual({ code: 'FAIL', message });
    });

    it('a body that is not a notification at all → failure', async () => {
      const built = notification(app, paidResource(app, orderNo, payableFen));
      const answer = await postNotify(app, { headers: built.headers, body: built.body.replace('"', "'") });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).code).toBe('FAIL');
    });
  });

  it('simulatePayment: paid once, stock sold, fan-out done, order shipped', async () => {
    const { customer, orderNo, payableFen, skuId } = await unpaidOrder(app, 12_000);
    const r = await gql(app.url, payOps.simulatePayment, { orderNo }, customer.token);
    expect(r.errors).toBeUndefined();
    expect(r.data.simulatePayment).toBe(true);
    await eventually(async () => (await orderStatus(app, orderNo)) === 'SHIPPED', { what: 'order shipped' });
    expect(await skuRow(app, skuId)).toEqual({ stock: 99, reserved: 0, sold: 1 });
    expect(await countRows(app, "select count(*) as n from payment where order_no = ? and outcome = 'APPLIED'", [orderNo])).toBe(1);
    await eventually(async () => (await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 1, { what: 'points' });
    const me = await gql(app.url, payOps.me, {}, customer.token);
    expect(me.data.me.points).toBe(Math.floor(payableFen / 100));
    await eventually(() => sim(app).sentSms().filter((s) => s.params.orderNo === orderNo).length === 1, { what: 'SMS' });
    await eventually(async () => (await countRows(app, "select count(*) as n from user_coupon uc join coupon c on c.id = uc.coupon_id where uc.user_id = ? and c.code = 'PAY_REWARD'", [customer.userId])) === 1, { what: 'reward coupon' });
    expect(sim(app).waybills().filter((w) => w.orderNo === orderNo)).toHaveLength(1);

    const again = await gql(app.url, payOps.simulatePayment, { orderNo }, customer.token);
    expect(errorCode(again)).toBe('CONFLICT');
    expect(errorReason(again)).toBe('ORDER_NOT_PAYABLE');
  });
});

describe('a pay notification while the broker is down', () => {
  const suite = suiteWithBrokerOutage('payment_notify_down');

  it('is accepted: the payment commits with its messages, which go out once the broker is back', async () => {
    const app = suite.app();
    const { orderNo, payableFen, skuId } = await unpaidOrder(app, 2_500);
    const built = notification(app, paidResource(app, orderNo, payableFen));
    suite.cutBroker();

    // WeChat needs nothing from the broker: the payment and its messages commit together.
    expect((await postNotify(app, built)).status).toBe(204);
    expect(await countRows(app, 'select count(*) as n from payment')).toBe(1);
    expect(await orderStatus(app, orderNo)).toBe('PAID');
    expect(await skuRow(app, skuId)).toEqual({ stock: 99, reserved: 0, sold: 1 });
    const waiting = () => countRows(app, "select count(*) as n from outbox_message where message_key = ? and tag = 'PAID'", [orderNo]);
    expect(await waiting()).toBe(2);
    // A copy that arrives meanwhile is a duplicate.
    expect((await postNotify(app, built)).status).toBe(204);
    expect(await countRows(app, 'select count(*) as n from payment')).toBe(1);

    suite.restoreBroker();
    await eventually(async () => (await orderStatus(app, orderNo)) === 'SHIPPED', { what: 'the fan-out after the broker came back', timeoutMs: 30_000 });
    // SHIPPED proves one PAID message arrived, not both: on a real RocketMQ the other can still be
    // on its way (a send retried after the proxy resumed, or left to the sweep), its row not yet
    // deleted. Both must go out, once each.
    await eventually(async () => (await waiting()) === 0, { what: 'both PAID rows published and deleted', timeoutMs: 30_000 });
    await eventually(async () => (await countRows(app, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 1, { what: 'points credited once' });
  });
});
