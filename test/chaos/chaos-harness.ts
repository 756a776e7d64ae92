/**
 * The chaos suite's system under test, as separate processes: the embedded broker through its
 * CLI, the BFF with ROLE=api (hosting the shared WeChat simulator) and ROLE=worker, a Redis of its
 * own, and MySQL behind an in-process TCP proxy that can drop connections or lose a COMMIT's
 * answer. Every port is ephemeral (picked free, then kept across restarts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, listening } from '../../src/tools/ports.js';
import { start as startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { freshTestDatabase, testDatabaseName } from '../helpers/test-db.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** How long a process may take to come up (swc compiles the sources on the fly). */
const START_TIMEOUT_MS = 90_000;

/** Waits for a starting process to be ready; fails at once when it exits instead. */
async function waitUntilUp(what: string, probe: () => Promise<boolean>, timeoutMs = START_TIMEOUT_MS, child?: ChildProcess): Promise<void> {
  await waitFor(
    async () => {
      if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
      return probe().catch(() => false);
    },
    { timeoutMs, intervalMs: 200, what: `${what} to become ready` },
  );
}

export class ChaosSystem {
  readonly logDir = mkdtempSync(join(tmpdir(), 'wxshop-chaos-'));
  readonly brokerDataDir = join(this.logDir, 'broker');
  readonly database = 'chaos';
  databaseUrl = '';
  mysqlProxy!: TcpProxy;
  redisPort = 0;
  brokerPort = 0;
  apiPort = 0;
  simulatorPort = 0;
  private redis?: ChildProcess;
  private broker?: ChildProcess;
  api?: ChildProcess;
  worker?: ChildProcess;
  private readonly logs: WriteStream[] = [];

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }
  get simulatorUrl(): string {
    return `http://127.0.0.1:${this.simulatorPort}`;
  }

  constructor(private readonly env: Record<string, string> = {}) {}

  async start(): Promise<void> {
    this.databaseUrl = await freshTestDatabase(this.database);
    this.mysqlProxy = await startProxy('127.0.0.1', 3306);
    [this.redisPort, this.brokerPort, this.apiPort, this.simulatorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    await this.startRedis();
    await this.startBroker();
    await this.startApi();
    await this.startWorker();
  }

  private log(name: string): WriteStream {
    const stream = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
    this.logs.push(stream);
    return stream;
  }

  private spawnLogged(name: string, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Whatever ends this process (a failed assertion, a crash), no child outlives it.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.off('exit', orphanGuard));
    const out = this.log(name);
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
    return child;
  }

  async startRedis(): Promise<void> {
    this.redis = this.spawnLogged('redis', 'redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitUntilUp('redis', () => listening(this.redisPort), 10_000, this.redis);
  }
  async stopRedis(): Promise<void> {
    await this.kill(this.redis, 'SIGKILL');
    this.redis = undefined;
  }

  async startBroker(): Promise<void> {
    this.broker = this.spawnLogged('broker', process.execPath, ['--import', '@swc-node/register/esm-register', 'src/infra/mq/broker/cli.ts', '--port', String(this.brokerPort), '--data-dir', this.brokerDataDir, '--admin-port', '0'], { LOG_LEVEL: 'warn' });
    await waitUntilUp('broker', () => listening(this.brokerPort), START_TIMEOUT_MS, this.broker);
  }
  async killBroker(): Promise<void> {
    await this.kill(this.broker, 'SIGKILL');
    this.broker = undefined;
  }

  private bffEnv(role: 'api' | 'worker'): Record<string, string> {
    return {
      NODE_ENV: 'development',
      ROLE: role,
      HOST: '127.0.0.1',
      PORT: role === 'api' ? String(this.apiPort) : '0',
      // The worker logs its shutdown steps (info): the graceful stop the suite measures.
      LOG_LEVEL: role === 'worker' ? 'info' : 'warn',
      DATABASE_URL: `mysql://root@127.0.0.1:${this.mysqlProxy.port}/${testDatabaseName(this.database)}`,
      REDIS_URL: `redis://127.0.0.1:${this.redisPort}`,
      REDIS_KEY_PREFIX: 'chaos:',
      ROCKETMQ_ENDPOINTS: `127.0.0.1:${this.brokerPort}`,
      MQ_LONG_POLLING_TIMEOUT: '5s',
      SEED_DEMO_DATA: 'true',
      INSTANCE_ID: `chaos-${role}`,
      ...(role === 'api' ? { WECHAT_SIMULATOR_PORT: String(this.simulatorPort) } : { WECHAT_SIMULATOR_URL: this.simulatorUrl }),
      ...this.env,
    };
  }

  async startApi(): Promise<void> {
    this.api = this.spawnLogged('api', process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], this.bffEnv('api'));
    await waitUntilUp('api', async () => (await fetch(`${this.apiUrl}/healthz`)).ok, START_TIMEOUT_MS, this.api);
  }

  async startWorker(): Promise<void> {
    const worker = this.spawnLogged('worker', process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], this.bffEnv('worker'));
    this.worker = worker;
    // The worker serves no HTTP: it is up once it printed its banner.
    let banner = false;
    worker.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('wxshop-bff is up')) banner = true;
    });
    await waitUntilUp('worker', async () => banner, START_TIMEOUT_MS, worker);
  }
  async killWorker(): Promise<void> {
    await this.kill(this.worker, 'SIGKILL');
    this.worker = undefined;
  }

  /** Graceful stop of a BFF process; resolves with how long it took (ms). */
  async stop(child: ChildProcess | undefined): Promise<number> {
    const started = Date.now();
    await this.kill(child, 'SIGTERM');
    return Date.now() - started;
  }

  private async kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(timer);
  }

  async simulatorStats(): Promise<SimulatorStats> {
    const res = await fetch(`${this.simulatorUrl}/_simulator/stats`);
    return (await res.json()) as SimulatorStats;
  }

  /** Replays a paid transaction's notification (WeChat sends duplicates). */
  async replayNotification(outTradeNo: string): Promise<void> {
    await fetch(`${this.simulatorUrl}/_simulator/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outTradeNo }) });
  }

  async close(): Promise<void> {
    await this.stop(this.worker);
    await this.stop(this.api);
    await this.kill(this.broker, 'SIGTERM');
    await this.kill(this.redis, 'SIGTERM');
    this.mysqlProxy?.restore();
    await this.mysqlProxy?.close();
    for (const s of this.logs) s.end();
  }
}

export interface SimulatorStats {
  calls: Record<string, number>;
  sms: { orderNo: string; templateId: string }[];
  waybills: { orderNo: string }[];
  refunds: { outRefundNo: string; outTradeNo: string; status: string; refundFen: number }[];
  transactions: { outTradeNo: string; tradeState: string; transactionId?: string }[];
  deliveries: { eventType: string; outTradeNo: string; state: string }[];
}
