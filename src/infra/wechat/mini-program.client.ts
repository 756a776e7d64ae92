import type { Agent } from 'undici';
import type { Logger } from '../observability/logger.js';
import { createHttpAgent, joinUrl, parseJson, sendHttp, TransportError, type HttpResponse } from './http.js';
import type { MiniProgramApi, SubscribeMessage, WechatSession } from './mini-program.port.js';
import { WechatApiError, WechatCodeInvalidError, WechatSubscribeRefusedError, WechatUnavailableError } from './wechat.errors.js';

/** Per-call deadline when none is configured. */
export const DEFAULT_WECHAT_TIMEOUT_MS = 3_000;
/** A cached access token is refreshed this long before WeChat says it expires. */
export const ACCESS_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** errcodes meaning "this login code will never work". */
export const CODE_INVALID_ERRCODES: ReadonlySet<number> = new Set([40029, 40163, 40226]);
/** errcodes meaning "try again later": -1 system busy, 45011 minute quota reached. */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([-1, 45011]);
/** errcodes meaning "your access token is invalid or expired". */
export const TOKEN_INVALID_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
const SUBSCRIBE_REFUSED_ERRCODE = 43101;

export interface MiniProgramClientOptions {
  /** `https://api.weixin.qq.com`, or the simulator's base URL in local mode and tests. */
  baseUrl: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
  logger: Logger;
}

interface WechatAnswer {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

class AccessTokenInvalid extends Error {}

/**
 * HTTP adapter for the mini-program server API, one keep-alive pool per client. The app secret,
 * session keys and access tokens travel in query strings or bodies and are never logged: log lines
 * carry the operation, duration and errcode only.
 */
export class MiniProgramClient implements MiniProgramApi {
  readonly #agent: Agent = createHttpAgent();
  readonly #options: Required<MiniProgramClientOptions>;
  readonly #log: Logger;
  #token: { value: string; refreshAt: number } | undefined;
  #tokenFetch: Promise<string> | undefined;

  constructor(options: MiniProgramClientOptions) {
    this.#options = { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_WECHAT_TIMEOUT_MS };
    this.#log = options.logger.child({ component: 'wechat-mini-program' });
  }

  async code2Session(code: string): Promise<WechatSession> {
    const query = new URLSearchParams({ appid: this.#options.appId, secret: this.#options.appSecret, js_code: code, grant_type: 'authorization_code' });
    const answer = await this.#call('code2Session', 'GET', `/sns/jscode2session?${query}`);
    if (answer.errcode && answer.errcode !== 0) {
      if (CODE_INVALID_ERRCODES.has(answer.errcode)) throw new WechatCodeInvalidError(answer.errcode);
      throw new WechatApiError('code2Session', answer.errcode, String(answer.errmsg ?? ''));
    }
    if (typeof answer.openid !== 'string' || typeof answer.session_key !== 'string') {
      throw new WechatUnavailableError('code2Session answer has no openid/session_key');
    }
    return {
      openid: answer.openid,
      unionid: typeof answer.unionid === 'string' ? answer.unionid : undefined,
      sessionKey: answer.session_key,
    };
  }

  getAccessToken(): Promise<string> {
    const cached = this.#token;
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.value);
    // Single flight: every caller during a refresh waits on the same request.
    this.#tokenFetch ??= this.#fetchAccessToken().finally(() => {
      this.#tokenFetch = undefined;
    });
    return this.#tokenFetch;
  }

