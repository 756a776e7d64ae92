/**
 * Child processes of the benchmarks, deployed as DESIGN.md describes production: the broker
 * (CLI), workers (ROLE=worker: the consumer groups) and the API in the benchmark's own process.
 * Every child is killed when the benchmark exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase, TEST_MYSQL_ROOT } from '../../test/helpers/test-db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(1));

export interface BenchChild {
  process: ChildProcess;
  /** The first stdout line containing the ready marker. */
  readyLine: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Spawns a TypeScript entry point of this repository and waits for `marker` on its stdout. */
export async function spawnChild(what: string, args: string[], env: Record<string, string | undefined>, marker: string): Promise<BenchChild> {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const readyLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    let found = false;
    const t = setTimeout(() => reject(new Error(`${what} did not start in 180 s`)), 180_000);
    // Keep draining the pipe after the marker: a child blocked on a full stdout pipe stalls.
    child.stdout!.on('data', (d: Buffer) => {
      if (found) {
        if (process.env.BENCH_CHILD_LOGS === '1') process.stderr.write(d);
        return;
      }
      out += d;
      const line = out.split('\n').find((l) => l.includes(marker));
      if (line) {
        found = true;
        clearTimeout(t);
        resolve(line);
      }
    });
    child.once('exit', (code) => (found ? undefined : reject(new Error(`${what} exited with ${code}`))));
  });
  return {
    process: child,
    readyLine,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The embedded broker in its own process; resolves with its gRPC endpoint. */
export async function spawnBroker(dataDir: string): Promise<BenchChild & { endpoint: string }> {
  // Diagnostics: BENCH_BROKER_CPU_PROFILE_DIR=<dir> writes the broker's V8 CPU profile there on exit.
  const profileDir = process.env.BENCH_BROKER_CPU_PROFILE_DIR;
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];
  const broker = await spawnChild('broker', [...profileArgs, 'src/infra/mq/broker/cli.ts', '--port', '0', '--data-dir', dataDir, '--admin-port', '0'], { LOG_LEVEL: 'warn' }, '"broker ready"');
  return { ...broker, endpoint: (JSON.parse(broker.readyLine) as { endpoint: string }).endpoint };
}

/** An app with ROLE=worker (bench/lib/worker-process.ts) on the given environment. */
export function spawnWorker(env: Record<string, string | undefined>): Promise<BenchChild> {
  return spawnChild('worker', ['bench/lib/worker-process.ts'], env, 'worker ready');
}

/** Where MariaDB/MySQL put their Unix socket on Debian-like hosts. */
const DEFAULT_MYSQL_SOCKETS = ['/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/tmp/mysql.sock'];

/**
 * The database socket the benchmarks connect through: DATABASE_SOCKET if set ('' for TCP), else
 * the local server's, if there is one. The benchmarks run every process on one host, where a round
 * trip over TCP loopback makes the client pay for the server's side of the network stack too; in a
 * deployment the database is on its own host and that cost is not the API's.
 */
export function benchDatabaseSocket(): string | undefined {
  if (process.env.DATABASE_SOCKET !== undefined) return process.env.DATABASE_SOCKET || undefined;
  return DEFAULT_MYSQL_SOCKETS.find((path) => existsSync(path));
}

export interface BenchBackbone {
  databaseUrl: string;
  broker: BenchChild & { endpoint: string };
  /** The broker's log; the bench removes it when done. */
  brokerDir: string;
  /** The environment the bench's API and workers share. */
  baseEnv: Record<string, string>;
}

/**
 * What every multi-process bench starts from: an empty database `dbName`, a broker of its own,
 * and the shared environment (`env` added last). `socket`: reach MySQL through its Unix socket
 * when the host has one (benchDatabaseSocket).
 */
export async function startBenchBackbone(dbName: string, env: Record<string, string> = {}, { socket = true }: { socket?: boolean } = {}): Promise<BenchBackbone> {
  await dropDatabase(dbName);
  const brokerDir = mkdtempSync(join(tmpdir(), `${dbName.replace(/_/g, '-')}-broker-`));
  const broker = await spawnBroker(brokerDir);
  const databaseUrl = `${TEST_MYSQL_ROOT}/${dbName}`;
  const baseEnv: Record<string, string> = {
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    ...(socket ? { DATABASE_SOCKET: benchDatabaseSocket() ?? '' } : {}),
    ROCKETMQ_ENDPOINTS: broker.endpoint,
    LOG_LEVEL: 'error',
    DB_POOL_MAX: '40',
    SEED_DEMO_DATA: 'true',
    LOGIN_RATE_LIMIT: '100000',
    ...env,
  };
  return { databaseUrl, broker, brokerDir, baseEnv };
}
