/**
 * `npm run db:reset`: back to the demo data of a first `npm start`. Drops the configured database
 * (DATABASE_URL), deletes this database's Redis keys (REDIS_KEY_PREFIX, by default the database
 * name) and the embedded broker's log (BROKER_DATA_DIR, when no ROCKETMQ_ENDPOINTS is set), then
 * starts the app once on ephemeral ports, which creates the database, migrates and seeds, and stops it.
 *
 * Refused with NODE_ENV=production, and while something listens on PORT (stop `npm start` first:
 * the running server holds the broker log and cached rows of the old data).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createRedis, deleteKeysMatching, waitForRedis } from '../infra/redis/redis.js';
import { createApp } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../infra/observability/logger.js';
import { listening } from './ports.js';

async function dropDatabase(config: Config): Promise<void> {
  const server = new URL(config.database.url);
  server.pathname = '/';
  const conn = await createConnection({ uri: server.toString(), ...(config.database.socketPath ? { socketPath: config.database.socketPath } : {}) });
  try {
    await conn.query(`drop database if exists \`${config.database.dbName.replace(/`/g, '``')}\``);
  } finally {
    await conn.end();
  }
}

/** Deletes the keys under this deployment's prefix; never the whole Redis (others may share it). */
async function clearRedis(config: Config): Promise<number | undefined> {
  if (!config.redis.keyPrefix) return undefined;
  // No client prefix: the pattern names the full keys; on a cluster every master is scanned.
  const redis = createRedis(config.redis, createLogger({ level: 'silent' }), 'db-reset');
  try {
    if (!(await waitForRedis(redis))) throw new Error('Redis is not reachable');
    return await deleteKeysMatching(redis, `${config.redis.keyPrefix}*`);
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.production) throw new ConfigError('db:reset drops the database: refused with NODE_ENV=production');
  if (config.port !== 0 && (await listening(config.port))) {
    throw new ConfigError(`something listens on port ${config.port}: stop npm start before resetting its data`);
  }
  await dropDatabase(config);
  console.log(`dropped database ${config.database.dbName}`);
  const deleted = await clearRedis(config);
  console.log(deleted === undefined ? 'REDIS_KEY_PREFIX is empty: Redis left as is' : `deleted ${deleted} Redis keys under "${config.redis.keyPrefix}"`);
  if (!config.mq.endpoints) {
    rmSync(config.mq.brokerDataDir, { recursive: true, force: true });
    console.log(`removed the embedded broker's data in ${config.mq.brokerDataDir}`);
  }

  // The same start-up as npm start (create, migrate, seed), on ports nobody else uses, then stop.
  // Its embedded broker keeps its log in a temp dir, so the real one starts empty.
  const scratch = mkdtempSync(path.join(tmpdir(), 'wxshop-db-reset-'));
  try {
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
    const app = await createApp({ ...config, port: 0, host: '127.0.0.1', mq: { ...config.mq, embeddedBrokerPort: 0, brokerDataDir: scratch } }, { logger });
    await app.close();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`database ${config.database.dbName} recreated, migrated and seeded${config.seedDemoData ? ' with the demo data (admin / admin)' : ''}`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`db:reset: ${err instanceof ConfigError ? err.message : (err.stack ?? err.message)}`);
    process.exit(1);
  },
);
