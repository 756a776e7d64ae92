import type { RequestPaymentParams } from './wechat-pay.crypto.js';

export type { RequestPaymentParams };

/** trade_state values of WeChat Pay v3. */
export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
/** Refund status values of WeChat Pay v3. */
export type RefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

export interface JsapiPrepayInput {
  /** Our order number: 6–32 characters of letters, digits, `_-|*`. */
  outTradeNo: string;
  description: string;
  /** Integer fen. */
  amountFen: number;
  payerOpenid: string;
  /** Optional deadline after which WeChat refuses payment. */
  timeExpire?: Date;
  /** Echoed back in notifications and queries (max 128 chars). */
  attach?: string;
}

/** The decrypted `resource` of a TRANSACTION.* notification (also the order-query answer). */
export interface PayTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  trade_type?: string;
  trade_state: TradeState;
  trade_state_desc?: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer: { openid: string };
  amount: { total: number; payer_total: number; currency: string; payer_currency?: string };
}

/** The decrypted `resource` of a REFUND.* notification. */
export interface RefundResource {
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: RefundStatus;
  success_time?: string;
  user_received_account?: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

interface NotificationEnvelope {
  /** Notification id (WeChat's). */
  id: string;
  create_time: string;
  event_type: string;
  summary: string;
}

/**
 * A verified, decrypted notification. Verified means: platform signature good, timestamp within
 * 5 minutes, resource decrypted with our APIv3 key, appid/mchid are ours.
 *
 * NOT checked here, and the caller's job: that `out_trade_no` is one of our orders, that
 * `amount.total` equals that order's payable amount (and `trade_state` is SUCCESS), and that the
 * notification is handled once (key: `transaction_id` / `refund_id`).
 */
export type PayNotification =
  | (NotificationEnvelope & { kind: 'transaction'; transaction: PayTransaction })
  | (NotificationEnvelope & { kind: 'refund'; refund: RefundResource });

export interface OrderQueryResult {
  tradeState: TradeState;
  tradeStateDesc?: string;
  transactionId?: string;
  /** amount.total, integer fen. */
  amountFen?: number;
  payerTotalFen?: number;
  successTime?: string;
  payerOpenid?: string;
}

export interface RefundInput {
  outTradeNo: string;
  /** Our refund number, unique per refund (6–64 characters). Repeating it is idempotent. */
  outRefundNo: string;
  reason: string;
  refundFen: number;
  totalFen: number;
}

export interface RefundResult {
  refundId: string;
  outRefundNo: string;
  status: RefundStatus;
  refundFen: number;
  successTime?: string;
}

/** Request headers as node:http gives them (names lower-case) or any string map. */
export type NotificationHeaders = Record<string, string | string[] | undefined>;

/**
 * WeChat Pay API v3 (JSAPI payments for a mini-program).
 *
 * Errors (src/infra/wechat/wechat.errors.ts): `WECHAT_PAY_REQUEST_FAILED` (4xx answer; its
 * `remoteCode` is WeChat's, e.g. ORDERPAID, ORDER_NOT_EXIST), `WECHAT_PAY_UNAVAILABLE` (timeout,
 * connection failure, 5xx, 429: retryable), `WECHAT_PAY_SIGNATURE_INVALID` (a response or
 * notification whose platform signature fails), `WECHAT_PAY_TIMESTAMP_STALE`,
 * `WECHAT_PAY_UNKNOWN_SERIAL`, `WECHAT_PAY_DECRYPT_FAILED`, `WECHAT_PAY_NOTIFICATION_INVALID`.
 */
export interface WechatPay {
  /** POST /v3/pay/transactions/jsapi. Same outTradeNo again (still unpaid) returns a usable prepay id. */
  createJsapiPrepay(input: JsapiPrepayInput): Promise<{ prepayId: string }>;
  /** Signs the `wx.requestPayment` parameters (signType RSA, merchant key). No network call. */
  buildRequestPaymentParams(prepayId: string): RequestPaymentParams;
  /** Verifies and decrypts a notify request; see PayNotification for what the caller must still check. */
  verifyNotification(headers: NotificationHeaders, rawBody: string): PayNotification;
  /** GET /v3/pay/transactions/out-trade-no/{no}. Unknown order → WECHAT_PAY_REQUEST_FAILED, remoteCode ORDER_NOT_EXIST. */
  queryOrderByOutTradeNo(outTradeNo: string): Promise<OrderQueryResult>;
  /** POST /v3/pay/transactions/out-trade-no/{no}/close (204). A paid order → remoteCode ORDERPAID. */
  closeOrder(outTradeNo: string): Promise<void>;
  /** POST /v3/refund/domestic/refunds. Usually answers PROCESSING; REFUND.SUCCESS arrives as a notification. */
  refund(input: RefundInput): Promise<RefundResult>;
  /** GET /v3/refund/domestic/refunds/{out_refund_no}. */
  queryRefund(outRefundNo: string): Promise<RefundResult>;
}
