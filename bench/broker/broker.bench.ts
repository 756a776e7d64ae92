/**
 * Embedded broker benchmark: one Producer and one PushConsumer (rocketmq-client-nodejs over gRPC),
 * 1 KB NORMAL messages, durability on (every send is written to the log before OK), against the
 * broker CLI running as a child process. Then the same workload on Redis Streams (XADD /
 * XREADGROUP / XACK through ioredis) as a baseline.
 *
 *   node --import @swc-node/register/esm-register bench/broker/broker.bench.ts
 *
 * Two phases per system:
 *  1. saturation: as many sends as possible (BENCH_CONCURRENCY in flight) for BENCH_MESSAGES or
 *     BENCH_SECONDS → sustained throughput (latency there is mostly queueing, printed for reference);
 *  2. fixed offered load (BENCH_RATE msg/s for BENCH_RATE_SECONDS) → end-to-end latency p50/p99.
 * The broker runs as a child process (the CLI); the PushConsumer runs next to the producer, or in its
 * own process with BENCH_SPLIT=1 (this script re-run with --consumer; times are wall-clock).
 *
 * A third run (BENCH_RAW=0 skips it) measures the broker alone with a raw batched gRPC client.
 *
 * Env: BENCH_RAW_BATCH (16), BENCH_RAW_RATE (3000),
 *      BENCH_MESSAGES (20000), BENCH_SECONDS (20), BENCH_CONCURRENCY (64), BENCH_RATE (500),
 *      BENCH_RATE_SECONDS (8), REDIS_URL (redis://127.0.0.1:6379), BENCH_FSYNC=1 to fdatasync every write.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import * as grpc from '@grpc/grpc-js';
import { ConsumeResult, Producer, PushConsumer } from 'rocketmq-client-nodejs';
import { loadRocketMqProto } from '../../src/infra/mq/broker/proto.js';
import { sleep } from '../../test/helpers/wait.js';
import { freePort } from '../../src/tools/ports.js';
import { percentile } from '../lib/stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATE = Number(process.env.BENCH_RATE ?? 500);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 8);
const BODY_SIZE = 1024;
/** BENCH_SPLIT=1 runs the PushConsumer in its own process (default: same process as the producer). */
const SPLIT = process.env.BENCH_SPLIT === '1';
const now = () => performance.timeOrigin + performance.now();

const quiet = { info() {}, warn() {}, error() {}, debug() {}, close() {} };

interface Result {
  name: string;
  sent: number;
  received: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  max: number;
}

