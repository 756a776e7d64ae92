/**
 * One node:http server standing in for every outside party in local mode and tests: the WeChat
 * mini-program API, WeChat Pay v3, the SMS provider and the logistics provider. The production
 * HTTP clients talk to it unchanged (only the base URL differs), so the real signing,
 * verification and decryption code runs. Tests steer it: latency, injected failures, counters,
 * recorded messages, and `pay()` / `buildNotification()` for payment notifications.
 */
import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { Agent } from 'undici';
import type { Logger } from '../../observability/logger.js';
import { createHttpAgent, sendHttp } from '../http.js';
import {
  MAX_TIMESTAMP_SKEW_SECONDS,
  parseAuthorization,
  randomNonce,
  responseSignatureMessage,
  signSha256Rsa,
  toPrivateKey,
  toPublicKey,
  unixSeconds,
  verifyRequestSignature,
} from '../pay/wechat-pay.crypto.js';
import type { PayTransaction, RefundResource, RefundStatus, TradeState } from '../pay/wechat-pay.port.js';
import { generateLocalPayKeys, generateRsaKeyPair, type LocalPayKeys } from './keys.js';
import { buildPayNotification, wechatTime, type BuildNotificationInput, type BuiltNotification } from './pay-notification.js';

export type SimulatedService = 'miniProgram' | 'pay' | 'sms' | 'logistics';
/** `http500`: HTTP 500; `timeout`: never answers; `reset`: destroys the socket; `busy`: errcode -1 / HTTP 429. */
export type FailureKind = 'http500' | 'timeout' | 'reset' | 'busy';

export const DEFAULT_LOCAL_APPID = 'wx00000000000local';
export const DEFAULT_LOCAL_APPSECRET = 'local-app-secret';
export const DEFAULT_LOCAL_MCHID = '1900000001';
/** WeChat issues access tokens for two hours. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 7_200;
/** Gaps between notification re-deliveries (WeChat: 15s, 15s, 30s, 3m, 10m, 20m, 30m, ...; shortened). */
export const DEFAULT_NOTIFY_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000];
/** How long a refund stays PROCESSING before it succeeds. */
export const DEFAULT_REFUND_DELAY_MS = 200;
/** Deadline for one notification POST to the BFF. */
const NOTIFY_TIMEOUT_MS = 5_000;
const SERVICES: readonly SimulatedService[] = ['miniProgram', 'pay', 'sms', 'logistics'];

export interface WechatSimulatorOptions {
  /** 0 (default) = ephemeral. */
  port?: number;
  host?: string;
  logger?: Logger;
  appId?: string;
  /** When set, code2Session and token calls must carry it (errcode 40125 otherwise). */
  appSecret?: string;
  accessTokenTtlSeconds?: number;
  mchId?: string;
  /**
   * Merchant side of the pay keys (the simulator verifies requests with the PUBLIC key) and the
   * APIv3 key. Omitted: a full LocalPayKeys set is generated and exposed as `sim.localKeys`.
   */
  merchant?: { publicKey: string; serialNo: string; apiV3Key: string };
  /** Platform key pair; generated at start when omitted. */
  platform?: { privateKey: string; publicKey: string; serialNo: string };
  notifyRetryDelaysMs?: number[];
  refundDelayMs?: number;
  /**
   * Local mode's complete key set, served at `GET /_simulator/local-keys` so other processes of
   * the same deployment (ROLE=worker next to ROLE=api) use this simulator with the same keys.
   * Throwaway local keys only; production never starts a simulator.
   */
  shareKeys?: LocalPayKeys;
}

/** Control routes other local processes (and the chaos suite) use; see handleControl. */
export const SIMULATOR_CONTROL_PREFIX = '/_simulator/';

export interface SentSubscribeMessage {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogram_state?: string;
  lang?: string;
  at: string;
}

export interface SentSms {
  messageId: string;
  phone: string;
  templateId: string;
  params: Record<string, string>;
  at: string;
}

export interface Waybill {
  waybillNo: string;
  carrier: string;
  orderNo: string;
  receiver: { name: string; phone: string; address: string };
  items: { skuId?: string; name: string; quantity: number }[];
  at: string;
}

export interface SimTransaction {
  appid: string;
  mchid: string;
  outTradeNo: string;
  description: string;
  prepayId: string;
  notifyUrl: string;
  totalFen: number;
  payerOpenid: string;
  attach?: string;
  tradeState: TradeState;
  transactionId?: string;
  successTime?: string;
  refundedFen: number;
}

export interface SimRefund {
  outRefundNo: string;
  refundId: string;
  outTradeNo: string;
  transactionId: string;
  reason?: string;
  refundFen: number;
  totalFen: number;
  status: RefundStatus;
  notifyUrl: string;
  createTime: string;
  successTime?: string;
}

export interface NotificationDelivery {
  id: string;
  eventType: string;
  outTradeNo: string;
  outRefundNo?: string;
  url: string;
  /** One entry per attempt: the HTTP status, or the transport failure. */
  attempts: { at: string; status?: number; error?: string }[];
  state: 'pending' | 'delivered' | 'failed' | 'cancelled';
}

export interface WechatSimulator {
  /** Base URL for every simulated service: pass it as the base URL of each real client. */
  readonly baseUrl: string;
  readonly appId: string;
  readonly appSecret: string | undefined;
  readonly mchId: string;
  readonly platformSerialNo: string;
  readonly platformPublicKey: string;
  /** Only when the simulator generated the merchant keys itself (no `merchant` option). */
  readonly localKeys: LocalPayKeys | undefined;

