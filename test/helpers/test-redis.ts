/**
 * Which Redis the suites use: the shared 127.0.0.1:6379, or the Redis Cluster named by
 * TEST_REDIS_CLUSTER_NODES (`npm run test:redis-cluster` sets it), so the same suites run
 * unchanged on both.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisNodes, type RedisNode } from '../../src/config/config.js';
import { deleteKeysMatching, type RedisClient } from '../../src/infra/redis/redis.js';
import { start as startProxy, type TcpProxy } from './tcp-proxy.js';

export const TEST_REDIS_HOST = '127.0.0.1';
export const TEST_REDIS_PORT = 6379;
export const TEST_REDIS_URL = `redis://${TEST_REDIS_HOST}:${TEST_REDIS_PORT}`;

/** The cluster's seed nodes when the suites run on a Redis Cluster, else undefined. */
export const TEST_REDIS_CLUSTER_NODES: RedisNode[] | undefined = process.env.TEST_REDIS_CLUSTER_NODES?.trim()
  ? parseRedisNodes(process.env.TEST_REDIS_CLUSTER_NODES)
  : undefined;

/** What a BFF instance's environment needs to reach the test Redis (cluster mode when testing on one). */
export function testRedisEnv(): Record<string, string> {
  return TEST_REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(',') } : {};
}

/** Where `createRedis` should connect: the test Redis, or through `proxy` when given. */
export function testRedisTarget(proxy?: RedisProxy): { url: string; clusterNodes?: RedisNode[]; natMap?: Record<string, RedisNode> } {
  if (proxy) return proxy.target;
  return { url: TEST_REDIS_URL, clusterNodes: TEST_REDIS_CLUSTER_NODES };
}

/**
 * A client of the test Redis with the given per-connection options (a `Cluster` when testing
 * on a cluster, with the same options on every node), or of `proxy` when given.
 */
export function connectTestRedis(options: RedisOptions = {}, proxy?: RedisProxy): RedisClient {
  const { url, clusterNodes, natMap } = testRedisTarget(proxy);
  if (!clusterNodes) return new Redis(url, options);
  const { keyPrefix, enableOfflineQueue, lazyConnect, retryStrategy, ...redisOptions } = options;
  return new Cluster(clusterNodes, {
    keyPrefix,
    enableOfflineQueue,
    lazyConnect,
    natMap,
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) : undefined,
    redisOptions,
  });
}

/** Deletes every key matching `pattern` on the test Redis or on every master of the test cluster (client without key prefix). */
export const deleteMatching = deleteKeysMatching;

/**
 * "Redis is down" for one client: a TCP proxy in front of the test Redis, or on a cluster one
 * proxy per master plus a NAT map, so the cluster client reaches every node through a proxy
 * (a cluster answers with its nodes' real addresses, which would bypass a single proxy).
 */
export interface RedisProxy {
  /** Pass to `createRedis` / `connectTestRedis`. */
  readonly target: { url: string; clusterNodes?: RedisNode[]; natMap?: Record<string, RedisNode> };
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(): Promise<RedisProxy> {
  const upstreams = TEST_REDIS_CLUSTER_NODES ? await clusterMasters() : [{ host: TEST_REDIS_HOST, port: TEST_REDIS_PORT }];
  const proxies: TcpProxy[] = [];
  for (const node of upstreams) proxies.push(await startProxy(node.host, node.port));
  const local = proxies.map((p) => ({ host: '127.0.0.1', port: p.port }));
  const target = TEST_REDIS_CLUSTER_NODES
    ? {
        url: TEST_REDIS_URL,
        clusterNodes: local,
        natMap: Object.fromEntries(upstreams.map((node, i) => [`${node.host}:${node.port}`, local[i]!])),
      }
    : { url: `redis://127.0.0.1:${local[0]!.port}` };
  return {
    target,
    cut: () => proxies.forEach((p) => p.cut()),
    restore: () => proxies.forEach((p) => p.restore()),
    close: async () => {
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}

/** Every master's address as the cluster announces it (what CLUSTER SLOTS tells a client). */
async function clusterMasters(): Promise<RedisNode[]> {
  const seed = TEST_REDIS_CLUSTER_NODES![0]!;
  const client = new Redis({ host: seed.host, port: seed.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const seen = new Map<string, RedisNode>();
    for (const [, , master] of await client.cluster('SLOTS')) {
      if (master) seen.set(`${master[0]}:${master[1]}`, { host: master[0], port: master[1] });
    }
    return [...seen.values()];
  } finally {
    client.disconnect();
  }
}

/**
 * True once `client` has noticed Redis is gone: one Redis leaves 'ready'; a cluster client stays
 * 'ready' while it still knows the slots, so there every live node connection must be down.
 */
export function redisCutNoticed(client: RedisClient): boolean {
  if (!client.isCluster) return client.status !== 'ready';
  return (client as Cluster).nodes('all').every((node) => node.status !== 'ready');
}

/** 26 keys spread over the slot space (10, 10 and 6 of them in each third), so they reach every master of a small cluster. */
const PROBE_KEYS = 'abcdefghijklmnopqrstuvwxyz'.split('');

/**
 * True when commands work again: one Redis is 'ready'; on a cluster every slot points at a node
 * the client is connected to and a read reaches every master. (ioredis 5.11 writes a MOVED
 * target into its slot table without the NAT map, so after an outage through the proxies the
 * table can name unmapped addresses until the next slot refresh.)
 */
export async function redisUsable(client: RedisClient): Promise<boolean> {
  if (client.status !== 'ready') return false;
  if (!client.isCluster) return true;
  const cluster = client as Cluster;
  const known = new Set(cluster.nodes('master').map((node) => `${node.options.host}:${node.options.port}`));
  if (!cluster.slots.every((owners) => owners === undefined || known.has(owners[0]!))) return false;
  return Promise.all(PROBE_KEYS.map((key) => client.get(`probe:${key}`))).then(
    () => true,
    () => false,
  );
}
