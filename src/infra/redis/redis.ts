import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisNode } from '../../config/config.js';
import type { Logger } from '../observability/logger.js';

export type { Cluster, Redis };

/**
 * The shared Redis client: one Redis, or a Redis Cluster (REDIS_CLUSTER_NODES). Both expose the
 * same commands; a cluster additionally refuses a script or MULTI whose keys span hash slots
 * (CROSSSLOT) and, in ioredis, a pipeline whose keys span masters, so callers that touch several
 * keys at once use {@link perKeyCommands} or hash tags.
 */
export type RedisClient = Redis | Cluster;

/** A Redis command that takes longer than this is treated as Redis being unavailable. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/** Where to connect: `clusterNodes` set = cluster mode, `url` then only gives credentials and TLS. */
export interface RedisTarget {
  url: string;
  clusterNodes?: readonly RedisNode[];
  /**
   * Cluster only: announced node address (`host:port`) → where to reach it (NAT, port forwarding,
   * proxies). ioredis 5.11 writes a MOVED target into its slot table unmapped, so after a MOVED
   * the slot's commands bounce until the slot refresh it triggers lands.
   */
  natMap?: Record<string, RedisNode>;
}

/**
 * Creates the ioredis client. Commands fail fast while Redis is down (no offline queue, one
 * retry) so callers can fall back to MySQL instead of hanging; the client keeps reconnecting
 * in the background. With cluster nodes it is an ioredis `Cluster` with the same per-node
 * settings and key prefix.
 */
export function createRedis(target: string | RedisTarget, logger: Logger, name = 'redis', keyPrefix = ''): RedisClient {
  const { url, clusterNodes, natMap } = typeof target === 'string' ? { url: target, clusterNodes: undefined, natMap: undefined } : target;
  const failFast: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
  };
  const retry = (times: number) => Math.min(times * 100, 2_000);
  let client: RedisClient;
  if (clusterNodes && clusterNodes.length > 0) {
    const parsed = new URL(url);
    client = new Cluster(
      clusterNodes.map(({ host, port }) => ({ host, port })),
      {
        keyPrefix,
        natMap,
        enableOfflineQueue: false,
        lazyConnect: false,
        clusterRetryStrategy: retry,
        // Commands issued in the same tick go to each master as one write, which is what keeps
        // multi-key reads (see perKeyCommands) at one round trip per master.
        enableAutoPipelining: true,
        slotsRefreshTimeout: 2_000,
        redisOptions: {
          ...failFast,
          username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
          password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
          tls: parsed.protocol === 'rediss:' ? {} : undefined,
        },
      },
    );
    // Per-node failures (a master going away) arrive here, not as 'error'.
    client.on('node error', (err: Error, node: string) => logger.warn({ redis: name, node, err: err.message }, 'redis cluster node error'));
  } else {
    // Auto-pipelining, as on a cluster: commands issued in the same tick (a consumer's batch of
    // idempotency leases, concurrent requests' session reads) go out as one write.
    client = new Redis(url, { ...failFast, keyPrefix, lazyConnect: false, retryStrategy: retry, enableAutoPipelining: true });
  }
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
export async function waitForRedis(client: RedisClient, timeoutMs = 2_000): Promise<boolean> {
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

/** One reply per command, in order, shaped like `pipeline.exec()`'s. */
export type CommandResults = Array<[Error | null, unknown]>;

/**
 * Sends one single-key command per item in one round trip (per master, on a cluster) and returns
 * the replies in order.
 * On one Redis that is one pipeline. On a cluster, an ioredis pipeline must stay on one master,
 * so each command is sent on its own and auto-pipelining batches them per master; hash-tagging
 * the keys instead would pile every key of a cache onto one slot.
 */
export async function perKeyCommands<I>(redis: RedisClient, items: readonly I[], add: (target: RedisClient, item: I) => unknown): Promise<CommandResults> {
  if (!redis.isCluster) {
    const pipeline = redis.pipeline();
    // A pipeline queues the same commands the client has; what `add` returns is ignored here.
    for (const item of items) add(pipeline as unknown as RedisClient, item);
    return ((await pipeline.exec()) ?? []) as CommandResults;
  }
  return Promise.all(
    items.map(async (item): Promise<[Error | null, unknown]> => {
      try {
        return [null, await add(redis, item)];
      } catch (err) {
        return [err instanceof Error ? err : new Error(String(err)), null];
      }
    }),
  );
}

/**
 * Deletes every key matching `pattern` and returns how many. SCAN sees one node only, so on a
 * cluster every master is scanned and each key is deleted on the node holding it (a DEL of many
 * keys would span slots: CROSSSLOT). `client` must have no key prefix: SCAN returns full names
 * and DEL would prefix them again.
 */
export async function deleteKeysMatching(client: RedisClient, pattern: string): Promise<number> {
  let deleted = 0;
  const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) {
        if (client.isCluster) {
          const pipeline = node.pipeline();
          for (const key of keys) pipeline.del(key);
          await pipeline.exec();
        } else {
          await node.del(...keys);
        }
        deleted += keys.length;
      }
      cursor = next;
    } while (cursor !== '0');
  }
  return deleted;
}
