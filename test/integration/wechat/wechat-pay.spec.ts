import { WechatPayClient } from '../../../src/infra/wechat/pay/wechat-pay.client.js';
import { verifyRequestPaymentParams } from '../../../src/infra/wechat/pay/wechat-pay.crypto.js';
import { errorOf, generateLocalPayKeys, NotifyReceiver, startFakes, type Fakes } from '../../fakes/index.js';

let fakes: Fakes;
let pay: WechatPayClient;
let receiver: NotifyReceiver;
const secretsSeen: string[] = [];
let seq = 0;
const orderNo = () => `WX${Date.now()}${String(++seq).padStart(4, '0')}`;
const openid = () => fakes.sim.openidFor('payer-code');

beforeAll(async () => {
  fakes = await startFakes({ timeoutMs: 500 });
  pay = new WechatPayClient(fakes.payOptions);
  receiver = await NotifyReceiver.start(pay);
  fakes.externals.setNotifyBaseUrl(receiver.baseUrl);
});

afterEach(() => {
  fakes.sim.reset();
});

afterAll(async () => {
  await pay.close();
  await receiver.close();
  await fakes.close();
});

describe('JSAPI prepay and wx.requestPayment parameters', () => {
  it('creates a prepay (signed request, verified answer) and signs requestPayment params the merchant key verifies', async () => {
    const no = orderNo();
    const { prepayId } = await pay.createJsapiPrepay({ outTradeNo: no, description: 'Latte x2', amountFen: 3600, payerOpenid: openid() });
    expect(prepayId).toMatch(/^wx/);
    expect(fakes.sim.transaction(no)).toMatchObject({ tradeState: 'NOTPAY', totalFen: 3600, payerOpenid: openid(), notifyUrl: receiver.url });

    const params = pay.buildRequestPaymentParams(prepayId);
    secretsSeen.push(params.paySign);
    expect(params).toMatchObject({ appId: fakes.sim.appId, package: `prepay_id=${prepayId}`, signType: 'RSA' });
    expect(params.timeStamp).toMatch(/^\d{10}$/);
    expect(params.nonceStr).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(verifyRequestPaymentParams(params, fakes.keys.merchantPublicKey)).toBe(true);

    // Same order again (e.g. the user reopened the pay sheet): same prepay id.
    await expect(pay.createJsapiPrepay({ outTradeNo: no, description: 'Latte x2', amountFen: 3600, payerOpenid: openid() })).resolves.toEqual({ prepayId });
    await expect(pay.queryOrderByOutTradeNo(no)).resolves.toMatchObject({ tradeState: 'NOTPAY', amountFen: 3600 });
  });

  it('the simulator refuses a request signed with another merchant key (SIGN_ERROR)', async () => {
    const forger = new WechatPayClient({ ...fakes.payOptions, merchantPrivateKey: generateLocalPayKeys().merchantPrivateKey });
    try {
      const err = await errorOf(forger.createJsapiPrepay({ outTradeNo: orderNo(), description: 'x', amountFen: 1, payerOpenid: openid() }));
      expect(err.code).toBe('WECHAT_PAY_REQUEST_FAILED');
      expect(err.status).toBe(401);
      expect(err.remoteCode).toBe('SIGN_ERROR');
    } finally {
      await forger.close();
    }
  });

  it('an answer not signed by a trusted platform key is refused', async () => {
    const other = generateLocalPayKeys();
    const wrongKey = new WechatPayClient({ ...fakes.payOptions, platformPublicKeys: { [fakes.sim.platformSerialNo]: other.platformPublicKey } });
    const noKey = new WechatPayClient({ ...fakes.payOptions, platformPublicKeys: { [other.platformSerialNo]: other.platformPublicKey } });
    try {
      const input = { outTradeNo: orderNo(), description: 'x', amountFen: 1, payerOpenid: openid() };
      expect((await errorOf(wrongKey.createJsapiPrepay(input))).code).toBe('WECHAT_PAY_SIGNATURE_INVALID');
      expect((await errorOf(noKey.queryOrderByOutTradeNo(input.outTradeNo))).code).toBe('WECHAT_PAY_UNKNOWN_SERIAL');
    } finally {
      await wrongKey.close();
      await noKey.close();
    }
  });

  it('5xx, reset and timeout → WECHAT_PAY_UNAVAILABLE (retryable); a 4xx → WECHAT_PAY_REQUEST_FAILED', async () => {
    const input = { outTradeNo: orderNo(), description: 'x', amountFen: 100, payerOpenid: openid() };
    fakes.sim.failNext('pay', 1, 'http500');
    fakes.sim.failNext('pay', 1, 'reset');
    fakes.sim.failNext('pay', 1, 'timeout');
    fakes.sim.failNext('pay', 1, 'busy');
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push(await errorOf(pay.createJsapiPrepay(input)));
    expect(errors.map((e) => e.code)).toEqual(['WECHAT_PAY_UNAVAILABLE', 'WECHAT_PAY_UNAVAILABLE', 'WECHAT_PAY_UNAVAILABLE', 'WECHAT_PAY_UNAVAILABLE']);
    expect(errors.every((e) => e.retryable)).toBe(true);
    expect(errors.map((e) => e.status ?? e.transport)).toEqual([500, expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/), 'timeout', 429]);
    await expect(pay.createJsapiPrepay(input)).resolves.toHaveProperty('prepayId');

    const missing = await errorOf(pay.queryOrderByOutTradeNo(orderNo()));
    expect(missing).toMatchObject({ code: 'WECHAT_PAY_REQUEST_FAILED', status: 404, remoteCode: 'ORDER_NOT_EXIST', retryable: false });
  });
});

