import type { KeyObject } from 'node:crypto';
import type { Agent } from 'undici';
import type { Logger } from '../../observability/logger.js';
import { createHttpAgent, joinUrl, parseJson, sendHttp, TransportError, type HttpResponse } from '../http.js';
import {
  WechatPayNotificationInvalidError,
  WechatPayRequestError,
  WechatPaySignatureInvalidError,
  WechatPayTimestampStaleError,
  WechatPayUnavailableError,
  WechatPayUnknownSerialError,
} from '../wechat.errors.js';
import {
  buildAuthorization,
  decryptAeadAes256Gcm,
  MAX_TIMESTAMP_SKEW_SECONDS,
  responseSignatureMessage,
  signRequestPayment,
  toPrivateKey,
  toPublicKey,
  unixSeconds,
  verifySha256Rsa,
  type RequestPaymentParams,
} from './wechat-pay.crypto.js';
import type {
  JsapiPrepayInput,
  NotificationHeaders,
  OrderQueryResult,
  PayNotification,
  PayTransaction,
  RefundInput,
  RefundResource,
  RefundResult,
  RefundStatus,
  TradeState,
  WechatPay,
} from './wechat-pay.port.js';

/** Per-call deadline when none is configured. */
export const DEFAULT_WECHAT_PAY_TIMEOUT_MS = 5_000;
const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;
const USER_AGENT = 'wxshop-bff (node)';

export interface WechatPayClientOptions {
  /** `https://api.mch.weixin.qq.com`, or the simulator's base URL. */
  baseUrl: string;
  appId: string;
  mchId: string;
  /** Serial number of the merchant API certificate whose private key signs our requests. */
  merchantSerialNo: string;
  merchantPrivateKey: string | KeyObject;
  /** Exactly 32 bytes. */
  apiV3Key: string;
  /** Platform certificate (or WeChat Pay public key) serial → PEM public key. Several during rotation. */
  platformPublicKeys: Record<string, string | KeyObject>;
  /** Where WeChat sends payment and refund notifications; a function when it is only known after listen(). */
  notifyUrl: string | (() => string);
  timeoutMs?: number;
  logger: Logger;
  /** Clock in milliseconds; tests may shift it. */
  now?: () => number;
}

/**
 * WeChat Pay API v3 adapter: signs every request with the merchant key, verifies every 2xx
 * answer with the platform key named by `Wechatpay-Serial`, verifies and decrypts notifications.
 * Never logs the APIv3 key, private keys, Authorization headers, paySign or response bodies.
 */
export class WechatPayClient implements WechatPay {
  readonly #agent: Agent = createHttpAgent();
  readonly #log: Logger;
  readonly #privateKey: KeyObject;
  readonly #platformKeys = new Map<string, KeyObject>();
  readonly #apiV3Key: Buffer;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #notifyUrl: string | (() => string);

