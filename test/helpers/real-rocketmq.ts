/**
 * TEST_ROCKETMQ_ENDPOINTS (+ TEST_ROCKETMQ_NAMESRV) points the test helpers at a real Apache
 * RocketMQ 5 proxy instead of an embedded broker per app; `npm run test:rocketmq` sets them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedBroker } from '../../src/infra/mq/broker/index.js';
import { messageCatalogue, mqadminCommands } from '../../src/infra/mq/provisioning.js';

export const REAL_ROCKETMQ_ENDPOINTS = process.env.TEST_ROCKETMQ_ENDPOINTS || undefined;
export const REAL_ROCKETMQ_NAMESRV = process.env.TEST_ROCKETMQ_NAMESRV || undefined;
const REPO = join(import.meta.dirname, '..', '..');

/** Retry policy the test run provisions: as fast as the embedded broker's in test-app.ts. */
export const TEST_RETRY = { initialMs: 200, maxMs: 1_000 };

/**
 * Stands in for `app.broker` on a real RocketMQ, so suites that hand the endpoint to a second
 * instance (`a.broker!.endpoint`) run unchanged. Tests observe the broker through clients
 * (test/helpers/mq-probe.ts) and cut it with a TCP proxy, so nothing calls these on a real run.
 */
export function realBrokerHandle(endpoints: string): EmbeddedBroker {
  const unsupported = (what: string) => () => {
    throw new Error(`${what} needs the embedded broker; this run uses a real RocketMQ at ${endpoints}`);
  };
  return {
    endpoint: endpoints,
    port: Number(endpoints.split(':').pop()),
    stats: unsupported('broker.stats()'),
    close: unsupported('broker.close()'),
  };
}

/**
 * Creates the per-instance groups of an API instance (`cg-order-sub-<id>` must be FIFO, and
 * RocketMQ auto-creates groups as non-FIFO) before it starts, once per RocketMQ run.
 */
export function provisionInstanceGroups(instanceId: string, extraGroups: readonly string[] = []): void {
  if (!REAL_ROCKETMQ_NAMESRV) throw new Error('TEST_ROCKETMQ_NAMESRV is required with TEST_ROCKETMQ_ENDPOINTS');
  const markerDir = process.env.TEST_ROCKETMQ_MARKERS ?? join(tmpdir(), `wxshop-rmq-groups-${REAL_ROCKETMQ_NAMESRV.replace(/[^0-9a-z]/gi, '_')}`);
  const marker = join(markerDir, [instanceId, ...extraGroups].join(',').replace(/[^A-Za-z0-9_,-]/g, '_'));
  if (existsSync(marker)) return;
  const full = messageCatalogue({ instanceIds: [instanceId], extraGroups, retry: TEST_RETRY });
  const wanted = new Set([`cg-order-sub-${instanceId}`, `cg-store-l1-${instanceId}`, ...extraGroups]);
  const catalogue = { topics: [], groups: full.groups.filter((g) => wanted.has(g.name)) };
  runMqadmin(mqadminCommands(catalogue, { namesrv: REAL_ROCKETMQ_NAMESRV, cluster: process.env.ROCKETMQ_CLUSTER ?? 'DefaultCluster' }));
  mkdirSync(markerDir, { recursive: true });
  writeFileSync(marker, '');
}

/** Runs mqadmin commands in one JVM (ops/rocketmq/AdminBatch.java); throws when one fails. */
export function runMqadmin(commands: string[][]): void {
  const lib = join(process.env.ROCKETMQ_CACHE_DIR ?? join(REPO, '.cache', 'rocketmq'), 'lib');
  const home = join(REPO, '.cache', 'rocketmq', 'admin-home');
  mkdirSync(home, { recursive: true });
  const run = spawnSync('java', ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Duser.home=${home}`, '-cp', `${lib}/*`, join(REPO, 'ops', 'rocketmq', 'AdminBatch.java')], {
    input: commands.map((c) => c.join('\t')).join('\n') + '\n',
    env: { ...process.env, ROCKETMQ_HOME: home },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`mqadmin failed (exit ${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
}
