/**
 * Shared helpers for the two-level cache tests (unit and integration).
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis, type RedisOptions } from 'ioredis';
import { createLogger, type Logger } from '../../../src/infra/observability/logger.js';
import type { Loaded } from '../../../src/infra/cache/two-level-cache.js';
import type { RedisClient } from '../../../src/infra/redis/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { connectTestRedis, deleteMatching, redisCutNoticed, redisUsable, type RedisProxy } from '../../helpers/test-redis.js';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** Production's settings (fail fast, no offline queue), but reconnecting quickly. */
const TEST_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 200,
  connectTimeout: 1_000,
  // ioredis arms a timer of this length on disconnect(); keep it short so jest exits promptly.
  disconnectTimeout: 100,
  retryStrategy: (times) => Math.min(times * 20, 200),
};

/** A client of one Redis at `port` configured like production. */
export function createTestRedis(port = REDIS_PORT): Redis {
  const client = new Redis({ host: REDIS_HOST, port, ...TEST_CLIENT_OPTIONS });
  client.on('error', () => undefined); // expected while a proxy is cut
  return client;
}

/** A client of the test Redis (a cluster on `npm run test:redis-cluster`), or through `proxy`, configured like production. */
export function createTestRedisClient(proxy?: RedisProxy): RedisClient {
  const client = connectTestRedis(TEST_CLIENT_OPTIONS, proxy);
  client.on('error', () => undefined); // expected while a proxy is cut
  return client;
}

/**
 * A client for looking at Redis from the test (no 200 ms command timeout: under CPU load a
 * cluster node's first command, which opens its connection, can take longer).
 */
export function createInspectionRedis(): RedisClient {
  return connectTestRedis({ maxRetriesPerRequest: 1, disconnectTimeout: 100 });
}

/** Disconnects and resolves once the socket is gone (close clients before the proxies they go through). */
export async function closeRedis(client: RedisClient): Promise<void> {
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

export async function waitForReady(client: RedisClient, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => redisUsable(client), { timeoutMs, what: 'redis ready' });
}

/** Resolves once the client has noticed its proxy was cut. */
export async function waitForCut(client: RedisClient, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => redisCutNoticed(client), { timeoutMs, what: 'client disconnected' });
}

/** Deletes every Redis key matching `pattern` (SCAN on every master, never KEYS). */
export async function deleteKeys(client: RedisClient, pattern: string): Promise<void> {
  await deleteMatching(client, pattern);
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
