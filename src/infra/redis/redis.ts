import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

export type { Redis };

/** A Redis command that takes longer than this is treated as Redis being unavailable. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * Creates the ioredis client. Commands fail fast while Redis is down (no offline queue, one
 * retry) so callers can fall back to MySQL instead of hanging; the client keeps reconnecting
 * in the background.
 */
export function createRedis(url: string, logger: Logger, name = 'redis', keyPrefix = ''): Redis {
  const client = new Redis(url, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.warn({ redis: name, err: err.message }, 'redis unavailable');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: name }, 'redis reconnected');
    down = false;
  });
  return client;
}

/** Waits until the client is ready or the timeout passes; never throws (Redis is optional at start-up). */
export async function waitForRedis(client: Redis, timeoutMs = 2_000): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
