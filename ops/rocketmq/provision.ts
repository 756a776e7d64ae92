/**
 * npm run mq:provision -- --namesrv host:port [--cluster DefaultCluster] [--instance-ids a,b]
 *   [--groups extra1,extra2] [--retry-initial-ms 1000] [--retry-max-ms 7200000] [--retry-max-times 16]
 *   [--queues 8] [--no-compensate-node-backoff] [--dry-run]
 *
 * Creates (or updates: it is idempotent) every topic of src/infra/mq/topics.ts with its message
 * type and every consumer group with its FIFO flag and retry policy on a RocketMQ 5 cluster, with
 * RocketMQ's own admin tool (mqadmin updateTopic / updateSubGroup) from the jars of
 * ops/rocketmq/pom.xml. ROCKETMQ_NAMESRV may replace --namesrv.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { messageCatalogue, mqadminCommands, DEFAULT_RETRY, DEFAULT_RETRY_MAX_TIMES } from '../../src/infra/mq/provisioning.js';

const opsDir = import.meta.dirname;
const repoDir = join(opsDir, '..', '..');

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function main(): number {
  const { values } = parseArgs({
    options: {
      namesrv: { type: 'string' },
      cluster: { type: 'string' },
      'instance-ids': { type: 'string' },
      groups: { type: 'string' },
      'retry-initial-ms': { type: 'string' },
      'retry-max-ms': { type: 'string' },
      'retry-max-times': { type: 'string' },
      queues: { type: 'string' },
      'compensate-node-backoff': { type: 'boolean', default: true },
      'dry-run': { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  const namesrv = values.namesrv ?? process.env.ROCKETMQ_NAMESRV;
  if (!namesrv) {
    process.stderr.write('mq:provision: --namesrv host:port (or ROCKETMQ_NAMESRV) is required\n');
    return 2;
  }
  const num = (v: string | undefined, fallback: number, name: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  const catalogue = messageCatalogue({
    instanceIds: list(values['instance-ids'] ?? process.env.INSTANCE_IDS),
    extraGroups: list(values.groups),
    retry: {
      initialMs: num(values['retry-initial-ms'], DEFAULT_RETRY.initialMs, 'retry-initial-ms'),
      maxMs: num(values['retry-max-ms'], DEFAULT_RETRY.maxMs, 'retry-max-ms'),
    },
    retryMaxTimes: num(values['retry-max-times'], DEFAULT_RETRY_MAX_TIMES, 'retry-max-times'),
  });
  const commands = mqadminCommands(catalogue, {
    namesrv,
    cluster: values.cluster ?? process.env.ROCKETMQ_CLUSTER ?? 'DefaultCluster',
    queues: values.queues ? num(values.queues, 8, 'queues') : undefined,
    compensateNodeBackoff: values['compensate-node-backoff'],
  });
  const input = commands.map((c) => c.join('\t')).join('\n') + '\n';
  if (values['dry-run']) {
    process.stdout.write(commands.map((c) => `mqadmin ${c.join(' ')}`).join('\n') + '\n');
    return 0;
  }
  const libDir = process.env.ROCKETMQ_CACHE_DIR ? join(process.env.ROCKETMQ_CACHE_DIR, 'lib') : join(repoDir, '.cache', 'rocketmq', 'lib');
  const ensured = spawnSync('bash', ['-c', `. "${join(opsDir, 'env.sh')}" && ensure_lib`], { stdio: 'inherit' });
  if (ensured.status !== 0) return ensured.status ?? 1;
  const home = join(repoDir, '.cache', 'rocketmq', 'admin-home');
  mkdirSync(home, { recursive: true });
  const run = spawnSync(
    'java',
    ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Duser.home=${home}`, '-cp', `${libDir}/*`, join(opsDir, 'AdminBatch.java')],
    { input, stdio: ['pipe', 'inherit', 'inherit'], env: { ...process.env, ROCKETMQ_HOME: home } },
  );
  if (run.status !== 0) {
    process.stderr.write(`mq:provision: failed (exit ${run.status ?? run.signal})\n`);
    return run.status ?? 1;
  }
  process.stdout.write(`mq:provision: ${catalogue.topics.length} topics and ${catalogue.groups.length} groups provisioned on ${namesrv}\n`);
  return 0;
}

process.exitCode = main();