  /** Adds `ms` before every answer of `service` (0 = none). */
  setLatency(service: SimulatedService, ms: number): void;
  /** The next `count` calls to `service` fail with `kind`. */
  failNext(service: SimulatedService, count: number, kind: FailureKind): void;
  /** Each call to `service` fails with probability `ratio` (0..1), with `kind` (default http500). */
  setFailureRate(service: SimulatedService, ratio: number, kind?: FailureKind): void;
  /**
   * Calls to `service` wait, unanswered (and counted in `inFlight`), until `release(service)`:
   * a test acts while the caller is in the middle of its call, or sees how many calls it makes at once.
   */
  hold(service: SimulatedService): void;
  /** Answers the calls `hold` kept waiting; new calls are answered at once again. */
  release(service: SimulatedService): void;
  /** Requests received per service (failed ones included). */
  calls(service: SimulatedService): number;
  counters(): Record<SimulatedService, number>;
  /** Requests received per route: code2Session, token, stableToken, subscribeSend, jsapi, queryOrder, closeOrder, refund, queryRefund, sms, waybill. */
  callsTo(route: string): number;
  /** The most requests of a route the simulator was answering at once (with latency set, how concurrent the caller is). */
  maxInFlight(route: string): number;
  /** Requests of a route received and not answered yet (held by latency): lets a test see a caller gave up first. */
  inFlight(route: string): number;
  /** Releases held calls; clears latency, failures, counters and recorded messages/SMS/waybills/deliveries (keeps transactions and tokens). */
  reset(): void;

  sentSubscribeMessages(): SentSubscribeMessage[];
  /** Every issued access token becomes invalid: the next send answers errcode 40001. */
  invalidateAccessTokens(): void;
  /** The openid any login with this code yields. */
  openidFor(code: string): string;

  transaction(outTradeNo: string): SimTransaction | undefined;
  refundRecord(outRefundNo: string): SimRefund | undefined;
  notificationDeliveries(): NotificationDelivery[];
  /** Replaces the notify_url merchants gave (e.g. once the BFF's port is known); undefined = use theirs. */
  setNotifyUrl(url: string | undefined): void;
  setRefundDelay(ms: number): void;
  /**
   * Marks the transaction paid (as if the user paid in WeChat) and delivers a signed, encrypted
   * TRANSACTION.SUCCESS notification, retrying with backoff until the merchant answers 200/204.
   * Paying an already-paid transaction re-delivers the notification (WeChat does send duplicates).
   */
  pay(outTradeNo: string, options?: { payerTotalFen?: number }): Promise<{ transactionId: string; delivery: Promise<NotificationDelivery> }>;
  /** The decrypted resource a notification for this transaction carries. */
  transactionResource(outTradeNo: string): PayTransaction;
  /** Crafts a notification signed by the platform key (override anything to forge/tamper). */
  buildNotification(input: Omit<BuildNotificationInput, 'apiV3Key' | 'platformPrivateKey' | 'platformSerialNo'> & Partial<BuildNotificationInput>): BuiltNotification;

  sentSms(): SentSms[];
  waybills(): Waybill[];
  /** Every refund WeChat Pay accepted. */
  refunds(): SimRefund[];

  close(): Promise<void>;
}

