/** What `code2Session` gives back. `sessionKey` is a secret: keep it server-side, never log it. */
export interface WechatSession {
  openid: string;
  unionid?: string;
  sessionKey: string;
}

export interface SubscribeMessage {
  toOpenid: string;
  templateId: string;
  /** Mini-program page opened from the message, e.g. `pages/order/detail?orderNo=...`. */
  page?: string;
  data: Record<string, { value: string }>;
  /** `formal` (default), `trial` or `developer`. */
  miniprogramState?: 'formal' | 'trial' | 'developer';
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
}

/**
 * The WeChat mini-program server API (the part the BFF uses).
 *
 * Errors (src/infra/wechat/wechat.errors.ts): `WECHAT_CODE_INVALID` (40029, 40163, 40226),
 * `WECHAT_UNAVAILABLE` (timeout, connection failure, 5xx, errcode -1 / 45011: retryable),
 * `WECHAT_SUBSCRIBE_REFUSED` (43101), `WECHAT_API_ERROR` (anything else).
 */
export interface MiniProgramApi {
  /** Exchanges a `wx.login` code for openid (+ unionid) and the session key. */
  code2Session(code: string): Promise<WechatSession>;
  /** A valid access token, cached until shortly before it expires; concurrent callers share one fetch. */
  getAccessToken(): Promise<string>;
  /** Sends a subscribe message; on an invalid/expired token (40001, 42001) refreshes once and retries. */
  sendSubscribeMessage(message: SubscribeMessage): Promise<void>;
}
