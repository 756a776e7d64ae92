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
  ROCKETMQ_ENDPOINTS: optionalText,
  ROCKETMQ_NAMESPACE: z.string().default(''),
  ROCKETMQ_ACCESS_KEY: optionalText,
  ROCKETMQ_SECRET_KEY: optionalText,
  MQ_LONG_POLLING_TIMEOUT: duration('5s'),
  MQ_CONSUMER_MAX_CACHED_MESSAGES: z.coerce.number().int().min(1).max(1024).default(64),
  EMBEDDED_BROKER_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  BROKER_DATA_DIR: z.string().default('./data/broker'),
  INSTANCE_ID: optionalText,
  SESSION_TTL: duration('7d'),
  ORDER_PAYMENT_TIMEOUT: duration('30m'),
  ORDER_SWEEP_INTERVAL: duration('5m'),
  /** WeChat Pay queries the order closers may have in flight at once, per process (its rate limits). */
  PAYMENT_PROBE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
  NEW_USER_COUPON_CODE: z.string().default('NEW_USER'),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_RATE_WINDOW: duration('1m'),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(8),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(5000),
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
  redis: { url: string; keyPrefix: string };
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
  order: { paymentTimeoutMs: number; sweepIntervalMs: number; probeConcurrency: number };
  coupon: { newUserCouponCode: string };
  graphql: { maxDepth: number; maxCost: number };
  seedDemoData: boolean;
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
  };
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
  const dbName = new URL(e.DATABASE_URL).pathname.replace(/^\//, '');
  if (!dbName) throw new ConfigError('invalid configuration:\n  DATABASE_URL: must name a database');
  return {
    env: e.NODE_ENV,
    production,
    localMode: !e.WECHAT_APPID,
    port: e.PORT,
    host: e.HOST,
    role: e.ROLE,
    runApi: e.ROLE !== 'worker',
    runWorkers: e.ROLE !== 'api',
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL,
    instanceId: e.INSTANCE_ID,
    database: { url: e.DATABASE_URL, dbName, poolMax: e.DB_POOL_MAX, socketPath: e.DATABASE_SOCKET },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX ?? `${dbName}:` },
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
    order: { paymentTimeoutMs: e.ORDER_PAYMENT_TIMEOUT, sweepIntervalMs: e.ORDER_SWEEP_INTERVAL, probeConcurrency: e.PAYMENT_PROBE_CONCURRENCY },
    coupon: { newUserCouponCode: e.NEW_USER_COUPON_CODE },
    graphql: { maxDepth: e.GRAPHQL_MAX_DEPTH, maxCost: e.GRAPHQL_MAX_COST },
    seedDemoData: e.SEED_DEMO_DATA ? e.SEED_DEMO_DATA === 'true' : !production,
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
    },
  };
}
