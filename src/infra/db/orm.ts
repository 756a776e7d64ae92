import { MikroORM, type Options } from '@mikro-orm/mysql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from '../observability/logger.js';
import { OutboxMessage } from '../mq/outbox/outbox-message.entity.js';
import { MIGRATIONS } from '../../../migrations/index.js';

export type Orm = MikroORM;

/**
 * What modules get of the ORM: its global entity manager, which they fork per unit of work.
 * Opening, migrating and closing the database belong to the composition root.
 */
export type OrmHandle = Pick<Orm, 'em'>;

export const DB_CONNECT_TIMEOUT_MS = 5_000;

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  /** A Unix socket of the server, used instead of the URL's host and port. */
  socketPath?: string;
}

/** Entities the modules own; the composition root collects them from the module definitions. */
export type Entities = NonNullable<Options['entities']>;

/**
 * The MikroORM options for one database; shared by the app, ormconfig.ts and tools. The outbox's
 * entity is infrastructure's own; the modules' come in as a parameter (infra knows no module).
 */
export function ormOptions(database: DatabaseOptions, options: { logger?: Logger; entities?: Entities } = {}): Options {
  const { logger, entities = [] } = options;
  return {
    clientUrl: database.url,
    // Listed explicitly (no folder discovery: it behaves the same under jest, tsc output and the CLI).
    entities: [OutboxMessage, ...entities],
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
export async function openDatabase(database: DatabaseOptions, options: { logger?: Logger; migrate?: boolean; entities?: Entities } = {}): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(database, options));
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
