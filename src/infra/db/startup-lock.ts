import { createConnection, type Connection } from 'mysql2/promise';
import type { Logger } from '../observability/logger.js';
import type { DatabaseOptions } from './orm.js';

/** How long a process waits for another one's migrations and seed before giving up (120 s). */
export const STARTUP_LOCK_TIMEOUT_SECONDS = 120;

/**
 * One migration + seed runner at a time across processes: an API and a worker started together
 * on an empty database otherwise both create `mikro_orm_migrations` (and the seed's rows) and
 * one of them crashes. MySQL's GET_LOCK is server-wide (no database needed yet) and is released
 * when its connection closes, so a runner that dies mid-migration never leaves it held.
 * Returns the release function.
 */
export async function acquireStartupLock(database: DatabaseOptions, logger?: Logger, timeoutSeconds = STARTUP_LOCK_TIMEOUT_SECONDS): Promise<() => Promise<void>> {
  const url = new URL(database.url);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/';
  const conn: Connection = await createConnection({ uri: url.toString(), connectTimeout: 5_000, ...(database.socketPath ? { socketPath: database.socketPath } : {}) });
  // GET_LOCK names are at most 64 characters; the database name keeps two deployments apart.
  const name = `wxshop:startup:${dbName}`.slice(0, 64);
  try {
    const started = Date.now();
    const [rows] = await conn.query<any[]>('select get_lock(?, ?) as ok', [name, timeoutSeconds]);
    if (Number(rows[0]?.ok) !== 1) throw new Error(`another process held the start-up lock ${name} for more than ${timeoutSeconds} s`);
    const waited = Date.now() - started;
    if (waited > 100) logger?.info({ lock: name, ms: waited }, 'waited for another process to finish migrations and seed');
  } catch (err) {
    await conn.end().catch(() => undefined);
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await conn.query('select release_lock(?)', [name]).catch(() => undefined);
    await conn.end().catch(() => conn.destroy());
  };
}