  constructor(private readonly options: WechatPayClientOptions) {
    this.#log = options.logger.child({ component: 'wechat-pay' });
    this.#privateKey = toPrivateKey(options.merchantPrivateKey);
    for (const [serial, key] of Object.entries(options.platformPublicKeys)) this.#platformKeys.set(serial, toPublicKey(key));
    this.#apiV3Key = Buffer.from(options.apiV3Key, 'utf8');
    if (this.#apiV3Key.length !== 32) throw new Error('WeChat Pay APIv3 key must be 32 bytes');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WECHAT_PAY_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#notifyUrl = options.notifyUrl;
  }

  /** Changes where future prepay/refund requests ask WeChat to send notifications. */
  setNotifyUrl(url: string | (() => string)): void {
    this.#notifyUrl = url;
  }

  get notifyUrl(): string {
    return typeof this.#notifyUrl === 'function' ? this.#notifyUrl() : this.#notifyUrl;
  }

  async createJsapiPrepay(input: JsapiPrepayInput): Promise<{ prepayId: string }> {
    assertOutTradeNo(input.outTradeNo);
    if (!Number.isInteger(input.amountFen) || input.amountFen <= 0) throw new RangeError('amountFen must be a positive integer');
    const body = {
      appid: this.options.appId,
      mchid: this.options.mchId,
      description: input.description.slice(0, 127),
      out_trade_no: input.outTradeNo,
      time_expire: input.timeExpire ? rfc3339(input.timeExpire) : undefined,
      attach: input.attach,
      notify_url: this.notifyUrl,
      amount: { total: input.amountFen, currency: 'CNY' },
      payer: { openid: input.payerOpenid },
    };
    const answer = await this.#call<{ prepay_id?: string }>('createJsapiPrepay', 'POST', '/v3/pay/transactions/jsapi', body);
    if (!answer?.prepay_id) throw new WechatPayUnavailableError('prepay answer has no prepay_id');
    return { prepayId: answer.prepay_id };
  }

  buildRequestPaymentParams(prepayId: string): RequestPaymentParams {
    return signRequestPayment(this.options.appId, prepayId, this.#privateKey, unixSeconds(this.#now()));
  }

  verifyNotification(headers: NotificationHeaders, rawBody: string): PayNotification {
    this.#verifySigned(headers, rawBody);
    const envelope = parseJson(rawBody) as
      | { id?: string; create_time?: string; event_type?: string; summary?: string; resource_type?: string; resource?: Record<string, string> }
      | undefined;
    const resource = envelope?.resource;
    if (!envelope || typeof envelope !== 'object' || !resource || typeof resource !== 'object') {
      throw new WechatPayNotificationInvalidError('body is not a notification with a resource');
    }
    if (resource.algorithm !== 'AEAD_AES_256_GCM') throw new WechatPayNotificationInvalidError('unsupported resource algorithm');
    const plaintext = decryptAeadAes256Gcm(String(resource.ciphertext ?? ''), this.#apiV3Key, String(resource.nonce ?? ''), String(resource.associated_data ?? ''));
    const decrypted = parseJson(plaintext) as Record<string, unknown> | undefined;
    if (!decrypted || typeof decrypted !== 'object') throw new WechatPayNotificationInvalidError('decrypted resource is not JSON');
    const eventType = String(envelope.event_type ?? '');
    const base = { id: String(envelope.id ?? ''), create_time: String(envelope.create_time ?? ''), event_type: eventType, summary: String(envelope.summary ?? '') };

    if (decrypted.mchid !== this.options.mchId) throw new WechatPayNotificationInvalidError('mchid is not ours');
    if (eventType.startsWith('REFUND.') || resource.original_type === 'refund') {
      const refund = decrypted as unknown as RefundResource;
      if (typeof refund.out_refund_no !== 'string' || typeof refund.refund_id !== 'string' || typeof refund.refund_status !== 'string') {
        throw new WechatPayNotificationInvalidError('refund resource lacks out_refund_no/refund_id/refund_status');
      }
      this.#log.info({ event: eventType, outTradeNo: refund.out_trade_no, outRefundNo: refund.out_refund_no, status: refund.refund_status }, 'refund notification verified');
      return { ...base, kind: 'refund', refund };
    }
    const transaction = decrypted as unknown as PayTransaction;
    if (transaction.appid !== this.options.appId) throw new WechatPayNotificationInvalidError('appid is not ours');
    if (typeof transaction.out_trade_no !== 'string' || typeof transaction.trade_state !== 'string' || typeof transaction.amount?.total !== 'number') {
      throw new WechatPayNotificationInvalidError('transaction resource lacks out_trade_no/trade_state/amount');
    }
    this.#log.info({ event: eventType, outTradeNo: transaction.out_trade_no, tradeState: transaction.trade_state }, 'payment notification verified');
    return { ...base, kind: 'transaction', transaction };
  }

  async queryOrderByOutTradeNo(outTradeNo: string): Promise<OrderQueryResult> {
    assertOutTradeNo(outTradeNo);
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(this.options.mchId)}`;
    const tx = await this.#call<Partial<PayTransaction>>('queryOrder', 'GET', path);
    if (!tx?.trade_state) throw new WechatPayUnavailableError('order query answer has no trade_state');
    return {
      tradeState: tx.trade_state as TradeState,
      tradeStateDesc: tx.trade_state_desc,
      transactionId: tx.transaction_id || undefined,
      amountFen: tx.amount?.total,
      payerTotalFen: tx.amount?.payer_total,
      successTime: tx.success_time,
      payerOpenid: tx.payer?.openid,
    };
  }

  async closeOrder(outTradeNo: string): Promise<void> {
    assertOutTradeNo(outTradeNo);
    await this.#call('closeOrder', 'POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, { mchid: this.options.mchId });
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    assertOutTradeNo(input.outTradeNo);
    if (!OUT_REFUND_NO.test(input.outRefundNo)) throw new RangeError('outRefundNo must be 1-64 characters of letters, digits, _-|*@');
    if (!Number.isInteger(input.refundFen) || input.refundFen <= 0 || !Number.isInteger(input.totalFen) || input.refundFen > input.totalFen) {
      throw new RangeError('refundFen must be a positive integer not above totalFen');
    }
    const body = {
      out_trade_no: input.outTradeNo,
      out_refund_no: input.outRefundNo,
      reason: input.reason.slice(0, 80),
      notify_url: this.notifyUrl,
      amount: { refund: input.refundFen, total: input.totalFen, currency: 'CNY' },
    };
    return toRefundResult(await this.#call<RefundAnswer>('refund', 'POST', '/v3/refund/domestic/refunds', body));
  }

  async queryRefund(outRefundNo: string): Promise<RefundResult> {
    if (!OUT_REFUND_NO.test(outRefundNo)) throw new RangeError('outRefundNo must be 1-64 characters of letters, digits, _-|*@');
    return toRefundResult(await this.#call<RefundAnswer>('queryRefund', 'GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`));
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Platform signature (with the key named by the serial) and timestamp window. */
  #verifySigned(headers: NotificationHeaders, body: string): void {
    const timestamp = header(headers, 'wechatpay-timestamp');
    const nonce = header(headers, 'wechatpay-nonce');
    const signature = header(headers, 'wechatpay-signature');
    const serial = header(headers, 'wechatpay-serial');
    if (!timestamp || !nonce || !signature || !serial) throw new WechatPaySignatureInvalidError('Wechatpay-* headers missing');
    const key = this.#platformKeys.get(serial);
    if (!key) throw new WechatPayUnknownSerialError(serial);
    if (!verifySha256Rsa(responseSignatureMessage(timestamp, nonce, body), signature, key)) throw new WechatPaySignatureInvalidError();
    const ts = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || !Number.isSafeInteger(ts)) throw new WechatPaySignatureInvalidError('malformed Wechatpay-Timestamp');
    const skew = unixSeconds(this.#now()) - ts;
    if (Math.abs(skew) > MAX_TIMESTAMP_SKEW_SECONDS) throw new WechatPayTimestampStaleError(skew);
  }

