import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import type { EmbeddedBrokerOptions } from '../../src/infra/mq/broker/index.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { MemoryLog } from '../fakes/index.js';
import { freshTestDatabase, TEST_MYSQL_ROOT, TEST_NAMESPACE, testDatabaseName } from './test-db.js';
import { connectTestRedis, deleteMatching, testRedisEnv, type RedisProxy } from './test-redis.js';
import { provisionInstanceGroups, REAL_ROCKETMQ_ENDPOINTS, realBrokerHandle } from './real-rocketmq.js';
import { stableInstanceId } from '../../src/infra/mq/rocketmq.message-bus.js';

/** Deletes every key of one test namespace (SCAN + DEL, never FLUSH: Redis is shared). */
export async function clearRedisNamespace(prefix: string): Promise<void> {
  const redis = connectTestRedis({ lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteMatching(redis, `${prefix}*`);
  } finally {
    redis.disconnect();
  }
}

/**
 * RocketMQ's shortest long poll, which both brokers enforce (and MQ_LONG_POLLING_TIMEOUT's least
 * value). A poll returns as soon as a message arrives, and app shutdown cancels the one in flight.
 */
export const TEST_LONG_POLLING_TIMEOUT_MS = 5_000;

/** The embedded broker's settings in tests: quick retries and check-backs. */
export const TEST_BROKER_OPTIONS = {
  minInvisibleDurationMs: 1_000,
  retryBackoff: { initialMs: 200, maxMs: 1_000, multiplier: 2 },
  transactionCheck: { firstDelayMs: 500, intervalMs: 500, maxChecks: 5 },
} satisfies Partial<EmbeddedBrokerOptions>;

export interface TestApp extends App {
  url: string;
  logs: MemoryLog;
  databaseUrl: string;
}

export interface TestAppOptions extends AppOptions {
  /** Suite name: its own database (dropped and recreated when `fresh`). */
  database: string;
  fresh?: boolean;
  env?: Record<string, string>;
  dataDir?: string;
  /** Reach Redis (or every cluster node) through this proxy, which the test can cut. */
  redisProxy?: RedisProxy;
}

/**
 * A full BFF instance on ephemeral ports against the real MySQL, Redis and an embedded broker
 * (its own, unless ROCKETMQ_ENDPOINTS is given in `env`, which lets two instances share one).
 * With TEST_ROCKETMQ_ENDPOINTS set (npm run test:rocketmq), every instance uses that real
 * RocketMQ 5 instead, and `app.broker` only carries its endpoint.
 */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const databaseUrl = options.fresh === false ? `${TEST_MYSQL_ROOT}/${testDatabaseName(options.database)}` : await freshTestDatabase(options.database);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wxshop-broker-'));
  // Each test database gets its own Redis namespace, cleared when the database is fresh.
  const redisKeyPrefix = `${TEST_NAMESPACE}${options.database}:`;
  if (options.fresh !== false) await clearRedisNamespace(redisKeyPrefix);
  const config: Config = loadConfig({
    REDIS_KEY_PREFIX: redisKeyPrefix,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    DATABASE_URL: databaseUrl,
    EMBEDDED_BROKER_PORT: '0',
    BROKER_DATA_DIR: dataDir,
    SEED_DEMO_DATA: 'true',
    MQ_LONG_POLLING_TIMEOUT: `${TEST_LONG_POLLING_TIMEOUT_MS}ms`,
    // Suites that place many orders as one user or store; the hostile-client suite sets the real limits.
    ORDER_MAX_PENDING_PER_STORE: '100000',
    ORDER_MAX_RESERVED_UNITS_PER_STORE: '10000000',
    MUTATION_RATE_LIMIT: '100000',
    // A test that points REDIS_URL somewhere (a proxy) means that one Redis, even on a cluster run.
    ...(options.env?.REDIS_URL ? {} : testRedisEnv()),
    ...options.env,
    // A test that names an endpoint (a TCP proxy in front of the broker) keeps it on a real run too.
    ...(REAL_ROCKETMQ_ENDPOINTS && !options.env?.ROCKETMQ_ENDPOINTS ? { ROCKETMQ_ENDPOINTS: REAL_ROCKETMQ_ENDPOINTS } : {}),
  });
  if (options.redisProxy) config.redis = { ...config.redis, ...options.redisProxy.target };
  if (REAL_ROCKETMQ_ENDPOINTS && config.runApi) provisionInstanceGroups(config.instanceId ?? stableInstanceId(`${hostname()}:${config.port}`));
  const logs = new MemoryLog();
  const logger = options.logger ?? createLogger({ level: 'debug', destination: logs });
  const app = await createApp(config, {
    ...options,
    logger,
    brokerOptions: { ...TEST_BROKER_OPTIONS, ...options.brokerOptions },
  });
  const close = app.close;
  return Object.assign(app, {
    broker: app.broker ?? (REAL_ROCKETMQ_ENDPOINTS ? realBrokerHandle(REAL_ROCKETMQ_ENDPOINTS) : undefined),
    url: app.http?.url ?? '',
    logs,
    databaseUrl,
    close: async () => {
      await close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
