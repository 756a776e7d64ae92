import { MikroORM, type Options } from '@mikro-orm/mysql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from '../observability/logger.js';
import { ENTITIES } from '../../modules/entities.js';
import { MIGRATIONS } from '../../../migrations/index.js';

export type Orm = MikroORM;

export const DB_CONNECT_TIMEOUT_MS = 5_000;

/** The MikroORM options for one database URL; shared by the app, ormconfig.ts and tests. */
export function ormOptions(url: string, poolMax = 20, logger?: Logger): Options {
  return {
    clientUrl: url,
    entities: [...ENTITIES],
    extensions: [Migrator],
    // Stored times are UTC whatever the server's zone is.
    timezone: '+00:00',
    pool: { min: 0, max: poolMax },
    driverOptions: { connectTimeout: DB_CONNECT_TIMEOUT_MS },
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
export async function openDatabase(url: string, options: { poolMax?: number; logger?: Logger; migrate?: boolean } = {}): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(url, options.poolMax, options.logger));
  await orm.schema.ensureDatabase({ create: true });
  if (options.migrate !== false) {
    const applied = await orm.migrator.up();
    if (applied.length > 0) options.logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return orm;
}