  async sendSubscribeMessage(message: SubscribeMessage): Promise<void> {
    const body = JSON.stringify({
      touser: message.toOpenid,
      template_id: message.templateId,
      page: message.page,
      data: message.data,
      miniprogram_state: message.miniprogramState,
      lang: message.lang,
    });
    const token = await this.getAccessToken();
    try {
      await this.#send(token, body);
    } catch (err) {
      if (!(err instanceof AccessTokenInvalid)) throw err;
      // WeChat says the token is invalid (rotated elsewhere, or expired early): drop it, unless a
      // concurrent caller already replaced it, and retry once with the fresh one.
      if (this.#token?.value === token) this.#token = undefined;
      this.#log.info({ op: 'sendSubscribeMessage' }, 'access token rejected; refreshing once');
      const fresh = await this.getAccessToken();
      try {
        await this.#send(fresh, body);
      } catch (again) {
        if (again instanceof AccessTokenInvalid) throw new WechatApiError('sendSubscribeMessage', 40001, 'access token rejected after refresh');
        throw again;
      }
    }
  }

  /** Drops the cached access token (e.g. after rotating the secret). */
  invalidateAccessToken(): void {
    this.#token = undefined;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #send(token: string, body: string): Promise<void> {
    const answer = await this.#call('sendSubscribeMessage', 'POST', `/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(token)}`, body);
    const errcode = answer.errcode ?? 0;
    if (errcode === 0) return;
    if (TOKEN_INVALID_ERRCODES.has(errcode)) throw new AccessTokenInvalid();
    if (errcode === SUBSCRIBE_REFUSED_ERRCODE) throw new WechatSubscribeRefusedError(errcode);
    throw new WechatApiError('sendSubscribeMessage', errcode, String(answer.errmsg ?? ''));
  }

  async #fetchAccessToken(): Promise<string> {
    const query = new URLSearchParams({ grant_type: 'client_credential', appid: this.#options.appId, secret: this.#options.appSecret });
    const answer = await this.#call('getAccessToken', 'GET', `/cgi-bin/token?${query}`);
    if (answer.errcode && answer.errcode !== 0) throw new WechatApiError('getAccessToken', answer.errcode, String(answer.errmsg ?? ''));
    const value = answer.access_token;
    const expiresIn = Number(answer.expires_in);
    if (typeof value !== 'string' || !Number.isFinite(expiresIn)) throw new WechatUnavailableError('token answer has no access_token/expires_in');
    const lifetimeMs = expiresIn * 1000;
    // Short-lived tokens (tests) still get half their life before a refresh.
    const margin = Math.min(ACCESS_TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    this.#token = { value, refreshAt: Date.now() + lifetimeMs - margin };
    this.#log.debug({ op: 'getAccessToken', expiresIn }, 'access token refreshed');
    return value;
  }

  /** One HTTP round trip; transport failures, 5xx and busy errcodes become WechatUnavailableError. */
  async #call(op: string, method: 'GET' | 'POST', pathAndQuery: string, body?: string): Promise<WechatAnswer> {
    const started = Date.now();
    let res: HttpResponse;
    try {
      res = await sendHttp(this.#agent, {
        method,
        url: joinUrl(this.#options.baseUrl, pathAndQuery).toString(),
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body,
        timeoutMs: this.#options.timeoutMs,
      });
    } catch (err) {
      const reason = err instanceof TransportError ? err.reason : 'network error';
      this.#log.warn({ op, ms: Date.now() - started, reason }, 'WeChat API call failed');
      throw new WechatUnavailableError(reason === 'timeout' ? `${op} timed out after ${this.#options.timeoutMs} ms` : `${op} connection failed (${reason})`, {
        transport: reason,
      });
    }
    const ms = Date.now() - started;
    if (res.status >= 500 || res.status === 429) {
      this.#log.warn({ op, ms, status: res.status }, 'WeChat API answered with an error status');
      throw new WechatUnavailableError(`${op} answered HTTP ${res.status}`, { status: res.status });
    }
    const answer = parseJson(res.text);
    if (res.status !== 200 || typeof answer !== 'object' || answer === null) {
      this.#log.warn({ op, ms, status: res.status }, 'WeChat API answered something unexpected');
      throw new WechatUnavailableError(`${op} answered HTTP ${res.status} without a JSON object`, { status: res.status });
    }
    const errcode = (answer as WechatAnswer).errcode;
    this.#log.debug({ op, ms, errcode: errcode ?? 0 }, 'WeChat API call');
    if (errcode !== undefined && BUSY_ERRCODES.has(errcode)) {
      throw new WechatUnavailableError(`${op} answered errcode ${errcode} (busy)`, { errcode });
    }
    return answer as WechatAnswer;
  }
}
