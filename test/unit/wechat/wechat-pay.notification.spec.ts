import { WechatPayClient } from '../../../src/infra/wechat/pay/wechat-pay.client.js';
import { notifyAnswerForError, notifyFailureAnswer, notifySuccessAnswer } from '../../../src/infra/wechat/pay/wechat-pay.notify.js';
import type { PayTransaction, RefundResource } from '../../../src/infra/wechat/pay/wechat-pay.port.js';
import { ExternalServiceError } from '../../../src/infra/wechat/wechat.errors.js';
import { buildPayNotification, generateLocalPayKeys, type BuildNotificationInput, type LocalPayKeys } from '../../../src/infra/wechat/simulator/index.js';
import { memoryLogger, pemBody } from '../../fakes/index.js';

const APPID = 'wx00000000000local';
const MCHID = '1900000001';

let keys: LocalPayKeys;
let attacker: LocalPayKeys;
let client: WechatPayClient;
const { logger, log } = memoryLogger();

const transaction: PayTransaction = {
  appid: APPID,
  mchid: MCHID,
  out_trade_no: 'WX20240101000001',
  transaction_id: '4200000000202401010000000001',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  success_time: '2024-01-01T10:00:00+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 1990, payer_total: 1990, currency: 'CNY' },
};

const refund: RefundResource = {
  mchid: MCHID,
  out_trade_no: 'WX20240101000001',
  transaction_id: '4200000000202401010000000001',
  out_refund_no: 'RF20240101000001',
  refund_id: '50000000382019052709732678859',
  refund_status: 'SUCCESS',
  success_time: '2024-01-02T10:00:00+08:00',
  amount: { total: 1990, refund: 1990, payer_total: 1990, payer_refund: 1990 },
};

beforeAll(() => {
  keys = generateLocalPayKeys();
  attacker = generateLocalPayKeys();
  client = new WechatPayClient({
    baseUrl: 'http://127.0.0.1:9',
    appId: APPID,
    mchId: MCHID,
    merchantSerialNo: keys.merchantSerialNo,
    merchantPrivateKey: keys.merchantPrivateKey,
    apiV3Key: keys.apiV3Key,
    platformPublicKeys: { [keys.platformSerialNo]: keys.platformPublicKey },
    notifyUrl: 'https://shop.example.com/pay/wechat/notify',
    logger,
  });
});

afterAll(async () => {
  await client.close();
});

function build(overrides: Partial<BuildNotificationInput> = {}) {
  return buildPayNotification({
    resource: transaction,
    apiV3Key: keys.apiV3Key,
    platformPrivateKey: keys.platformPrivateKey,
    platformSerialNo: keys.platformSerialNo,
    ...overrides,
  });
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ExternalServiceError);
    return (err as ExternalServiceError).code;
  }
  return undefined;
}