/** Starts the simulator; resolves once it listens. */
export async function startWechatSimulator(options: WechatSimulatorOptions = {}): Promise<WechatSimulator> {
  const sim = new Simulator(options);
  await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sim;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly payload: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

interface Routed {
  service: SimulatedService;
  route: string;
}

class Simulator implements WechatSimulator {
  baseUrl = '';
  readonly appId: string;
  readonly appSecret: string | undefined;
  readonly mchId: string;
  readonly platformSerialNo: string;
  readonly platformPublicKey: string;
  readonly localKeys: LocalPayKeys | undefined;

  readonly #log: Logger;
  readonly #server: Server;
  readonly #agent: Agent = createHttpAgent();
  readonly #platformPrivateKey: KeyObject;
  readonly #merchantPublicKey: KeyObject;
  readonly #merchantSerialNo: string;
  readonly #apiV3Key: string;
  readonly #tokenTtlSeconds: number;
  readonly #retryDelaysMs: number[];
  #refundDelayMs: number;
  #notifyUrlOverride: string | undefined;
  #closed = false;
  readonly #shareKeys: LocalPayKeys | undefined;

  readonly #latency = new Map<SimulatedService, number>();
  readonly #failNext = new Map<SimulatedService, { count: number; kind: FailureKind }[]>();
  readonly #failureRate = new Map<SimulatedService, { ratio: number; kind: FailureKind }>();
  readonly #held = new Map<SimulatedService, { released: Promise<void>; release: () => void }>();
  readonly #calls = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #maxInFlight = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #pendingDeliveries = new Map<NotificationDelivery, () => void>();

  readonly #tokens = new Map<string, number>();
  #stableToken: { value: string; expiresAt: number } | undefined;
  #subscribeMessages: SentSubscribeMessage[] = [];
  #sms: SentSms[] = [];
  readonly #waybills = new Map<string, Waybill>();
  readonly #transactions = new Map<string, SimTransaction>();
  readonly #refunds = new Map<string, SimRefund>();
  #deliveries: NotificationDelivery[] = [];

  constructor(options: WechatSimulatorOptions) {
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'wechat-simulator' });
    this.appId = options.appId ?? DEFAULT_LOCAL_APPID;
    this.appSecret = options.appSecret;
    this.mchId = options.mchId ?? DEFAULT_LOCAL_MCHID;
    this.#tokenTtlSeconds = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
    this.#retryDelaysMs = options.notifyRetryDelaysMs ?? DEFAULT_NOTIFY_RETRY_DELAYS_MS;
    this.#refundDelayMs = options.refundDelayMs ?? DEFAULT_REFUND_DELAY_MS;
    this.#shareKeys = options.shareKeys;

    let platform = options.platform;
    let merchant = options.merchant;
    if (!merchant) {
      const keys = generateLocalPayKeys();
      this.localKeys = keys;
      merchant = { publicKey: keys.merchantPublicKey, serialNo: keys.merchantSerialNo, apiV3Key: keys.apiV3Key };
      platform ??= { privateKey: keys.platformPrivateKey, publicKey: keys.platformPublicKey, serialNo: keys.platformSerialNo };
    }
    if (!platform) {
      const pair = generateRsaKeyPair();
      platform = { ...pair, serialNo: randomBytes(20).toString('hex').toUpperCase() };
    }
    this.platformSerialNo = platform.serialNo;
    this.platformPublicKey = platform.publicKey;
    this.#platformPrivateKey = toPrivateKey(platform.privateKey);
    this.#merchantPublicKey = toPublicKey(merchant.publicKey);
    this.#merchantSerialNo = merchant.serialNo;
    this.#apiV3Key = merchant.apiV3Key;

    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: Error) => {
        this.#log.error({ err: err.message }, 'simulator handler failed');
        if (!res.headersSent && !res.destroyed) json(res, 500, { message: 'simulator error' });
      });
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    this.#log.info({ baseUrl: this.baseUrl }, 'WeChat / WeChat Pay / SMS / logistics simulator listening');
  }

  // ---- controls --------------------------------------------------------------------------------

  setLatency(service: SimulatedService, ms: number): void {
    this.#latency.set(service, Math.max(0, ms));
  }

  failNext(service: SimulatedService, count: number, kind: FailureKind): void {
    const queue = this.#failNext.get(service) ?? [];
    queue.push({ count, kind });
    this.#failNext.set(service, queue);
  }

  setFailureRate(service: SimulatedService, ratio: number, kind: FailureKind = 'http500'): void {
    this.#failureRate.set(service, { ratio: Math.min(1, Math.max(0, ratio)), kind });
  }

  hold(service: SimulatedService): void {
    if (this.#held.has(service)) return;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#held.set(service, { released, release });
  }

  release(service: SimulatedService): void {
    this.#held.get(service)?.release();
    this.#held.delete(service);
  }

  calls(service: SimulatedService): number {
    return this.#calls.get(`service:${service}`) ?? 0;
  }

  counters(): Record<SimulatedService, number> {
    return Object.fromEntries(SERVICES.map((s) => [s, this.calls(s)])) as Record<SimulatedService, number>;
  }

  callsTo(route: string): number {
    return this.#calls.get(`route:${route}`) ?? 0;
  }

  maxInFlight(route: string): number {
    return this.#maxInFlight.get(route) ?? 0;
  }

  inFlight(route: string): number {
    return this.#inFlight.get(route) ?? 0;
  }

  reset(): void {
    for (const service of [...this.#held.keys()]) this.release(service);
    this.#latency.clear();
    this.#failNext.clear();
    this.#failureRate.clear();
    this.#calls.clear();
    this.#maxInFlight.clear();
    this.#subscribeMessages = [];
    this.#sms = [];
    this.#waybills.clear();
    this.#cancelDeliveries();
    this.#deliveries = [];
  }

  sentSubscribeMessages(): SentSubscribeMessage[] {
    return [...this.#subscribeMessages];
  }

  invalidateAccessTokens(): void {
    this.#tokens.clear();
    this.#stableToken = undefined;
  }

  openidFor(code: string): string {
    return 'o' + createHash('sha256').update(this.appId + code).digest('base64url').slice(0, 27);
  }

  transaction(outTradeNo: string): SimTransaction | undefined {
    const tx = this.#transactions.get(outTradeNo);
    return tx && { ...tx };
  }

  refundRecord(outRefundNo: string): SimRefund | undefined {
    const refund = this.#refunds.get(outRefundNo);
    return refund && { ...refund };
  }

  notificationDeliveries(): NotificationDelivery[] {
    return this.#deliveries.map((d) => ({ ...d, attempts: [...d.attempts] }));
  }

  setNotifyUrl(url: string | undefined): void {
    this.#notifyUrlOverride = url;
  }

  setRefundDelay(ms: number): void {
    this.#refundDelayMs = Math.max(0, ms);
  }

  sentSms(): SentSms[] {
    return [...this.#sms];
  }

  waybills(): Waybill[] {
    return [...this.#waybills.values()];
  }

  refunds(): SimRefund[] {
    return [...this.#refunds.values()];
  }

  async pay(outTradeNo: string, options: { payerTotalFen?: number } = {}): Promise<{ transactionId: string; delivery: Promise<NotificationDelivery> }> {
    const tx = this.#transactions.get(outTradeNo);
    if (!tx) throw new Error(`simulator: no transaction ${outTradeNo} (create a prepay first)`);
    if (tx.tradeState !== 'NOTPAY' && tx.tradeState !== 'SUCCESS') throw new Error(`simulator: transaction ${outTradeNo} is ${tx.tradeState}`);
    if (tx.tradeState === 'NOTPAY') {
      tx.tradeState = 'SUCCESS';
      tx.transactionId = `4200${Date.now()}${randomBytes(4).toString('hex')}`.slice(0, 28);
      tx.successTime = wechatTime(new Date());
    }
    const resource = this.transactionResource(outTradeNo);
    if (options.payerTotalFen !== undefined) resource.amount.payer_total = options.payerTotalFen;
    this.#log.info({ outTradeNo, transactionId: tx.transactionId }, 'simulated payment');
    const delivery = this.#deliver({ eventType: 'TRANSACTION.SUCCESS', outTradeNo, url: tx.notifyUrl, resource, originalType: 'transaction' });
    return { transactionId: tx.transactionId!, delivery };
  }

  transactionResource(outTradeNo: string): PayTransaction {
    const tx = this.#transactions.get(outTradeNo);
    if (!tx) throw new Error(`simulator: no transaction ${outTradeNo}`);
    return txResource(tx);
  }

  buildNotification(input: Omit<BuildNotificationInput, 'apiV3Key' | 'platformPrivateKey' | 'platformSerialNo'> & Partial<BuildNotificationInput>): BuiltNotification {
    return buildPayNotification({ apiV3Key: this.#apiV3Key, platformPrivateKey: this.#platformPrivateKey, platformSerialNo: this.platformSerialNo, ...input });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const service of [...this.#held.keys()]) this.release(service);
    this.#cancelDeliveries();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // Held ("timeout") requests and idle keep-alive sockets would otherwise keep close() waiting.
    this.#server.closeAllConnections();
    await closed;
    await this.#agent.close();
  }

  // ---- request handling ------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname.startsWith(SIMULATOR_CONTROL_PREFIX)) {
      await this.#control(req, res, url.pathname.slice(SIMULATOR_CONTROL_PREFIX.length));
      return;
    }
    const routed = routeOf(req.method ?? 'GET', url.pathname);
    if (!routed) {
      json(res, 404, { code: 'NOT_FOUND', message: `simulator has no route ${req.method} ${url.pathname}` });
      return;
    }
    this.#count(`service:${routed.service}`);
    this.#count(`route:${routed.route}`);
    const inFlight = (this.#inFlight.get(routed.route) ?? 0) + 1;
    this.#inFlight.set(routed.route, inFlight);
    this.#maxInFlight.set(routed.route, Math.max(inFlight, this.#maxInFlight.get(routed.route) ?? 0));
    try {
      await this.#answer(req, res, url, routed);
    } finally {
      this.#inFlight.set(routed.route, (this.#inFlight.get(routed.route) ?? 1) - 1);
    }
  }

  /**
   * The simulator's own control surface, for the other processes of a local deployment and for
   * out-of-process tests: the shared keys, "the user pays", holding a service's calls, and what the
   * outside parties saw.
   */
  async #control(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const body = await readBody(req);
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    if (req.method === 'GET' && route === 'local-keys') {
      if (!this.#shareKeys) return json(res, 404, { code: 'NOT_SHARED', message: 'this simulator was started without shared local keys' });
      return json(res, 200, { appId: this.appId, mchId: this.mchId, keys: this.#shareKeys });
    }
    if (req.method === 'POST' && route === 'pay') {
      try {
        const { transactionId } = await this.pay(String(input.outTradeNo));
        return json(res, 200, { transactionId });
      } catch (err) {
        return json(res, 409, { code: 'NOT_PAYABLE', message: (err as Error).message });
      }
    }
    if (req.method === 'POST' && (route === 'hold' || route === 'release')) {
      const service = SERVICES.find((s) => s === input.service);
      if (!service) return json(res, 400, { code: 'PARAM_ERROR', message: `service must be one of ${SERVICES.join(', ')}` });
      if (route === 'hold') this.hold(service);
      else this.release(service);
      return json(res, 200, {});
    }
    if (req.method === 'GET' && route === 'stats') {
      return json(res, 200, {
        calls: Object.fromEntries([...this.#calls].filter(([k]) => k.startsWith('route:')).map(([k, v]) => [k.slice(6), v])),
        sms: this.#sms.map((m) => ({ orderNo: m.params.orderNo, templateId: m.templateId })),
        waybills: this.waybills().map((w) => ({ orderNo: w.orderNo })),
        refunds: this.refunds().map((r) => ({ outRefundNo: r.outRefundNo, outTradeNo: r.outTradeNo, status: r.status, refundFen: r.refundFen })),
        transactions: [...this.#transactions.values()].map((t) => ({ outTradeNo: t.outTradeNo, tradeState: t.tradeState, transactionId: t.transactionId })),
        deliveries: this.#deliveries.map((d) => ({ eventType: d.eventType, outTradeNo: d.outTradeNo, state: d.state })),
      });
    }
    return json(res, 404, { code: 'NOT_FOUND', message: `simulator has no control route ${req.method} ${route}` });
  }

  async #answer(req: IncomingMessage, res: ServerResponse, url: URL, routed: NonNullable<ReturnType<typeof routeOf>>): Promise<void> {
    const body = await readBody(req);

    const latency = this.#latency.get(routed.service) ?? 0;
    if (latency > 0) await this.#sleep(latency);
    const held = this.#held.get(routed.service);
    if (held) await held.released;
    if (this.#closed || res.destroyed) return;

    const failure = this.#takeFailure(routed.service);
    if (failure) {
      this.#log.debug({ service: routed.service, route: routed.route, failure }, 'injected failure');
      this.#fail(routed.service, failure, req, res);
      return;
    }

    try {
      if (routed.service === 'pay') {
        this.#checkMerchantSignature(req, body);
        const { status, payload } = this.#pay(routed.route, req.method ?? 'GET', url, body);
        this.#sendSigned(res, status, payload);
      } else {
        const payload =
          routed.service === 'miniProgram' ? this.#miniProgram(routed.route, url, body) : routed.service === 'sms' ? this.#sendSms(body) : this.#createWaybill(body);
        json(res, 200, payload);
      }
      this.#log.debug({ service: routed.service, route: routed.route }, 'simulated call');
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (routed.service === 'pay') this.#sendSigned(res, err.status, err.payload);
      else json(res, err.status, err.payload);
    }
  }

  #takeFailure(service: SimulatedService): FailureKind | undefined {
    const queue = this.#failNext.get(service);
    if (queue && queue.length > 0) {
      const head = queue[0]!;
      head.count -= 1;
      if (head.count <= 0) queue.shift();
      return head.kind;
    }
    const rate = this.#failureRate.get(service);
    if (rate && Math.random() < rate.ratio) return rate.kind;
    return undefined;
  }

  #fail(service: SimulatedService, kind: FailureKind, req: IncomingMessage, res: ServerResponse): void {
    switch (kind) {
      case 'timeout':
        // Hold the request: the client's deadline must fire. close() destroys the socket.
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'http500':
        json(res, 500, service === 'miniProgram' ? { errcode: -1, errmsg: 'system error' } : { code: 'SYSTEM_ERROR', message: 'simulated internal error' });
        return;
      case 'busy':
        if (service === 'miniProgram') json(res, 200, { errcode: -1, errmsg: 'system error' });
        else json(res, 429, { code: 'FREQUENCY_LIMITED', message: 'simulated: too many requests' });
        return;
    }
  }

  // ---- mini-program API ------------------------------------------------------------------------

  #miniProgram(route: string, url: URL, body: string): unknown {
    const q = url.searchParams;
    switch (route) {
      case 'code2Session': {
        this.#checkApp(q.get('appid'), q.get('secret'));
        const code = q.get('js_code') ?? '';
        if (q.get('grant_type') !== 'authorization_code') return { errcode: 40002, errmsg: 'invalid grant_type' };
        if (code === '') return { errcode: 41008, errmsg: 'missing code' };
        if (code.startsWith('invalid')) return { errcode: 40029, errmsg: 'invalid code' };
        if (code.startsWith('used')) return { errcode: 40163, errmsg: 'code been used' };
        if (code.startsWith('risky')) return { errcode: 40226, errmsg: 'invalid user (high risk)' };
        return { openid: this.openidFor(code), session_key: randomBytes(16).toString('base64'), errcode: 0, errmsg: 'ok' };
      }
      case 'token': {
        if (q.get('grant_type') !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
        this.#checkApp(q.get('appid'), q.get('secret'));
        return { access_token: this.#issueToken(), expires_in: this.#tokenTtlSeconds };
      }
      case 'stableToken': {
        const input = parseObject(body);
        if (input.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
        this.#checkApp(String(input.appid ?? ''), String(input.secret ?? ''));
        const now = Date.now();
        if (input.force_refresh === true || !this.#stableToken || this.#stableToken.expiresAt <= now) {
          const value = this.#issueToken();
          this.#stableToken = { value, expiresAt: this.#tokens.get(value)! };
        }
        return { access_token: this.#stableToken.value, expires_in: Math.floor((this.#stableToken.expiresAt - now) / 1000) };
      }
      case 'subscribeSend': {
        const token = q.get('access_token') ?? '';
        const expiresAt = this.#tokens.get(token);
        if (expiresAt === undefined) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
        if (expiresAt <= Date.now()) return { errcode: 42001, errmsg: 'access_token expired' };
        const input = parseObject(body);
        if (typeof input.touser !== 'string' || input.touser === '') return { errcode: 40003, errmsg: 'invalid openid' };
        if (typeof input.template_id !== 'string' || input.template_id === '') return { errcode: 40037, errmsg: 'invalid template_id' };
        if (typeof input.data !== 'object' || input.data === null) return { errcode: 47003, errmsg: 'argument invalid! data' };
        this.#subscribeMessages.push({
          touser: input.touser,
          template_id: input.template_id,
          page: input.page as string | undefined,
          data: input.data as Record<string, { value: string }>,
          miniprogram_state: input.miniprogram_state as string | undefined,
          lang: input.lang as string | undefined,
          at: new Date().toISOString(),
        });
        return { errcode: 0, errmsg: 'ok' };
      }
      default:
        throw new HttpError(404, { errcode: 404, errmsg: 'unknown api' });
    }
  }

  #checkApp(appid: string | null, secret: string | null): void {
    if (appid !== this.appId) throw new HttpError(200, { errcode: 40013, errmsg: 'invalid appid' });
    if (this.appSecret !== undefined && secret !== this.appSecret) throw new HttpError(200, { errcode: 40125, errmsg: 'invalid appsecret' });
  }

  #issueToken(): string {
    const token = `SIM_AT_${randomBytes(24).toString('base64url')}`;
    this.#tokens.set(token, Date.now() + this.#tokenTtlSeconds * 1000);
    return token;
  }

  // ---- WeChat Pay v3 ---------------------------------------------------------------------------

  #checkMerchantSignature(req: IncomingMessage, body: string): void {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) throw new HttpError(401, { code: 'SIGN_ERROR', message: 'missing or malformed Authorization' });
    if (auth.mchid !== this.mchId) throw new HttpError(401, { code: 'SIGN_ERROR', message: 'mchid does not match' });
    if (auth.serial_no !== this.#merchantSerialNo) throw new HttpError(401, { code: 'SIGN_ERROR', message: 'unknown merchant certificate serial_no' });
    if (Math.abs(unixSeconds() - Number(auth.timestamp)) > MAX_TIMESTAMP_SKEW_SECONDS) throw new HttpError(401, { code: 'SIGN_ERROR', message: 'timestamp expired' });
    if (!verifyRequestSignature(auth, req.method ?? 'GET', req.url ?? '/', body, this.#merchantPublicKey)) {
      throw new HttpError(401, { code: 'SIGN_ERROR', message: 'signature does not verify' });
    }
  }

  #sendSigned(res: ServerResponse, status: number, payload: unknown): void {
    if (res.destroyed) return;
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const timestamp = String(unixSeconds());
    const nonce = randomNonce();
    const headers: Record<string, string> = {
      'request-id': randomUUID(),
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': this.platformSerialNo,
      'wechatpay-signature': signSha256Rsa(responseSignatureMessage(timestamp, nonce, body), this.#platformPrivateKey),
    };
    if (body !== '') headers['content-type'] = 'application/json';
    res.writeHead(status, headers);
    res.end(body);
  }

  #pay(route: string, method: string, url: URL, body: string): { status: number; payload?: unknown } {
    switch (route) {
      case 'jsapi':
        return { status: 200, payload: this.#prepay(parseObject(body)) };
      case 'queryOrder': {
        if (url.searchParams.get('mchid') !== this.mchId) throw new HttpError(400, { code: 'PARAM_ERROR', message: 'mchid does not match' });
        const tx = this.#transactions.get(decodeURIComponent(url.pathname.split('/')[5] ?? ''));
        if (!tx) throw new HttpError(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
        return { status: 200, payload: txResource(tx) };
      }
      case 'closeOrder': {
        const input = parseObject(body);
        if (input.mchid !== this.mchId) throw new HttpError(400, { code: 'PARAM_ERROR', message: 'mchid does not match' });
        const tx = this.#transactions.get(decodeURIComponent(url.pathname.split('/')[5] ?? ''));
        if (!tx) throw new HttpError(404, { code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
        if (tx.tradeState === 'SUCCESS' || tx.tradeState === 'REFUND') throw new HttpError(400, { code: 'ORDERPAID', message: 'order already paid' });
        tx.tradeState = 'CLOSED';
        return { status: 204 };
      }
      case 'refund':
        return { status: 200, payload: this.#createRefund(parseObject(body)) };
      case 'queryRefund': {
        const refund = this.#refunds.get(decodeURIComponent(url.pathname.split('/')[5] ?? ''));
        if (!refund) throw new HttpError(404, { code: 'RESOURCE_NOT_EXISTS', message: 'refund does not exist' });
        return { status: 200, payload: refundAnswer(refund) };
      }
      default:
        throw new HttpError(404, { code: 'NOT_FOUND', message: `no pay route ${method} ${url.pathname}` });
    }
  }

  #prepay(input: Record<string, unknown>): { prepay_id: string } {
    const amount = input.amount as { total?: unknown } | undefined;
    const payer = input.payer as { openid?: unknown } | undefined;
    const outTradeNo = input.out_trade_no;
    if (input.appid !== this.appId) throw new HttpError(400, { code: 'APPID_MCHID_NOT_MATCH', message: 'appid does not match' });
    if (input.mchid !== this.mchId) throw new HttpError(400, { code: 'APPID_MCHID_NOT_MATCH', message: 'mchid does not match' });
    if (typeof outTradeNo !== 'string' || !/^[A-Za-z0-9_\-|*]{6,32}$/.test(outTradeNo)) throw new HttpError(400, { code: 'PARAM_ERROR', message: 'out_trade_no invalid' });
    if (typeof input.description !== 'string' || input.description === '') throw new HttpError(400, { code: 'PARAM_ERROR', message: 'description missing' });
    if (typeof input.notify_url !== 'string' || !/^https?:\/\//.test(input.notify_url)) throw new HttpError(400, { code: 'PARAM_ERROR', message: 'notify_url invalid' });
    if (!Number.isInteger(amount?.total) || (amount!.total as number) <= 0) throw new HttpError(400, { code: 'PARAM_ERROR', message: 'amount.total invalid' });
    if (typeof payer?.openid !== 'string' || payer.openid === '') throw new HttpError(400, { code: 'PARAM_ERROR', message: 'payer.openid missing' });

    const existing = this.#transactions.get(outTradeNo);
    if (existing) {
      if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND') throw new HttpError(400, { code: 'ORDERPAID', message: 'order already paid' });
      if (existing.tradeState === 'CLOSED') throw new HttpError(400, { code: 'ORDER_CLOSED', message: 'order closed' });
      if (existing.totalFen !== amount!.total || existing.payerOpenid !== payer.openid) {
        throw new HttpError(400, { code: 'INVALID_REQUEST', message: 'out_trade_no reused with different parameters' });
      }
      existing.notifyUrl = input.notify_url;
      return { prepay_id: existing.prepayId };
    }
    const tx: SimTransaction = {
      appid: this.appId,
      mchid: this.mchId,
      outTradeNo,
      description: input.description,
      prepayId: `wx${Date.now()}${randomBytes(8).toString('hex')}`,
      notifyUrl: input.notify_url,
      totalFen: amount!.total as number,
      payerOpenid: payer.openid,
      attach: typeof input.attach === 'string' ? input.attach : undefined,
      tradeState: 'NOTPAY',
      refundedFen: 0,
    };
    this.#transactions.set(outTradeNo, tx);
    return { prepay_id: tx.prepayId };
  }

  #createRefund(input: Record<string, unknown>): unknown {
    const outRefundNo = input.out_refund_no;
    const amount = input.amount as { refund?: unknown; total?: unknown } | undefined;
    if (typeof outRefundNo !== 'string' || outRefundNo === '') throw new HttpError(400, { code: 'PARAM_ERROR', message: 'out_refund_no missing' });
    const existing = this.#refunds.get(outRefundNo);
    if (existing) return refundAnswer(existing);
    const tx = typeof input.out_trade_no === 'string' ? this.#transactions.get(input.out_trade_no) : undefined;
    if (!tx) throw new HttpError(404, { code: 'RESOURCE_NOT_EXISTS', message: 'order does not exist' });
    if (tx.tradeState !== 'SUCCESS' && tx.tradeState !== 'REFUND') throw new HttpError(400, { code: 'INVALID_REQUEST', message: 'order is not paid' });
    if (!Number.isInteger(amount?.refund) || (amount!.refund as number) <= 0 || amount!.total !== tx.totalFen) {
      throw new HttpError(400, { code: 'PARAM_ERROR', message: 'amount.refund/amount.total invalid' });
    }
    const refundFen = amount!.refund as number;
    if (tx.refundedFen + refundFen > tx.totalFen) throw new HttpError(403, { code: 'NOT_ENOUGH', message: 'refund exceeds the refundable amount' });
    tx.refundedFen += refundFen; // reserved now, as WeChat does while PROCESSING
    const refund: SimRefund = {
      outRefundNo,
      refundId: `50${Date.now()}${randomBytes(4).toString('hex')}`.slice(0, 29),
      outTradeNo: tx.outTradeNo,
      transactionId: tx.transactionId!,
      reason: typeof input.reason === 'string' ? input.reason : undefined,
      refundFen,
      totalFen: tx.totalFen,
      status: 'PROCESSING',
      notifyUrl: typeof input.notify_url === 'string' ? input.notify_url : tx.notifyUrl,
      createTime: wechatTime(new Date()),
    };
    this.#refunds.set(outRefundNo, refund);
    this.#later(this.#refundDelayMs, () => {
      refund.status = 'SUCCESS';
      refund.successTime = wechatTime(new Date());
      tx.tradeState = 'REFUND';
      const resource: RefundResource = {
        mchid: this.mchId,
        out_trade_no: refund.outTradeNo,
        transaction_id: refund.transactionId,
        out_refund_no: refund.outRefundNo,
        refund_id: refund.refundId,
        refund_status: 'SUCCESS',
        success_time: refund.successTime,
        user_received_account: '支付用户零钱',
        amount: { total: refund.totalFen, refund: refund.refundFen, payer_total: refund.totalFen, payer_refund: refund.refundFen },
      };
      void this.#deliver({ eventType: 'REFUND.SUCCESS', outTradeNo: refund.outTradeNo, outRefundNo, url: refund.notifyUrl, resource, originalType: 'refund' });
    });
    return refundAnswer(refund);
  }

  /** Delivers a notification with re-signing per attempt and backoff until 200/204 or the schedule runs out. */
  #deliver(params: { eventType: string; outTradeNo: string; outRefundNo?: string; url: string; resource: PayTransaction | RefundResource; originalType: 'transaction' | 'refund' }): Promise<NotificationDelivery> {
    const record: NotificationDelivery = {
      id: randomUUID(),
      eventType: params.eventType,
      outTradeNo: params.outTradeNo,
      outRefundNo: params.outRefundNo,
      url: this.#notifyUrlOverride ?? params.url,
      attempts: [],
      state: 'pending',
    };
    this.#deliveries.push(record);
    return new Promise<NotificationDelivery>((resolve) => {
      const finish = (state: NotificationDelivery['state']) => {
        if (record.state !== 'pending') return;
        record.state = state;
        this.#pendingDeliveries.delete(record);
        resolve(record);
      };
      this.#pendingDeliveries.set(record, () => finish('cancelled'));
      const attempt = async (n: number): Promise<void> => {
        if (record.state !== 'pending') return;
        const url = this.#notifyUrlOverride ?? params.url;
        record.url = url;
        const built = this.buildNotification({ id: record.id, eventType: params.eventType, resource: params.resource, originalType: params.originalType });
        try {
          const res = await sendHttp(this.#agent, { method: 'POST', url, headers: built.headers, body: built.body, timeoutMs: NOTIFY_TIMEOUT_MS });
          record.attempts.push({ at: new Date().toISOString(), status: res.status });
          if (res.status === 200 || res.status === 204) {
            this.#log.info({ event: params.eventType, outTradeNo: params.outTradeNo, attempt: n + 1 }, 'notification delivered');
            finish('delivered');
            return;
          }
        } catch (err) {
          record.attempts.push({ at: new Date().toISOString(), error: (err as Error).message });
        }
        if (record.state !== 'pending') return;
        const delay = this.#retryDelaysMs[n];
        if (delay === undefined) {
          this.#log.warn({ event: params.eventType, outTradeNo: params.outTradeNo, attempts: n + 1 }, 'notification not acknowledged; giving up');
          finish('failed');
          return;
        }
        this.#log.info({ event: params.eventType, outTradeNo: params.outTradeNo, attempt: n + 1, retryInMs: delay }, 'notification not acknowledged; will retry');
        this.#later(delay, () => void attempt(n + 1));
      };
      void attempt(0);
    });
  }

  #cancelDeliveries(): void {
    for (const cancel of [...this.#pendingDeliveries.values()]) cancel();
  }

  // ---- SMS and logistics -----------------------------------------------------------------------

  #sendSms(body: string): { messageId: string } {
    const input = parseObject(body);
    if (typeof input.phone !== 'string' || !/^(\+?86)?1\d{10}$/.test(input.phone)) throw new HttpError(400, { code: 'INVALID_PHONE', message: 'phone is not a mainland mobile number' });
    if (typeof input.templateId !== 'string' || input.templateId === '') throw new HttpError(400, { code: 'INVALID_TEMPLATE', message: 'templateId missing' });
    const params = (typeof input.params === 'object' && input.params !== null ? input.params : {}) as Record<string, string>;
    const messageId = `sms_${randomUUID()}`;
    this.#sms.push({ messageId, phone: input.phone, templateId: input.templateId, params, at: new Date().toISOString() });
    return { messageId };
  }

  #createWaybill(body: string): { waybillNo: string; carrier: string } {
    const input = parseObject(body);
    const receiver = input.receiver as Waybill['receiver'] | undefined;
    const items = input.items as Waybill['items'] | undefined;
    if (typeof input.orderNo !== 'string' || input.orderNo === '') throw new HttpError(400, { code: 'INVALID_ORDER', message: 'orderNo missing' });
    if (!receiver || !receiver.name || !receiver.phone || !receiver.address) throw new HttpError(400, { code: 'INVALID_RECEIVER', message: 'receiver name/phone/address required' });
    if (!Array.isArray(items) || items.length === 0) throw new HttpError(400, { code: 'INVALID_ITEMS', message: 'items required' });
    const existing = this.#waybills.get(input.orderNo);
    if (existing) return { waybillNo: existing.waybillNo, carrier: existing.carrier };
    const waybill: Waybill = {
      waybillNo: `SF${Date.now()}${randomBytes(3).toString('hex').toUpperCase()}`,
      carrier: 'SIM_EXPRESS',
      orderNo: input.orderNo,
      receiver,
      items,
      at: new Date().toISOString(),
    };
    this.#waybills.set(input.orderNo, waybill);
    return { waybillNo: waybill.waybillNo, carrier: waybill.carrier };
  }

  // ---- helpers ---------------------------------------------------------------------------------

  #count(key: string): void {
    this.#calls.set(key, (this.#calls.get(key) ?? 0) + 1);
  }

  #later(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#later(ms, resolve));
  }
}

function routeOf(method: string, path: string): Routed | undefined {
  if (method === 'GET' && path === '/sns/jscode2session') return { service: 'miniProgram', route: 'code2Session' };
  if (method === 'GET' && path === '/cgi-bin/token') return { service: 'miniProgram', route: 'token' };
  if (method === 'POST' && path === '/cgi-bin/stable_token') return { service: 'miniProgram', route: 'stableToken' };
  if (method === 'POST' && path === '/cgi-bin/message/subscribe/send') return { service: 'miniProgram', route: 'subscribeSend' };
  if (path.startsWith('/sns/') || path.startsWith('/cgi-bin/') || path.startsWith('/wxa/')) return { service: 'miniProgram', route: 'unknown' };
  if (method === 'POST' && path === '/v3/pay/transactions/jsapi') return { service: 'pay', route: 'jsapi' };
  if (method === 'GET' && /^\/v3\/pay\/transactions\/out-trade-no\/[^/]+$/.test(path)) return { service: 'pay', route: 'queryOrder' };
  if (method === 'POST' && /^\/v3\/pay\/transactions\/out-trade-no\/[^/]+\/close$/.test(path)) return { service: 'pay', route: 'closeOrder' };
  if (method === 'POST' && path === '/v3/refund/domestic/refunds') return { service: 'pay', route: 'refund' };
  if (method === 'GET' && /^\/v3\/refund\/domestic\/refunds\/[^/]+$/.test(path)) return { service: 'pay', route: 'queryRefund' };
  if (path.startsWith('/v3/')) return { service: 'pay', route: 'unknown' };
  if (method === 'POST' && path === '/sms/v1/messages') return { service: 'sms', route: 'sms' };
  if (method === 'POST' && path === '/logistics/v1/waybills') return { service: 'logistics', route: 'waybill' };
  return undefined;
}

function txResource(tx: SimTransaction): PayTransaction {
  const paid = tx.tradeState === 'SUCCESS' || tx.tradeState === 'REFUND';
  return {
    appid: tx.appid,
    mchid: tx.mchid,
    out_trade_no: tx.outTradeNo,
    transaction_id: tx.transactionId ?? '',
    trade_type: 'JSAPI',
    trade_state: tx.tradeState,
    trade_state_desc: tradeStateDesc(tx.tradeState),
    bank_type: paid ? 'OTHERS' : undefined,
    attach: tx.attach,
    success_time: tx.successTime,
    payer: { openid: tx.payerOpenid },
    amount: { total: tx.totalFen, payer_total: paid ? tx.totalFen : 0, currency: 'CNY', payer_currency: 'CNY' },
  };
}

function tradeStateDesc(state: TradeState): string {
  return { SUCCESS: '支付成功', REFUND: '转入退款', NOTPAY: '未支付', CLOSED: '已关闭', REVOKED: '已撤销', USERPAYING: '用户支付中', PAYERROR: '支付失败' }[state];
}

function refundAnswer(refund: SimRefund): unknown {
  return {
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: refund.transactionId,
    out_trade_no: refund.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    success_time: refund.successTime,
    create_time: refund.createTime,
    status: refund.status,
    amount: { total: refund.totalFen, refund: refund.refundFen, payer_total: refund.totalFen, payer_refund: refund.refundFen, currency: 'CNY' },
  };
}

function parseObject(body: string): Record<string, unknown> {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, { code: 'PARAM_ERROR', message: 'body must be a JSON object', errcode: 47001, errmsg: 'data format error' });
}

function json(res: ServerResponse, status: number, payload: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
