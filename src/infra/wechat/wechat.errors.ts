/**
 * Typed failures of the outside parties (WeChat mini-program API, WeChat Pay v3, SMS, logistics).
 * Every class carries a stable `code` the BFF maps in one place, and `retryable` so callers can
 * tell "try again later" (timeouts, 5xx, system busy) from "this will never work" (a bad login
 * code, a forged notification).
 *
 * Messages never contain a secret: no session_key, access token, APIv3 key, private key, paySign,
 * request URL (WeChat puts the app secret and access token in query strings) or response body.
 */
export type ExternalErrorCode =
  | 'WECHAT_CODE_INVALID'
  | 'WECHAT_UNAVAILABLE'
  | 'WECHAT_API_ERROR'
  | 'WECHAT_SUBSCRIBE_REFUSED'
  | 'WECHAT_PAY_SIGNATURE_INVALID'
  | 'WECHAT_PAY_TIMESTAMP_STALE'
  | 'WECHAT_PAY_UNKNOWN_SERIAL'
  | 'WECHAT_PAY_DECRYPT_FAILED'
  | 'WECHAT_PAY_NOTIFICATION_INVALID'
  | 'WECHAT_PAY_REQUEST_FAILED'
  | 'WECHAT_PAY_UNAVAILABLE'
  | 'PROVIDER_REQUEST_FAILED'
  | 'PROVIDER_UNAVAILABLE';

export interface ExternalErrorDetails {
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** WeChat's numeric `errcode` (mini-program API). */
  errcode?: number;
  /** WeChat Pay's / a provider's string error code, e.g. ORDERPAID, ORDER_NOT_EXIST. */
  remoteCode?: string;
  /** Transport failure detail: `timeout`, `ECONNREFUSED`, `UND_ERR_SOCKET`, ... */
  transport?: string;
  /** Which outside party: `miniProgram`, `pay`, `sms`, `logistics`. */
  service?: string;
}

/** Base class: `code` is stable, `retryable` says whether the same call may succeed later. */
export class ExternalServiceError extends Error {
  override name = 'ExternalServiceError';
  readonly status?: number;
  readonly errcode?: number;
  readonly remoteCode?: string;
  readonly transport?: string;
  readonly service?: string;

  constructor(
    readonly code: ExternalErrorCode,
    message: string,
    readonly retryable: boolean,
    details: ExternalErrorDetails = {},
  ) {
    super(message);
    this.status = details.status;
    this.errcode = details.errcode;
    this.remoteCode = details.remoteCode;
    this.transport = details.transport;
    this.service = details.service;
  }
}

// ---- mini-program API --------------------------------------------------------------------------

/** The login code is invalid, expired, already used, or the user is blocked (40029, 40163, 40226). */
export class WechatCodeInvalidError extends ExternalServiceError {
  override name = 'WechatCodeInvalidError';
  constructor(errcode: number) {
    super('WECHAT_CODE_INVALID', `WeChat rejected the login code (errcode ${errcode})`, false, { errcode, service: 'miniProgram' });
  }
}

/** Timeout, refused or reset connection, HTTP 5xx, errcode -1 (system busy) or 45011 (rate limit). Retryable. */
export class WechatUnavailableError extends ExternalServiceError {
  override name = 'WechatUnavailableError';
  constructor(reason: string, details: ExternalErrorDetails = {}) {
    super('WECHAT_UNAVAILABLE', `WeChat API unavailable: ${reason}`, true, { service: 'miniProgram', ...details });
  }
}

/** Any other errcode WeChat answered (wrong appid/secret, bad template, ...). Not retryable. */
export class WechatApiError extends ExternalServiceError {
  override name = 'WechatApiError';
  constructor(operation: string, errcode: number, errmsg: string) {
    // errmsg is WeChat's own text (e.g. "invalid appsecret, rid: ..."); it never echoes a secret.
    super('WECHAT_API_ERROR', `WeChat ${operation} failed: errcode ${errcode} ${sanitize(errmsg)}`, false, { errcode, service: 'miniProgram' });
  }
}

/** The user has not accepted (or has used up) the subscription for this template (errcode 43101). */
export class WechatSubscribeRefusedError extends ExternalServiceError {
  override name = 'WechatSubscribeRefusedError';
  constructor(errcode: number) {
    super('WECHAT_SUBSCRIBE_REFUSED', `user has no subscription for this template (errcode ${errcode})`, false, { errcode, service: 'miniProgram' });
  }
}

// ---- WeChat Pay v3 ---------------------------------------------------------------------------

