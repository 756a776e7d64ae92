/**
 * Shared helpers for the two-level cache tests (unit and integration).
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../../../src/infra/observability/logger.js';
import type { Loaded } from '../../../src/infra/cache/two-level-cache.js';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** A client configured like production (fail fast, no offline queue) but reconnecting quickly. */
export function createTestRedis(port = REDIS_PORT): Redis {
  const client = new Redis({
    host: REDIS_HOST,
    port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 200,
    connectTimeout: 1_000,
    // ioredis arms a timer of this length on disconnect(); keep it short so jest exits promptly.
    disconnectTimeout: 100,
    retryStrategy: (times) => Math.min(times * 20, 200),
  });
  client.on('error', () => undefined); // expected while a proxy is cut
  return client;
}

/** Disconnects and resolves once the socket is gone (close clients before the proxies they go through). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'reconnecting' || client.status === 'close' || client.status === 'wait') {
    // No live socket: ioredis moves straight to 'end' or not at all; nothing to wait for.
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.disconnect();
  await ended;
}

export async function waitForReady(client: Redis, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => client.status === 'ready', { timeoutMs, what: 'redis ready' });
}

/** Bounded polling: resolves as soon as `condition` holds, fails the test after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 5_000, intervalMs = 10, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Deletes every Redis key matching `pattern` (SCAN, never KEYS). */
export async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A unique cache-name prefix for one test file; every cache name in the file starts with it. */
export function runPrefix(): string {
  return `test-${randomUUID()}`;
}

/** A logger whose output the test can read back. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'warn', destination });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface Store {
  id: string;
  name: string;
  version: number;
}

/**
 * The stand-in for MySQL: a map of rows and a loader that counts its calls. `gate()` makes the
 * next loads wait until `release()`, to create races on purpose.
 */
export class FakeTable {
  readonly rows = new Map<string, Store>();
  calls = 0;
  batchCalls = 0;
  private gated: Promise<void> | null = null;
  private opened: (() => void) | null = null;

  put(id: string, name: string, version: number): Store {
    const row = { id, name, version };
    this.rows.set(id, row);
    return row;
  }

  gate(): void {
    this.gated = new Promise((resolve) => (this.opened = resolve));
  }

  release(): void {
    this.opened?.();
    this.gated = null;
    this.opened = null;
  }

  readonly load = async (id: string): Promise<Loaded<Store> | null> => {
    this.calls++;
    // Snapshot first, wait afterwards: a slow query returns what it read, however late it arrives.
    const row = this.rows.get(id);
    const snapshot = row ? { value: { ...row }, version: row.version } : null;
    if (this.gated) await this.gated;
    else await new Promise((resolve) => setImmediate(resolve));
    return snapshot;
  };

  readonly loadMany = async (ids: readonly string[]): Promise<Map<string, Loaded<Store>>> => {
    this.batchCalls++;
    const result = new Map<string, Loaded<Store>>();
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row) result.set(id, { value: { ...row }, version: row.version });
    }
    await new Promise((resolve) => setImmediate(resolve));
    return result;
  };
}
