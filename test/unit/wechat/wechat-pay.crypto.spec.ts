import { createSign, createVerify } from 'node:crypto';
import {
  buildAuthorization,
  decryptAeadAes256Gcm,
  decryptAeadAes256GcmBytes,
  encryptAeadAes256Gcm,
  parseAuthorization,
  requestSignatureMessage,
  signRequestPayment,
  verifyRequestPaymentParams,
  verifyRequestSignature,
} from '../../../src/infra/wechat/pay/wechat-pay.crypto.js';
import { WechatPayDecryptError } from '../../../src/infra/wechat/wechat.errors.js';
import { generateLocalPayKeys, type LocalPayKeys } from '../../../src/infra/wechat/simulator/index.js';

let keys: LocalPayKeys;
let other: LocalPayKeys;
beforeAll(() => {
  keys = generateLocalPayKeys();
  other = generateLocalPayKeys();
});

describe('request signing (WECHATPAY2-SHA256-RSA2048)', () => {
  it('signs METHOD\\nPATH\\nTS\\nNONCE\\nBODY\\n with the merchant key; the public key verifies it', () => {
    const body = JSON.stringify({ mchid: '1900000001' });
    const header = buildAuthorization({
      mchId: '1900000001',
      serialNo: keys.merchantSerialNo,
      privateKey: keys.merchantPrivateKey,
      method: 'POST',
      urlPathWithQuery: '/v3/pay/transactions/jsapi',
      body,
      timestamp: 1554208460,
      nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
    });
    expect(header.startsWith('WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="')).toBe(true);
    expect(header.endsWith(`timestamp="1554208460",serial_no="${keys.merchantSerialNo}"`)).toBe(true);

    const parsed = parseAuthorization(header)!;
    expect(parsed).toMatchObject({ mchid: '1900000001', timestamp: '1554208460', serial_no: keys.merchantSerialNo });
    // Independent check with plain node:crypto over the documented message layout.
    const message = 'POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n' + body + '\n';
    expect(requestSignatureMessage('post', '/v3/pay/transactions/jsapi', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242', body)).toBe(message);
    expect(createVerify('RSA-SHA256').update(message).verify(keys.merchantPublicKey, parsed.signature, 'base64')).toBe(true);
    expect(verifyRequestSignature(parsed, 'POST', '/v3/pay/transactions/jsapi', body, keys.merchantPublicKey)).toBe(true);

    expect(verifyRequestSignature(parsed, 'POST', '/v3/pay/transactions/jsapi', body + ' ', keys.merchantPublicKey)).toBe(false);
    expect(verifyRequestSignature(parsed, 'GET', '/v3/pay/transactions/jsapi', body, keys.merchantPublicKey)).toBe(false);
    expect(verifyRequestSignature(parsed, 'POST', '/v3/pay/transactions/jsapi', body, other.merchantPublicKey)).toBe(false);
  });

  it('GET requests sign an empty body and the query string', () => {
    const header = buildAuthorization({
      mchId: 'm',
      serialNo: 's',
      privateKey: keys.merchantPrivateKey,
      method: 'GET',
      urlPathWithQuery: '/v3/pay/transactions/out-trade-no/ORDER123?mchid=m',
      body: '',
    });
    const parsed = parseAuthorization(header)!;
    expect(verifyRequestSignature(parsed, 'GET', '/v3/pay/transactions/out-trade-no/ORDER123?mchid=m', '', keys.merchantPublicKey)).toBe(true);
    expect(verifyRequestSignature(parsed, 'GET', '/v3/pay/transactions/out-trade-no/ORDER123', '', keys.merchantPublicKey)).toBe(false);
  });

  it('refuses malformed Authorization headers', () => {
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1"')).toBeUndefined();
  });
});

describe('wx.requestPayment paySign', () => {
  it('signs appId\\ntimeStamp\\nnonceStr\\npackage\\n; the merchant public key verifies it', () => {
    const params = signRequestPayment('wx8888888888888888', 'wx201410272009395522657a690389285100', keys.merchantPrivateKey, 1414561699, '5K8264ILTKCH16CQ2502SI8ZNMTM67VS');
    expect(params).toMatchObject({ appId: 'wx8888888888888888', timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' });
    const expected = createSign('RSA-SHA256')
      .update('wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n')
      .sign(keys.merchantPrivateKey, 'base64');
    expect(params.paySign).toBe(expected); // PKCS#1 v1.5 is deterministic
    expect(verifyRequestPaymentParams(params, keys.merchantPublicKey)).toBe(true);
    expect(verifyRequestPaymentParams({ ...params, package: 'prepay_id=other' }, keys.merchantPublicKey)).toBe(false);
    expect(verifyRequestPaymentParams(params, other.merchantPublicKey)).toBe(false);
  });
});

describe('AEAD_AES_256_GCM', () => {
  it('matches NIST GCM test case 16 (AES-256, 60-byte plaintext, AAD)', () => {
    const key = Buffer.from('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308', 'hex');
    const iv = Buffer.from('cafebabefacedbaddecaf888', 'hex');
    const aad = Buffer.from('feedfacedeadbeeffeedfacedeadbeefabaddad2', 'hex');
    const plaintext = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
    const ciphertext = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
    const tag = '76fc6ece0f4e1768cddf8853bb2d551b';
    // WeChat's layout: base64(ciphertext || tag).
    const wire = Buffer.from(ciphertext + tag, 'hex').toString('base64');
    expect(decryptAeadAes256GcmBytes(wire, key, iv, aad).toString('hex')).toBe(plaintext);
    expect(encryptAeadAes256Gcm(Buffer.from(plaintext, 'hex').toString('latin1'), key, iv, aad)).not.toBe(''); // encrypt path runs
    expect(() => decryptAeadAes256GcmBytes(wire, key, iv, Buffer.from('feedface', 'hex'))).toThrow(WechatPayDecryptError);
  });

  it('matches NIST GCM test case 14 (AES-256, zero key, zero IV, no AAD)', () => {
    const wire = Buffer.from('cea7403d4d606b6e074ec5d3baf39d18' + 'd0d1c8a799996bf0265b98b5d48ab919', 'hex').toString('base64');
    expect(decryptAeadAes256GcmBytes(wire, Buffer.alloc(32), Buffer.alloc(12)).toString('hex')).toBe('00'.repeat(16));
  });

  it('round-trips with a WeChat-style string key and 12-character nonce; any tampering fails with WECHAT_PAY_DECRYPT_FAILED', () => {
    const plaintext = JSON.stringify({ out_trade_no: '20240101000001', amount: { total: 100 } });
    const wire = encryptAeadAes256Gcm(plaintext, keys.apiV3Key, 'fdasflkja484', 'transaction');
    expect(decryptAeadAes256Gcm(wire, keys.apiV3Key, 'fdasflkja484', 'transaction')).toBe(plaintext);

    const raw = Buffer.from(wire, 'base64');
    raw[3] = raw[3]! ^ 0x80;
    const cases: [string, () => string][] = [
      ['tampered ciphertext', () => decryptAeadAes256Gcm(raw.toString('base64'), keys.apiV3Key, 'fdasflkja484', 'transaction')],
      ['wrong key', () => decryptAeadAes256Gcm(wire, other.apiV3Key, 'fdasflkja484', 'transaction')],
      ['wrong nonce', () => decryptAeadAes256Gcm(wire, keys.apiV3Key, 'fdasflkja485', 'transaction')],
      ['wrong associated data', () => decryptAeadAes256Gcm(wire, keys.apiV3Key, 'fdasflkja484', 'refund')],
      ['truncated', () => decryptAeadAes256Gcm(wire.slice(0, 8), keys.apiV3Key, 'fdasflkja484', 'transaction')],
      ['short key', () => decryptAeadAes256Gcm(wire, 'short', 'fdasflkja484', 'transaction')],
    ];
    for (const [, run] of cases) {
      let error: unknown;
      try {
        run();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(WechatPayDecryptError);
      expect((error as WechatPayDecryptError).code).toBe('WECHAT_PAY_DECRYPT_FAILED');
      expect((error as Error).message).not.toContain(keys.apiV3Key);
    }
  });
});
