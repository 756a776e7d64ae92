import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { Redis } from 'ioredis';
import { MemoryLog } from '../fakes/index.js';
import { freshTestDatabase } from './test-db.js';

async function clearRedisNamespace(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}


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
}

/**
 * A full BFF instance on ephemeral ports against the real MySQL, Redis and an embedded broker
 * (its own, unless ROCKETMQ_ENDPOINTS is given in `env`, which lets two instances share one).
 */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const databaseUrl = options.fresh === false ? `mysql://root@127.0.0.1:3306/wxshop_test_${options.database}` : await freshTestDatabase(options.database);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wxshop-broker-'));
  // Each test database gets its own Redis namespace, cleared when the database is fresh.
  const redisKeyPrefix = `${options.database}:`;
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
    // Short long-polls keep app shutdown (which waits for in-flight receives) quick.
    MQ_LONG_POLLING_TIMEOUT: '1s',
    ...options.env,
  });
  const logs = new MemoryLog();
  const logger = options.logger ?? createLogger({ level: 'debug', destination: logs });
  const app = await createApp(config, {
    ...options,
    logger,
    brokerOptions: { minInvisibleDurationMs: 1_000, retryBackoff: { initialMs: 200, maxMs: 1_000, multiplier: 2 }, transactionCheck: { firstDelayMs: 500, intervalMs: 500, maxChecks: 5 }, ...options.brokerOptions },
  });
  const close = app.close;
  return Object.assign(app, {
    url: app.http?.url ?? '',
    logs,
    databaseUrl,
    close: async () => {
      await close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
