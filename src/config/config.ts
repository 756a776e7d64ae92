import { z } from 'zod';

/** Parses `2s`, `500ms`, `5m`, `1h` (or a bare number of milliseconds) into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 500ms, 2s, 5m, 1h)`);
  const n = Number(match[1]);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms'];
  return Math.round(n * unitMs);
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

export interface RedisNode {
  host: string;
  port: number;
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:7000`) into cluster seed nodes. */
export function parseRedisNodes(text: string): RedisNode[] {
  return text.split(',').map((part) => {
    const match = /^\s*(?:\[([0-9A-Fa-f:.]+)\]|([^\s:,[\]]+)):(\d{1,5})\s*$/.exec(part);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) throw new Error(`not a host:port list: "${text}" (use e.g. 10.0.0.1:7000,10.0.0.2:7000)`);
    return { host: match[1] ?? match[2]!, port };
  });
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v : undefined));

/**
 * Every environment variable the BFF reads, in one schema. Defaults are for local use; in
 * production (NODE_ENV=production) the credentials below become required.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: optionalText,
  DATABASE_URL: z.string().url().default('mysql://root@127.0.0.1:3306/wxshop'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /**
   * Unix socket of a MySQL on this host (e.g. /run/mysqld/mysqld.sock), used instead of the
   * URL's host and port. A round trip over TCP loopback costs both sides far more CPU.
   */
  DATABASE_SOCKET: optionalText,
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /**
   * Prefix of every Redis key, so several deployments (or test databases) can share one Redis.
   * Defaults to the database name: idempotency markers and cached rows belong to one database,
   * and a recreated database must not inherit them (its new user 1 is not the old user 1).
   */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_:.-]*$/).optional(),
  /**
   * Seed nodes of a Redis Cluster (`host:port,host:port`); when set, ioredis runs in cluster mode
   * and REDIS_URL only contributes its credentials and TLS (`rediss:`) to every node.
   */
  REDIS_CLUSTER_NODES: optionalText.transform((text, ctx) => {
    if (text === undefined) return undefined;
    try {
      return parseRedisNodes(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  ROCKETMQ_ENDPOINTS: optionalText,
  ROCKETMQ_NAMESPACE: z.string().default(''),
  ROCKETMQ_ACCESS_KEY: optionalText,
  ROCKETMQ_SECRET_KEY: optionalText,
  // RocketMQ 5's proxy refuses a receive with less than 5 s to its deadline (ILLEGAL_POLLING_TIME),
  // and so does the embedded broker: every consumer would fail to receive.
  MQ_LONG_POLLING_TIMEOUT: duration('5s').refine((ms) => ms >= 5_000, { message: 'must be at least 5s: RocketMQ 5 refuses long polls under 5 s (ILLEGAL_POLLING_TIME)' }),
  MQ_CONSUMER_MAX_CACHED_MESSAGES: z.coerce.number().int().min(1).max(1024).default(64),
  EMBEDDED_BROKER_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  BROKER_DATA_DIR: z.string().default('./data/broker'),
  INSTANCE_ID: optionalText,
  SESSION_TTL: duration('7d'),
  ORDER_PAYMENT_TIMEOUT: duration('30m'),
  ORDER_SWEEP_INTERVAL: duration('5m'),
  /** How often the worker reconciles refunds, and how old a PROCESSING refund must be to be looked at. */
  REFUND_SWEEP_INTERVAL: duration('30s'),
  /** WeChat Pay queries the order closers may have in flight at once, per process (its rate limits). */
  PAYMENT_PROBE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
  NEW_USER_COUPON_CODE: z.string().default('NEW_USER'),
  /** A Redis of its own for flash-sale admission (hot keys away from sessions and caches); REDIS_URL when unset. */
  SECKILL_REDIS_URL: optionalText,
  /** Seckill orders the cg-seckill-order consumer creates at once, per process: the pace MySQL sees during a flash sale. */
  SECKILL_ORDER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** `seckill` calls per user, and per client IP, per activity within SECKILL_RATE_WINDOW (0 = no limit). */
  SECKILL_USER_RATE_LIMIT: z.coerce.number().int().min(0).default(5),
  SECKILL_IP_RATE_LIMIT: z.coerce.number().int().min(0).default(200),
  SECKILL_RATE_WINDOW: duration('1s'),
  /** An attempt the relay read but did not acknowledge (a crash) is re-sent after this. */
  SECKILL_RELAY_CLAIM_IDLE: duration('10s'),
  /** Loads missing activities into Redis and reconciles ended ones (Redis vs MySQL). */
  SECKILL_SWEEP_INTERVAL: duration('30s'),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_RATE_WINDOW: duration('1m'),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(8),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(5000),
  /** GraphiQL at GET /graphql (served by the BFF itself). Defaults to on, except in production. */
  PLAYGROUND: z.enum(['true', 'false']).optional(),
  /** Document limits checked before validation (linear in the document). */
  GRAPHQL_MAX_DOCUMENT_BYTES: z.coerce.number().int().min(256).default(32 * 1024),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(16).default(5000),
  GRAPHQL_MAX_FIELDS: z.coerce.number().int().min(1).default(2000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  /** Mutation fields one user may run per window (all instances together, counted in Redis). */
  MUTATION_RATE_LIMIT: z.coerce.number().int().min(1).default(120),
  MUTATION_RATE_WINDOW: duration('1m'),
  WS_MAX_OPERATIONS: z.coerce.number().int().min(1).default(20),
  WS_SESSION_RECHECK_INTERVAL: duration('30s'),
  /** Unpaid orders and units they reserve, per user and store. */
  ORDER_MAX_PENDING_PER_STORE: z.coerce.number().int().min(1).default(5),
  ORDER_MAX_RESERVED_UNITS_PER_STORE: z.coerce.number().int().min(1).default(200),
  /** Express `trust proxy`: unset trusts none; a hop count, or addresses/CIDRs/`loopback`... */
  TRUST_PROXY: optionalText,
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_TOKEN: optionalText,
  SEED_DEMO_DATA: optionalText,
  ADMIN_PASSWORD: optionalText,
  WECHAT_APPID: optionalText,
  WECHAT_SECRET: optionalText,
  WECHAT_API_BASE_URL: z.string().url().default('https://api.weixin.qq.com'),
  WECHAT_TIMEOUT: duration('3s'),
  WECHAT_PAY_MCHID: optionalText,
  WECHAT_PAY_SERIAL_NO: optionalText,
  WECHAT_PAY_PRIVATE_KEY: optionalText,
  WECHAT_PAY_APIV3_KEY: optionalText,
  /** JSON object: platform certificate serial → PEM public key. */
  WECHAT_PAY_PLATFORM_KEYS: optionalText,
  WECHAT_PAY_BASE_URL: z.string().url().default('https://api.mch.weixin.qq.com'),
  WECHAT_PAY_NOTIFY_URL: optionalText,
  SMS_BASE_URL: optionalText,
  LOGISTICS_BASE_URL: optionalText,
  /**
   * Local mode only: whether the simulated warehouse ships paid orders (PAID → SHIPPED within
   * ~100 ms). `false` holds orders in PAID, so QA can try what a paid, unshipped order allows.
   */
  LOCAL_AUTO_SHIP: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  /**
   * Local mode: use the simulator already running at this URL (the API's, started with
   * WECHAT_SIMULATOR_PORT) instead of starting one, so split roles share one WeChat Pay.
   */
  WECHAT_SIMULATOR_URL: optionalText,
  /** Local mode: the port this process's simulator listens on [0: ephemeral]. */
  WECHAT_SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Local mode: how long a process started with WECHAT_SIMULATOR_URL waits for that simulator at start-up [60s]. */
  WECHAT_SIMULATOR_WAIT: duration('60s'),
});

export type Env = z.infer<typeof EnvSchema>;

/** Variables that production mode cannot start without. */
const REQUIRED_IN_PRODUCTION: (keyof Env)[] = [
  'ROCKETMQ_ENDPOINTS',
  'WECHAT_APPID',
  'WECHAT_SECRET',
  'WECHAT_PAY_MCHID',
  'WECHAT_PAY_SERIAL_NO',
  'WECHAT_PAY_PRIVATE_KEY',
  'WECHAT_PAY_APIV3_KEY',
  'WECHAT_PAY_PLATFORM_KEYS',
  'WECHAT_PAY_NOTIFY_URL',
  'SMS_BASE_URL',
  'LOGISTICS_BASE_URL',
  'ADMIN_PASSWORD',
];

export interface DatabaseConfig {
  url: string;
  dbName: string;
  poolMax: number;
  /** Connect through this Unix socket instead of the URL's host and port. */
  socketPath?: string;
}

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  /** No WeChat credentials: simulators stand in for WeChat, WeChat Pay, SMS and logistics. */
  localMode: boolean;
  port: number;
  host: string;
  role: Env['ROLE'];
  runApi: boolean;
  runWorkers: boolean;
  logLevel: Env['LOG_LEVEL'];
  publicUrl?: string;
  instanceId?: string;
  database: DatabaseConfig;
  /** `clusterNodes` set = Redis Cluster mode (seed nodes); otherwise the single Redis at `url`. */
  redis: {
    url: string;
    keyPrefix: string;
    clusterNodes?: RedisNode[];
    /** Cluster only, set in code (no variable): announced node `host:port` → where to reach it (NAT, test proxies). */
    natMap?: Record<string, RedisNode>;
  };
  mq: {
    endpoints?: string;
    namespace: string;
    accessKey?: string;
    secretKey?: string;
    embeddedBrokerPort: number;
    longPollingTimeoutMs: number;
    /** Messages a push consumer holds at once (received, not yet acked): bounds each group's handler concurrency. */
    consumerMaxCachedMessages: number;
    brokerDataDir: string;
  };
  auth: { sessionTtlMs: number; loginRateLimit: number; loginRateWindowMs: number; adminPassword?: string };
  order: { paymentTimeoutMs: number; sweepIntervalMs: number; probeConcurrency: number; maxPendingPerStore: number; maxReservedUnitsPerStore: number };
  refund: { sweepIntervalMs: number };
  coupon: { newUserCouponCode: string };
  seckill: { redisUrl?: string; orderConcurrency: number; userRateLimit: number; ipRateLimit: number; rateWindowMs: number; relayClaimIdleMs: number; sweepIntervalMs: number };
  graphql: {
    maxDepth: number;
    maxCost: number;
    maxDocumentBytes: number;
    maxTokens: number;
    maxFields: number;
    maxAliases: number;
    maxDirectives: number;
    mutationRateLimit: number;
    mutationRateWindowMs: number;
    wsMaxOperations: number;
    wsSessionRecheckMs: number;
    playground: boolean;
  };
  http: { trustProxy: boolean | number | string; metricsPort?: number; metricsToken?: string };
  seedDemoData: boolean;
  /** Paid orders are shipped by the shipping consumer; false only in local mode (LOCAL_AUTO_SHIP=false). */
  autoShip: boolean;
  wechat: {
    appId?: string;
    secret?: string;
    apiBaseUrl: string;
    timeoutMs: number;
    pay: {
      mchId?: string;
      serialNo?: string;
      privateKey?: string;
      apiV3Key?: string;
      platformKeys?: Record<string, string>;
      baseUrl: string;
      notifyUrl?: string;
    };
    smsBaseUrl?: string;
    logisticsBaseUrl?: string;
    /** Local mode: a simulator shared with other processes (see WECHAT_SIMULATOR_URL / _PORT). */
    simulator: { url?: string; port: number; waitMs: number };
  };
}

/**
 * TRUST_PROXY → Express `trust proxy`. Unset: no proxy is trusted (X-Forwarded-For ignored).
 * A number trusts that many hops; anything else is Express's list (`loopback`, `10.0.0.0/8`, ...).
 * `true` (trust every hop) is refused: it lets any client choose its own address.
 */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (!value || value === 'false' || value === 'none') return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true') throw new ConfigError('invalid configuration:\n  TRUST_PROXY: "true" trusts any client\'s X-Forwarded-For; give a hop count or the proxies\' addresses');
  return value;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment. Throws a ConfigError naming every bad or missing
 * variable (never echoing a secret's value).
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production) {
    const missing = REQUIRED_IN_PRODUCTION.filter((k) => e[k] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(`missing configuration for production: ${missing.join(', ')}`);
    }
  }
  let platformKeys: Record<string, string> | undefined;
  if (e.WECHAT_PAY_PLATFORM_KEYS) {
    try {
      platformKeys = z.record(z.string(), z.string()).parse(JSON.parse(e.WECHAT_PAY_PLATFORM_KEYS));
    } catch {
      throw new ConfigError('invalid configuration:\n  WECHAT_PAY_PLATFORM_KEYS: must be a JSON object of serial → PEM');
    }
  }
  if (e.WECHAT_PAY_APIV3_KEY && Buffer.byteLength(e.WECHAT_PAY_APIV3_KEY) !== 32) {
    throw new ConfigError('invalid configuration:\n  WECHAT_PAY_APIV3_KEY: must be 32 bytes');
  }
  const localMode = !e.WECHAT_APPID;
  if (e.LOCAL_AUTO_SHIP !== undefined && !localMode) {
    // A real warehouse must never be silently skipped: the switch belongs to the simulator.
    throw new ConfigError('invalid configuration:\n  LOCAL_AUTO_SHIP: applies to local mode only (unset it when WECHAT_APPID is set)');
  }
  const dbName = new URL(e.DATABASE_URL).pathname.replace(/^\//, '');
  if (!dbName) throw new ConfigError('invalid configuration:\n  DATABASE_URL: must name a database');
  return {
    env: e.NODE_ENV,
    production,
    localMode,
    port: e.PORT,
    host: e.HOST,
    role: e.ROLE,
    runApi: e.ROLE !== 'worker',
    runWorkers: e.ROLE !== 'api',
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL,
    instanceId: e.INSTANCE_ID,
    database: { url: e.DATABASE_URL, dbName, poolMax: e.DB_POOL_MAX, socketPath: e.DATABASE_SOCKET },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX ?? `${dbName}:`, clusterNodes: e.REDIS_CLUSTER_NODES },
    mq: {
      endpoints: e.ROCKETMQ_ENDPOINTS,
      namespace: e.ROCKETMQ_NAMESPACE,
      accessKey: e.ROCKETMQ_ACCESS_KEY,
      secretKey: e.ROCKETMQ_SECRET_KEY,
      embeddedBrokerPort: e.EMBEDDED_BROKER_PORT,
      longPollingTimeoutMs: e.MQ_LONG_POLLING_TIMEOUT,
      consumerMaxCachedMessages: e.MQ_CONSUMER_MAX_CACHED_MESSAGES,
      brokerDataDir: e.BROKER_DATA_DIR,
    },
    auth: {
      sessionTtlMs: e.SESSION_TTL,
      loginRateLimit: e.LOGIN_RATE_LIMIT,
      loginRateWindowMs: e.LOGIN_RATE_WINDOW,
      adminPassword: e.ADMIN_PASSWORD,
    },
    order: {
      paymentTimeoutMs: e.ORDER_PAYMENT_TIMEOUT,
      sweepIntervalMs: e.ORDER_SWEEP_INTERVAL,
      probeConcurrency: e.PAYMENT_PROBE_CONCURRENCY,
      maxPendingPerStore: e.ORDER_MAX_PENDING_PER_STORE,
      maxReservedUnitsPerStore: e.ORDER_MAX_RESERVED_UNITS_PER_STORE,
    },
    refund: { sweepIntervalMs: e.REFUND_SWEEP_INTERVAL },
    coupon: { newUserCouponCode: e.NEW_USER_COUPON_CODE },
    seckill: {
      redisUrl: e.SECKILL_REDIS_URL,
      orderConcurrency: e.SECKILL_ORDER_CONCURRENCY,
      userRateLimit: e.SECKILL_USER_RATE_LIMIT,
      ipRateLimit: e.SECKILL_IP_RATE_LIMIT,
      rateWindowMs: e.SECKILL_RATE_WINDOW,
      relayClaimIdleMs: e.SECKILL_RELAY_CLAIM_IDLE,
      sweepIntervalMs: e.SECKILL_SWEEP_INTERVAL,
    },
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxDocumentBytes: e.GRAPHQL_MAX_DOCUMENT_BYTES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxFields: e.GRAPHQL_MAX_FIELDS,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      mutationRateLimit: e.MUTATION_RATE_LIMIT,
      mutationRateWindowMs: e.MUTATION_RATE_WINDOW,
      wsMaxOperations: e.WS_MAX_OPERATIONS,
      wsSessionRecheckMs: e.WS_SESSION_RECHECK_INTERVAL,
      playground: e.PLAYGROUND ? e.PLAYGROUND === 'true' : !production,
    },
    http: { trustProxy: parseTrustProxy(e.TRUST_PROXY), metricsPort: e.METRICS_PORT, metricsToken: e.METRICS_TOKEN },
    seedDemoData: e.SEED_DEMO_DATA ? e.SEED_DEMO_DATA === 'true' : !production,
    autoShip: e.LOCAL_AUTO_SHIP !== 'false',
    wechat: {
      appId: e.WECHAT_APPID,
      secret: e.WECHAT_SECRET,
      apiBaseUrl: e.WECHAT_API_BASE_URL,
      timeoutMs: e.WECHAT_TIMEOUT,
      pay: {
        mchId: e.WECHAT_PAY_MCHID,
        serialNo: e.WECHAT_PAY_SERIAL_NO,
        privateKey: e.WECHAT_PAY_PRIVATE_KEY,
        apiV3Key: e.WECHAT_PAY_APIV3_KEY,
        platformKeys,
        baseUrl: e.WECHAT_PAY_BASE_URL,
        notifyUrl: e.WECHAT_PAY_NOTIFY_URL,
      },
      smsBaseUrl: e.SMS_BASE_URL,
      logisticsBaseUrl: e.LOGISTICS_BASE_URL,
      simulator: { url: e.WECHAT_SIMULATOR_URL?.replace(/\/+$/, ''), port: e.WECHAT_SIMULATOR_PORT, waitMs: e.WECHAT_SIMULATOR_WAIT },
    },
  };
}