function waitForLine(child: ChildProcess, marker: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start in 30 s`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes(marker)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function spawnBroker(port: number, dataDir: string): Promise<ChildProcess> {
  const args = ['--import', '@swc-node/register/esm-register', 'src/infra/mq/broker/cli.ts', '--port', String(port), '--data-dir', dataDir, '--admin-port', '0'];
  if (process.env.BENCH_FSYNC === '1') args.push('--fsync');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForLine(child, '"broker ready"', 'broker');
  return child;
}

/** Consumer side of a run: (index, consumed-at) pairs arrive here. */
class Sink {
  readonly seen = new Set<number>();
  readonly latencies: number[] = [];
  bornAt = new Map<number, number>();
  record(i: number, at: number): void {
    if (this.seen.has(i)) return;
    this.seen.add(i);
    const born = this.bornAt.get(i);
    if (born !== undefined) this.latencies.push(at - born);
  }
  reset(): void {
    this.seen.clear();
    this.latencies.length = 0;
    this.bornAt = new Map();
  }
}

function bodyFor(i: number): Buffer {
  const b = Buffer.alloc(BODY_SIZE, 'x');
  b.writeUInt32BE(i, 0);
  return b;
}

async function drain(sink: Sink, sent: number): Promise<void> {
  const until = performance.now() + 30_000;
  while (sink.seen.size < sent && performance.now() < until) await sleep(5);
}

function result(name: string, sink: Sink, sent: number, seconds: number): Result {
  const sorted = [...sink.latencies].sort((a, b) => a - b);
  return {
    name,
    sent,
    received: sink.seen.size,
    seconds,
    throughput: sink.seen.size / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Phase 1: saturation with CONCURRENCY sends in flight. */
async function saturate(name: string, send: (body: Buffer) => Promise<unknown>, sink: Sink, base: number): Promise<Result> {
  sink.reset();
  const start = performance.now();
  const stopAt = start + SECONDS * 1000;
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < MESSAGES && performance.now() < stopAt) {
      const i = base + next++;
      sink.bornAt.set(i, now());
      await send(bodyFor(i));
      sent++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await drain(sink, sent);
  return result(`${name} — saturation`, sink, sent, (performance.now() - start) / 1000);
}

/** Phase 2: RATE msg/s offered for RATE_SECONDS (paced every 10 ms), latency measured. */
async function paced(name: string, send: (body: Buffer) => Promise<unknown>, sink: Sink, base: number): Promise<Result> {
  sink.reset();
  const total = Math.round(RATE * RATE_SECONDS);
  const start = performance.now();
  let issued = 0;
  let inflight = 0;
  const pending: Promise<unknown>[] = [];
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
    while (issued < due && inflight < 256) {
      const i = base + issued++;
      sink.bornAt.set(i, now());
      inflight++;
      pending.push(send(bodyFor(i)).finally(() => inflight--));
    }
    await sleep(10);
  }
  await Promise.all(pending);
  await drain(sink, issued);
  return result(`${name} — ${RATE} msg/s offered`, sink, issued, (performance.now() - start) / 1000);
}

/** Child-process mode: a PushConsumer reporting [index, consumedAt] batches to the parent over IPC. */
async function consumerMain(endpoints: string, topic: string, group: string): Promise<void> {
  let batch: [number, number][] = [];
  const flush = setInterval(() => {
    if (batch.length) {
      process.send!(batch);
      batch = [];
    }
  }, 5);
  const consumer = new PushConsumer({
    endpoints,
    namespace: '',
    logger: quiet,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    messageListener: {
      consume(m) {
        batch.push([m.body.readUInt32BE(0), now()]);
        return ConsumeResult.SUCCESS;
      },
    },
  });
  await consumer.startup();
  process.stdout.write('consumer ready\n');
  process.on('message', async (cmd) => {
    if (cmd === 'stop') {
      clearInterval(flush);
      await consumer.shutdown().catch(() => {});
      process.exit(0);
    }
  });
}

async function benchBroker(): Promise<Result[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'broker-bench-'));
  const port = await freePort();
  const broker = await spawnBroker(port, dataDir);
  const endpoints = `127.0.0.1:${port}`;
  const topic = 'BenchTopic';
  const sink = new Sink();
  const producer = new Producer({ endpoints, namespace: '', logger: quiet, topic });
  let consumer: ChildProcess | undefined;
  let local: PushConsumer | undefined;
  try {
    await producer.startup();
    if (SPLIT) {
      consumer = spawn(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', fileURLToPath(import.meta.url), '--consumer', endpoints, topic, 'bench-group'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
      );
      consumer.on('message', (b: [number, number][]) => {
        for (const [i, at] of b) sink.record(i, at);
      });
      await waitForLine(consumer, 'consumer ready', 'consumer');
    } else {
      local = new PushConsumer({
        endpoints,
        namespace: '',
        logger: quiet,
        consumerGroup: 'bench-group',
        subscriptions: new Map([[topic, '*']]),
        messageListener: {
          consume(m) {
            sink.record(m.body.readUInt32BE(0), now());
            return ConsumeResult.SUCCESS;
          },
        },
      });
      await local.startup();
    }
    // warm-up: routes, assignments and the first long poll in place
    sink.bornAt.set(0xffffffff, now());
    await producer.send({ topic, body: bodyFor(0xffffffff) });
    await sleep(1500);
    const send = (body: Buffer) => producer.send({ topic, body });
    const sat = await saturate(NAME_BROKER, send, sink, 0);
    const pace = await paced(NAME_BROKER, send, sink, 10_000_000);
    return [sat, pace];
  } finally {
    consumer?.send('stop');
    if (consumer && consumer.exitCode === null) await new Promise((r) => consumer!.once('exit', r));
    await local?.shutdown().catch(() => {});
    await producer.shutdown().catch(() => {});
    await sleep(300);
    broker.kill('SIGTERM');
    if (broker.exitCode === null) await new Promise((r) => broker.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const NAME_BROKER = 'embedded broker (gRPC, rocketmq-client-nodejs)';
const NAME_REDIS = 'Redis Streams (ioredis XADD / XREADGROUP / XACK)';

async function benchRedis(): Promise<Result[]> {
  const stream = `bench:broker:${process.pid}`;
  const group = 'bench-group';
  const producer = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const reader = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const acker = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await Promise.all([producer.connect(), reader.connect(), acker.connect()]);
  await producer.del(stream);
  await producer.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
  const sink = new Sink();
  let running = true;
  const consumeLoop = (async () => {
    while (running) {
      const res = (await reader.xreadgroup('GROUP', group, 'c1', 'COUNT', 32, 'BLOCK', 100, 'STREAMS', stream, '>')) as
        | [string, [string, string[]][]][]
        | null;
      if (!res) continue;
      for (const [, entries] of res) {
        for (const [id, fields] of entries) {
          sink.record(Buffer.from(fields[1], 'latin1').readUInt32BE(0), now());
          void acker.xack(stream, group, id); // one ack per message, like the RocketMQ consumer
        }
      }
    }
  })();
  try {
    const send = (body: Buffer) => producer.xadd(stream, '*', 'b', body.toString('latin1'));
    const sat = await saturate(NAME_REDIS, send, sink, 0);
    const pace = await paced(NAME_REDIS, send, sink, 10_000_000);
    return [sat, pace];
  } finally {
    running = false;
    await consumeLoop.catch(() => {});
    await producer.del(stream);
    producer.disconnect();
    reader.disconnect();
    acker.disconnect();
  }
}

/**
 * Broker capacity without the Node client's per-RPC cost: raw @grpc/grpc-js with the broker's own
 * proto, sends batched RAW_BATCH messages per SendMessage and acks a whole received batch per
 * AckMessage (both allowed by the protocol; rocketmq-client-nodejs 1.0.8 does neither).
 */
const RAW_BATCH = Number(process.env.BENCH_RAW_BATCH ?? 16);
const RAW_RATE = Number(process.env.BENCH_RAW_RATE ?? 3000);
async function benchRawCapacity(): Promise<Result[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'broker-bench-raw-'));
  const port = await freePort();
  const broker = await spawnBroker(port, dataDir);
  const pkg = loadRocketMqProto() as any;
  const client = new pkg.apache.rocketmq.v2.MessagingService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', `raw-bench-${process.pid}`);
  const unary = (method: string, req: object): Promise<any> =>
    new Promise((resolve, reject) => client[method](req, md, (err: any, res: any) => (err ? reject(err) : resolve(res))));
  const topic = 'RawBenchTopic';
  const sink = new Sink();
  let running = true;
  let seq = 0;
  const receiver = async () => {
    while (running) {
      const msgs: any[] = await new Promise((resolve, reject) => {
        const out: any[] = [];
        const s = client.ReceiveMessage(
          {
            group: { name: 'raw-group' },
            message_queue: { topic: { name: topic }, id: 0 },
            filter_expression: { type: 'TAG', expression: '*' },
            batch_size: 32,
            invisible_duration: { seconds: 30, nanos: 0 },
            long_polling_timeout: { seconds: 1, nanos: 0 },
          },
          md,
          { deadline: Date.now() + 5000 },
        );
        s.on('data', (d: any) => d.message && out.push(d.message));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
      if (!msgs.length) continue;
      const at = now();
      for (const m of msgs) sink.record(Buffer.from(m.body).readUInt32BE(0), at);
      await unary('AckMessage', {
        group: { name: 'raw-group' },
        topic: { name: topic },
        entries: msgs.map((m) => ({ message_id: m.system_properties.message_id, receipt_handle: m.system_properties.receipt_handle })),
      });
    }
  };
  try {
    await unary('QueryRoute', { topic: { name: topic } });
    const receivers = [receiver(), receiver()];
    await sleep(300);
    const sendBatch = async (ids: number[]) => {
      const messages = ids.map((i) => {
        sink.bornAt.set(i, now());
        return {
          topic: { name: topic },
          body: bodyFor(i),
          system_properties: { message_id: `RAW${process.pid}-${i}`, message_type: 'NORMAL', body_encoding: 'IDENTITY' },
        };
      });
      const res = await unary('SendMessage', { messages });
      if (res.status.code !== 'OK') throw new Error(`send failed: ${res.status.code}`);
    };
    // saturation
    sink.reset();
    let start = performance.now();
    const stopAt = start + SECONDS * 1000;
    let sent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent < MESSAGES && performance.now() < stopAt) {
          const ids = Array.from({ length: RAW_BATCH }, () => seq++);
          sent += ids.length;
          await sendBatch(ids);
        }
      }),
    );
    await drain(sink, sent);
    const sat = result(`broker capacity — raw gRPC client (${RAW_BATCH} msgs per SendMessage, batched acks) — saturation`, sink, sent, (performance.now() - start) / 1000);
    // fixed offered load: every 5 ms send what is due (≤ RAW_BATCH per request)
    sink.reset();
    const total = Math.round(RAW_RATE * RATE_SECONDS);
    start = performance.now();
    let issued = 0;
    const pending: Promise<unknown>[] = [];
    while (issued < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RAW_RATE));
      while (issued < due) {
        const n = Math.min(RAW_BATCH, due - issued);
        const ids = Array.from({ length: n }, () => seq++);
        issued += n;
        pending.push(sendBatch(ids));
      }
      await sleep(5);
    }
    await Promise.all(pending);
    await drain(sink, issued);
    const pace = result(`broker capacity — raw gRPC client — ${RAW_RATE} msg/s offered`, sink, issued, (performance.now() - start) / 1000);
    running = false;
    await Promise.allSettled(receivers);
    return [sat, pace];
  } finally {
    running = false;
    client.close();
    broker.kill('SIGTERM');
    if (broker.exitCode === null) await new Promise((r) => broker.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(r: Result): void {
  console.log(
    `${r.name}\n  sent ${r.sent}, received ${r.received} in ${r.seconds.toFixed(2)} s → ${r.throughput.toFixed(0)} msg/s; ` +
      `end-to-end latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(
    `workload: 1 KB NORMAL messages, 1 producer + 1 push consumer${SPLIT ? ' (own process)' : ''}; saturation: ${MESSAGES} msgs or ${SECONDS} s, ` +
      `${CONCURRENCY} sends in flight; latency: ${RATE} msg/s for ${RATE_SECONDS} s; durability on (write before OK${process.env.BENCH_FSYNC === '1' ? ' + fdatasync' : ''})`,
  );
  const broker = await benchBroker();
  broker.forEach(print);
  let redis: Result[] | undefined;
  try {
    redis = await benchRedis();
    redis.forEach(print);
  } catch (err) {
    console.log(`Redis Streams baseline skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (redis) {
    console.log(
      `ratio embedded/redis: saturation throughput ${(broker[0].throughput / redis[0].throughput).toFixed(3)}×; ` +
        `latency at ${RATE} msg/s p50 ${(broker[1].p50 / redis[1].p50).toFixed(1)}×, p99 ${(broker[1].p99 / redis[1].p99).toFixed(1)}×`,
    );
  }
  let raw: Result[] | undefined;
  if (process.env.BENCH_RAW !== '0') {
    raw = await benchRawCapacity();
    raw.forEach(print);
  }
  const ok = broker[0].throughput >= 3000 && broker[1].p99 < 50;
  console.log(`target (≥ 3000 msg/s sustained, p99 < 50 ms) with rocketmq-client-nodejs: ${ok ? 'met' : 'NOT met'}`);
  if (raw) {
    const rawOk = raw[0].throughput >= 3000 && raw[1].p99 < 50;
    console.log(`target with a batching raw gRPC client (broker capacity): ${rawOk ? 'met' : 'NOT met'}`);
  }
}

if (process.argv[2] === '--consumer') {
  consumerMain(process.argv[3], process.argv[4], process.argv[5]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