  async #call<T>(op: string, method: 'GET' | 'POST', pathAndQuery: string, payload?: unknown): Promise<T | undefined> {
    const url = joinUrl(this.options.baseUrl, pathAndQuery);
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const authorization = buildAuthorization({
      mchId: this.options.mchId,
      serialNo: this.options.merchantSerialNo,
      privateKey: this.#privateKey,
      method,
      urlPathWithQuery: url.pathname + url.search,
      body,
      timestamp: unixSeconds(this.#now()),
    });
    const headers: Record<string, string> = { accept: 'application/json', authorization, 'user-agent': USER_AGENT };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    let res: HttpResponse;
    try {
      res = await sendHttp(this.#agent, { method, url: url.toString(), headers, body: payload === undefined ? undefined : body, timeoutMs: this.#timeoutMs });
    } catch (err) {
      const reason = err instanceof TransportError ? err.reason : 'network error';
      this.#log.warn({ op, ms: Date.now() - started, reason }, 'WeChat Pay call failed');
      throw new WechatPayUnavailableError(reason === 'timeout' ? `${op} timed out after ${this.#timeoutMs} ms` : `${op} connection failed (${reason})`, { transport: reason });
    }
    const ms = Date.now() - started;
    const requestId = res.headers['request-id'];
    if (res.status >= 500 || res.status === 429) {
      const remote = parseJson(res.text) as { code?: string } | undefined;
      this.#log.warn({ op, ms, status: res.status, code: remote?.code, requestId }, 'WeChat Pay answered with an error status');
      throw new WechatPayUnavailableError(`${op} answered HTTP ${res.status}`, { status: res.status, remoteCode: remote?.code });
    }
    if (res.status >= 400) {
      const remote = (parseJson(res.text) ?? {}) as { code?: string; message?: string };
      this.#log.info({ op, ms, status: res.status, code: remote.code, requestId }, 'WeChat Pay refused the request');
      throw new WechatPayRequestError(op, res.status, String(remote.code ?? 'UNKNOWN'), String(remote.message ?? ''));
    }
    // A 2xx answer is trusted only once its platform signature verifies.
    try {
      this.#verifySigned(res.headers, res.text);
    } catch (err) {
      this.#log.error({ op, status: res.status, code: (err as { code?: string }).code, requestId }, 'WeChat Pay answer failed verification');
      throw err;
    }
    this.#log.debug({ op, ms, status: res.status, requestId }, 'WeChat Pay call');
    return res.status === 204 ? undefined : (parseJson(res.text) as T | undefined);
  }
}

interface RefundAnswer {
  refund_id?: string;
  out_refund_no?: string;
  status?: RefundStatus;
  success_time?: string;
  amount?: { refund?: number };
}

function toRefundResult(answer: RefundAnswer | undefined): RefundResult {
  if (!answer?.refund_id || !answer.status || !answer.out_refund_no) throw new WechatPayUnavailableError('refund answer lacks refund_id/status');
  return { refundId: answer.refund_id, outRefundNo: answer.out_refund_no, status: answer.status, refundFen: answer.amount?.refund ?? 0, successTime: answer.success_time };
}

function header(headers: NotificationHeaders, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = found === undefined ? undefined : headers[found];
  }
  return Array.isArray(value) ? value[0] : value;
}

function assertOutTradeNo(outTradeNo: string): void {
  if (!OUT_TRADE_NO.test(outTradeNo)) throw new RangeError('outTradeNo must be 6-32 characters of letters, digits, _-|*');
}

/** RFC 3339 in China Standard Time, as WeChat Pay writes it: 2018-06-08T10:34:56+08:00. */
export function rfc3339(date: Date): string {
  const cst = new Date(date.getTime() + 8 * 3_600_000);
  return `${cst.toISOString().slice(0, 19)}+08:00`;
}