/** A notification's or response's platform signature is missing, malformed or does not verify. */
export class WechatPaySignatureInvalidError extends ExternalServiceError {
  override name = 'WechatPaySignatureInvalidError';
  constructor(reason = 'signature does not verify') {
    super('WECHAT_PAY_SIGNATURE_INVALID', `WeChat Pay signature invalid: ${reason}`, false, { service: 'pay' });
  }
}

/** `Wechatpay-Timestamp` is more than the allowed window (5 minutes) in the past or future. */
export class WechatPayTimestampStaleError extends ExternalServiceError {
  override name = 'WechatPayTimestampStaleError';
  constructor(readonly skewSeconds: number) {
    super('WECHAT_PAY_TIMESTAMP_STALE', `WeChat Pay timestamp outside the allowed window (skew ${skewSeconds}s)`, false, { service: 'pay' });
  }
}

/** `Wechatpay-Serial` names a platform key we were not configured to trust. */
export class WechatPayUnknownSerialError extends ExternalServiceError {
  override name = 'WechatPayUnknownSerialError';
  constructor(readonly serial: string) {
    super('WECHAT_PAY_UNKNOWN_SERIAL', `WeChat Pay platform serial not trusted: ${sanitize(serial).slice(0, 64)}`, false, { service: 'pay' });
  }
}

/** The encrypted `resource` could not be decrypted (tampered ciphertext, wrong key, bad nonce/AAD). */
export class WechatPayDecryptError extends ExternalServiceError {
  override name = 'WechatPayDecryptError';
  constructor(reason = 'AEAD_AES_256_GCM authentication failed') {
    super('WECHAT_PAY_DECRYPT_FAILED', `WeChat Pay resource decryption failed: ${reason}`, false, { service: 'pay' });
  }
}

/** The notification verified and decrypted but is malformed or for another appid/mchid. */
export class WechatPayNotificationInvalidError extends ExternalServiceError {
  override name = 'WechatPayNotificationInvalidError';
  constructor(reason: string) {
    super('WECHAT_PAY_NOTIFICATION_INVALID', `WeChat Pay notification invalid: ${reason}`, false, { service: 'pay' });
  }
}

/**
 * WeChat Pay refused the request (HTTP 4xx with `{code, message}`): `remoteCode` is theirs, e.g.
 * ORDERPAID, ORDER_CLOSED, ORDER_NOT_EXIST, RESOURCE_NOT_EXISTS, NOT_ENOUGH, PARAM_ERROR, SIGN_ERROR.
 */
export class WechatPayRequestError extends ExternalServiceError {
  override name = 'WechatPayRequestError';
  constructor(operation: string, status: number, remoteCode: string, remoteMessage: string) {
    super('WECHAT_PAY_REQUEST_FAILED', `WeChat Pay ${operation} refused: HTTP ${status} ${sanitize(remoteCode)} ${sanitize(remoteMessage)}`.trim(), false, {
      status,
      remoteCode,
      service: 'pay',
    });
  }
}

/** Timeout, refused or reset connection, HTTP 5xx or 429 from WeChat Pay. Retryable (out_trade_no makes prepay idempotent). */
export class WechatPayUnavailableError extends ExternalServiceError {
  override name = 'WechatPayUnavailableError';
  constructor(reason: string, details: ExternalErrorDetails = {}) {
    super('WECHAT_PAY_UNAVAILABLE', `WeChat Pay unavailable: ${reason}`, true, { service: 'pay', ...details });
  }
}

// ---- SMS and logistics providers -------------------------------------------------------------

/** The provider refused the request (HTTP 4xx). Not retryable as is. */
export class ProviderRequestError extends ExternalServiceError {
  override name = 'ProviderRequestError';
  constructor(service: string, status: number, remoteCode: string, remoteMessage: string) {
    super('PROVIDER_REQUEST_FAILED', `${service} refused the request: HTTP ${status} ${sanitize(remoteCode)} ${sanitize(remoteMessage)}`.trim(), false, {
      status,
      remoteCode,
      service,
    });
  }
}

/** Timeout, refused or reset connection, HTTP 5xx or 429 from a provider. Retryable. */
export class ProviderUnavailableError extends ExternalServiceError {
  override name = 'ProviderUnavailableError';
  constructor(service: string, reason: string, details: ExternalErrorDetails = {}) {
    super('PROVIDER_UNAVAILABLE', `${service} unavailable: ${reason}`, true, { service, ...details });
  }
}

/** True for any of the classes above with the given code. */
export function isExternalError(err: unknown, code?: ExternalErrorCode): err is ExternalServiceError {
  return err instanceof ExternalServiceError && (code === undefined || err.code === code);
}

/** Keeps remote text short and printable (it ends up in our logs and error messages). */
function sanitize(text: string): string {
  return String(text ?? '')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 200);
}