describe('verifyNotification', () => {
  it('verifies and decrypts a payment notification (round trip)', () => {
    const { headers, body } = build();
    const notification = client.verifyNotification(headers, body);
    expect(notification.kind).toBe('transaction');
    expect(notification.event_type).toBe('TRANSACTION.SUCCESS');
    if (notification.kind !== 'transaction') throw new Error('unreachable');
    expect(notification.transaction).toEqual(transaction);
  });

  it('verifies and decrypts a refund notification', () => {
    const { headers, body } = build({ resource: refund, originalType: 'refund' });
    const notification = client.verifyNotification(headers, body);
    expect(notification.kind).toBe('refund');
    expect(notification.event_type).toBe('REFUND.SUCCESS');
    if (notification.kind !== 'refund') throw new Error('unreachable');
    expect(notification.refund).toEqual(refund);
  });

  it('accepts header names in any case (Express/undici/raw maps)', () => {
    const { headers, body } = build();
    const shouty = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace(/(^|-)\w/g, (m) => m.toUpperCase()), v]));
    expect(client.verifyNotification(shouty, body).kind).toBe('transaction');
  });

  it('forged signature (signed by another key) → WECHAT_PAY_SIGNATURE_INVALID', () => {
    const { headers, body } = build({ platformPrivateKey: attacker.platformPrivateKey });
    expect(codeOf(() => client.verifyNotification(headers, body))).toBe('WECHAT_PAY_SIGNATURE_INVALID');
  });

  it('body altered after signing → WECHAT_PAY_SIGNATURE_INVALID', () => {
    const { headers, body } = build();
    expect(codeOf(() => client.verifyNotification(headers, body.replace('TRANSACTION.SUCCESS', 'TRANSACTION.SUCCESS ')))).toBe('WECHAT_PAY_SIGNATURE_INVALID');
    expect(codeOf(() => client.verifyNotification({ ...headers, 'wechatpay-nonce': 'other' }, body))).toBe('WECHAT_PAY_SIGNATURE_INVALID');
    expect(codeOf(() => client.verifyNotification({ ...headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' }, body))).toBe('WECHAT_PAY_SIGNATURE_INVALID');
    expect(codeOf(() => client.verifyNotification({ 'wechatpay-serial': keys.platformSerialNo }, body))).toBe('WECHAT_PAY_SIGNATURE_INVALID');
  });

  it('unknown serial → WECHAT_PAY_UNKNOWN_SERIAL', () => {
    const { headers, body } = build({ platformPrivateKey: attacker.platformPrivateKey, platformSerialNo: attacker.platformSerialNo });
    expect(codeOf(() => client.verifyNotification(headers, body))).toBe('WECHAT_PAY_UNKNOWN_SERIAL');
  });

  it('timestamp older or newer than 5 minutes (correctly signed) → WECHAT_PAY_TIMESTAMP_STALE', () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = build({ timestamp: now - 301 });
    expect(codeOf(() => client.verifyNotification(stale.headers, stale.body))).toBe('WECHAT_PAY_TIMESTAMP_STALE');
    const future = build({ timestamp: now + 400 });
    expect(codeOf(() => client.verifyNotification(future.headers, future.body))).toBe('WECHAT_PAY_TIMESTAMP_STALE');
    const fresh = build({ timestamp: now - 240 });
    expect(client.verifyNotification(fresh.headers, fresh.body).kind).toBe('transaction');
  });

  it('tampered ciphertext with a valid signature → WECHAT_PAY_DECRYPT_FAILED', () => {
    const { headers, body } = build({ tamperCiphertext: true });
    expect(codeOf(() => client.verifyNotification(headers, body))).toBe('WECHAT_PAY_DECRYPT_FAILED');
    const wrongKey = build({ apiV3Key: attacker.apiV3Key });
    expect(codeOf(() => client.verifyNotification(wrongKey.headers, wrongKey.body))).toBe('WECHAT_PAY_DECRYPT_FAILED');
  });

  it('a notification for another appid or mchid → WECHAT_PAY_NOTIFICATION_INVALID', () => {
    const otherApp = build({ resource: { ...transaction, appid: 'wxanother' } });
    expect(codeOf(() => client.verifyNotification(otherApp.headers, otherApp.body))).toBe('WECHAT_PAY_NOTIFICATION_INVALID');
    const otherMch = build({ resource: { ...refund, mchid: '1234567890' }, originalType: 'refund' });
    expect(codeOf(() => client.verifyNotification(otherMch.headers, otherMch.body))).toBe('WECHAT_PAY_NOTIFICATION_INVALID');
  });

  it('never logs a secret', () => {
    const text = log.text();
    for (const secret of [keys.apiV3Key, pemBody(keys.merchantPrivateKey), pemBody(keys.platformPrivateKey)]) expect(text).not.toContain(secret);
  });
});

describe('notify answers', () => {
  it('success is 204 with no body; failures carry {"code":"FAIL"}', () => {
    expect(notifySuccessAnswer()).toEqual({ status: 204, headers: {}, body: '' });
    const fail = notifyFailureAnswer('busy', 503);
    expect(fail.status).toBe(503);
    expect(JSON.parse(fail.body)).toEqual({ code: 'FAIL', message: 'busy' });
    expect(() => notifyFailureAnswer('x', 200)).toThrow(RangeError);
  });

  it('maps verification errors to 401/400 and anything else to 500', () => {
    const forged = build({ platformPrivateKey: attacker.platformPrivateKey });
    const tampered = build({ tamperCiphertext: true });
    const errorOf = (n: { headers: Record<string, string>; body: string }) => {
      try {
        client.verifyNotification(n.headers, n.body);
      } catch (err) {
        return err;
      }
      throw new Error('expected a failure');
    };
    expect(notifyAnswerForError(errorOf(forged)).status).toBe(401);
    expect(notifyAnswerForError(errorOf(tampered)).status).toBe(400);
    expect(notifyAnswerForError(new Error('db down')).status).toBe(500);
    expect(JSON.parse(notifyAnswerForError(errorOf(forged)).body)).toEqual({ code: 'FAIL', message: 'WECHAT_PAY_SIGNATURE_INVALID' });
  });
});