describe('payment notification', () => {
  it('sim.pay delivers a signed, encrypted notification the real verifyNotification accepts', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Mocha', amountFen: 2800, payerOpenid: openid() });
    const { transactionId, delivery } = await fakes.sim.pay(no);
    const notification = await receiver.waitFor((n) => n.kind === 'transaction' && n.transaction.out_trade_no === no);
    if (notification.kind !== 'transaction') throw new Error('unreachable');
    expect(notification.event_type).toBe('TRANSACTION.SUCCESS');
    expect(notification.transaction).toMatchObject({
      appid: fakes.sim.appId,
      mchid: fakes.sim.mchId,
      out_trade_no: no,
      transaction_id: transactionId,
      trade_state: 'SUCCESS',
      payer: { openid: openid() },
      amount: { total: 2800, payer_total: 2800, currency: 'CNY' },
    });
    expect(notification.transaction.success_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    await expect(delivery).resolves.toMatchObject({ state: 'delivered', attempts: [{ status: 204 }] });
    await expect(pay.queryOrderByOutTradeNo(no)).resolves.toMatchObject({ tradeState: 'SUCCESS', transactionId, amountFen: 2800, payerOpenid: openid() });

    // A paid order can no longer be closed or prepaid.
    expect(await errorOf(pay.closeOrder(no))).toMatchObject({ code: 'WECHAT_PAY_REQUEST_FAILED', remoteCode: 'ORDERPAID' });
    expect(await errorOf(pay.createJsapiPrepay({ outTradeNo: no, description: 'Mocha', amountFen: 2800, payerOpenid: openid() }))).toMatchObject({ remoteCode: 'ORDERPAID' });
  });

  it('re-delivers with backoff until the merchant answers success', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Tea', amountFen: 1200, payerOpenid: openid() });
    receiver.failNext(2);
    const { delivery } = await fakes.sim.pay(no);
    const done = await delivery;
    expect(done.state).toBe('delivered');
    expect(done.attempts.map((a) => a.status)).toEqual([500, 500, 204]);
    expect(receiver.received.filter((n) => n.kind === 'transaction' && n.transaction.out_trade_no === no)).toHaveLength(1);
  });

  it('gives up after the retry schedule when the merchant never acknowledges', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Tea', amountFen: 1200, payerOpenid: openid() });
    receiver.failNext(100);
    const { delivery } = await fakes.sim.pay(no);
    const done = await delivery;
    receiver.failNext(0);
    expect(done.state).toBe('failed');
    expect(done.attempts).toHaveLength(4); // first try + 3 retries (fakes use [50, 100, 200] ms)
  });

  it('the receiver rejects crafted forgeries with the right codes and answers 4xx', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Tea', amountFen: 1200, payerOpenid: openid() });
    const resource = fakes.sim.transactionResource(no);
    const stale = fakes.sim.buildNotification({ resource, timestamp: Math.floor(Date.now() / 1000) - 600 });
    const tampered = fakes.sim.buildNotification({ resource, tamperCiphertext: true });
    const forged = fakes.sim.buildNotification({ resource, platformPrivateKey: generateLocalPayKeys().platformPrivateKey });
    const statuses: number[] = [];
    for (const n of [stale, tampered, forged]) {
      const res = await fetch(receiver.url, { method: 'POST', headers: n.headers, body: n.body });
      statuses.push(res.status);
      expect(await res.json()).toMatchObject({ code: 'FAIL' });
    }
    expect(statuses).toEqual([401, 400, 401]);
    expect(receiver.rejected.slice(-3)).toEqual(['WECHAT_PAY_TIMESTAMP_STALE', 'WECHAT_PAY_DECRYPT_FAILED', 'WECHAT_PAY_SIGNATURE_INVALID']);
  });
});

