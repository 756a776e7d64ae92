import { MikroORM, type Options } from '@mikro-orm/mysql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from '../observability/logger.js';
import { ENTITIES } from '../../modules/entities.js';
import { MIGRATIONS } from '../../../migrations/index.js';

export type Orm = MikroORM;

export const DB_CONNECT_TIMEOUT_MS = 5_000;

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  /** A Unix socket of the server, used instead of the URL's host and port. */
  socketPath?: string;
}

/** The MikroORM options for one database; shared by the app, ormconfig.ts and tools. */
export function ormOptions(database: DatabaseOptions, logger?: Logger): Options {
  return {
    clientUrl: database.url,
    entities: [...ENTITIES],
    extensions: [Migrator],
    // Stored times are UTC whatever the server's zone is.
    timezone: '+00:00',
    pool: { min: 0, max: database.poolMax ?? 20 },
    // mysql2 takes socketPath over host and port.
    driverOptions: { connectTimeout: DB_CONNECT_TIMEOUT_MS, ...(database.socketPath ? { socketPath: database.socketPath } : {}) },
    migrations: { migrationsList: [...MIGRATIONS], transactional: true, allOrNothing: true, snapshot: false },
    // The global EM must never be used directly: every operation forks its own.
    allowGlobalContext: false,
    debug: false,
    logger: logger ? (msg: string) => logger.debug({ orm: true }, msg) : undefined,
  };
}

/**
 * Connects, creating the database when it is missing, and applies pending migrations.
 * Safe to run from several processes at once: MikroORM's migration table plus
 * `CREATE DATABASE IF NOT EXISTS` make the second runner a no-op.
 */
export async function openDatabase(database: DatabaseOptions, options: { logger?: Logger; migrate?: boolean } = {}): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(database, options.logger));
  try {
    await orm.schema.ensureDatabase({ create: true });
    if (options.migrate !== false) {
      const applied = await orm.migrator.up();
      if (applied.length > 0) options.logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    }
  } catch (err) {
    // A start that fails (server unreachable, bad socket) must not leave a pool behind.
    await orm.close().catch(() => undefined);
    throw err;
  }
  return orm;
}