describe('close and refund', () => {
  it('closes an unpaid order', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Tea', amountFen: 1200, payerOpenid: openid() });
    await pay.closeOrder(no);
    await expect(pay.queryOrderByOutTradeNo(no)).resolves.toMatchObject({ tradeState: 'CLOSED' });
    await expect(fakes.sim.pay(no)).rejects.toThrow(/CLOSED/);
  });

  it('refunds: PROCESSING, then REFUND.SUCCESS notification; repeat is idempotent; over-refund refused', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Cake', amountFen: 5000, payerOpenid: openid() });
    const { transactionId, delivery } = await fakes.sim.pay(no);
    await delivery;
    fakes.sim.setRefundDelay(150);

    const refundNo = `RF${no.slice(2)}`;
    const first = await pay.refund({ outTradeNo: no, outRefundNo: refundNo, reason: 'customer asked', refundFen: 3000, totalFen: 5000 });
    expect(first).toMatchObject({ outRefundNo: refundNo, status: 'PROCESSING', refundFen: 3000 });
    await expect(pay.refund({ outTradeNo: no, outRefundNo: refundNo, reason: 'customer asked', refundFen: 3000, totalFen: 5000 })).resolves.toMatchObject({
      refundId: first.refundId,
    });
    await expect(pay.queryRefund(refundNo)).resolves.toMatchObject({ status: 'PROCESSING' });

    const notification = await receiver.waitFor((n) => n.kind === 'refund' && n.refund.out_refund_no === refundNo);
    if (notification.kind !== 'refund') throw new Error('unreachable');
    expect(notification.event_type).toBe('REFUND.SUCCESS');
    expect(notification.refund).toMatchObject({
      mchid: fakes.sim.mchId,
      out_trade_no: no,
      transaction_id: transactionId,
      out_refund_no: refundNo,
      refund_id: first.refundId,
      refund_status: 'SUCCESS',
      amount: { total: 5000, refund: 3000 },
    });
    await expect(pay.queryRefund(refundNo)).resolves.toMatchObject({ status: 'SUCCESS', refundId: first.refundId });
    await expect(pay.queryOrderByOutTradeNo(no)).resolves.toMatchObject({ tradeState: 'REFUND' });

    const tooMuch = await errorOf(pay.refund({ outTradeNo: no, outRefundNo: `${refundNo}-2`, reason: 'again', refundFen: 2001, totalFen: 5000 }));
    expect(tooMuch).toMatchObject({ code: 'WECHAT_PAY_REQUEST_FAILED', status: 403, remoteCode: 'NOT_ENOUGH' });
    expect((await errorOf(pay.queryRefund('RF-unknown-1'))).remoteCode).toBe('RESOURCE_NOT_EXISTS');
  });

  it('refunding an unpaid order is refused', async () => {
    const no = orderNo();
    await pay.createJsapiPrepay({ outTradeNo: no, description: 'Tea', amountFen: 1200, payerOpenid: openid() });
    expect(await errorOf(pay.refund({ outTradeNo: no, outRefundNo: `RF${no}`, reason: 'x', refundFen: 100, totalFen: 1200 }))).toMatchObject({
      remoteCode: 'INVALID_REQUEST',
    });
  });
});

describe('logs', () => {
  it('never contain the APIv3 key, a private key, a paySign or an Authorization header', () => {
    const text = fakes.log.text();
    expect(text).toContain('WeChat Pay call');
    expect(text).not.toContain('WECHATPAY2-SHA256-RSA2048 mchid');
    for (const secret of [...secretsSeen, ...fakes.secrets()]) expect(text).not.toContain(secret);
  });
});
