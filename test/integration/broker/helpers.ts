/**
 * Helpers for the embedded broker integration tests: every test gets its own broker (port 0,
 * fresh temp data dir) and real rocketmq-client-nodejs clients, all closed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Producer, PushConsumer, SimpleConsumer, ConsumeResult } from 'rocketmq-client-nodejs';
import type { MessageView } from 'rocketmq-client-nodejs';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../../src/infra/mq/broker/index.js';

export { Producer, PushConsumer, SimpleConsumer, ConsumeResult };

/*
 * rocketmq-client-nodejs 1.0.8 gives every consume service its own egg-logger whose buffered file
 * transport runs a setInterval that is never cleared, even after shutdown(); that would keep jest
 * alive. Unref those intervals (client-side leak, not the broker's).
 */
{
  const spec = 'egg-logger/lib/transports/file_buffer.js';
  const mod: any = await import(spec);
  const FileBufferTransport = mod.default ?? mod;
  const proto = FileBufferTransport.prototype;
  if (!proto.__unrefPatched) {
    const original = proto._createInterval;
    proto._createInterval = function (this: unknown) {
      const timer = original.call(this);
      timer?.unref?.();
      return timer;
    };
    proto.__unrefPatched = true;
  }
}
export type { MessageView };

/** TransactionResolution of definition.proto (not exported by the client package). */
export const COMMIT = 1;
export const ROLLBACK = 2;

/** Client logger that keeps test output readable (errors only, when DEBUG_BROKER_TESTS is set). */
export const quietLogger = {
  info() {},
  warn() {},
  error(...args: unknown[]) {
    if (process.env.DEBUG_BROKER_TESTS) console.error('[client]', ...args);
  },
  debug() {},
  close() {},
};

export function tempDir(prefix = 'broker-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Short settings so tests run fast. */
export const FAST: Partial<EmbeddedBrokerOptions> = {
  minInvisibleDurationMs: 1000,
  longPollingTimeoutMs: 1000,
  // RocketMQ's proxy has the same knob (grpcClientConsumerMinLongPollingTimeoutMillis, 5 s by default).
  minLongPollingTimeoutMs: 1000,
  retryBackoff: { initialMs: 100, maxMs: 1000, multiplier: 2 },
  transactionCheck: { firstDelayMs: 500, intervalMs: 500, maxChecks: 3 },
  maxDeliveryAttempts: 4,
};

/** A producer of `endpoints` (not started: the caller registers it for shutdown, then starts it). */
export function newProducer(endpoints: string, opts: { topics?: string[]; checker?: { check(m: MessageView): Promise<number> } } = {}): Producer {
  return new Producer({ endpoints, namespace: '', logger: quietLogger, topic: opts.topics, checker: opts.checker as any });
}

/** A simple consumer of `endpoints` in `group` (not started, like newProducer). */
export function newSimpleConsumer(endpoints: string, group: string, subscriptions: Record<string, string>, awaitDuration = 1000): SimpleConsumer {
  return new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map(Object.entries(subscriptions)), awaitDuration, logger: quietLogger });
}

type Closable = { shutdown(): Promise<unknown> };

/** One broker plus every client created through it; `close()` tears everything down. */
export class TestBed {
  broker!: EmbeddedBroker;
  readonly dataDir = tempDir();
  readonly #clients: Closable[] = [];

  static async start(options: Partial<EmbeddedBrokerOptions> = {}): Promise<TestBed> {
    const bed = new TestBed();
    bed.broker = await startEmbeddedBroker({
      port: 0,
      dataDir: bed.dataDir,
      adminPort: null,
      logger: pino({ level: process.env.DEBUG_BROKER_TESTS ? 'debug' : 'silent' }),
      ...FAST,
      ...options,
    });
    return bed;
  }

  get endpoints(): string {
    return this.broker.endpoint;
  }

  async producer(opts: { topics?: string[]; checker?: { check(m: MessageView): Promise<number> } } = {}): Promise<Producer> {
    const p = newProducer(this.endpoints, opts);
    this.#clients.push(p);
    await p.startup();
    return p;
  }

  async simpleConsumer(group: string, subscriptions: Record<string, string>, awaitDuration = 1500): Promise<SimpleConsumer> {
    const c = newSimpleConsumer(this.endpoints, group, subscriptions, awaitDuration);
    this.#clients.push(c);
    await c.startup();
    return c;
  }

  async pushConsumer(
    group: string,
    subscriptions: Record<string, string>,
    consume: (m: MessageView) => ConsumeResult | Promise<ConsumeResult>,
  ): Promise<PushConsumer> {
    const c = new PushConsumer({
      endpoints: this.endpoints,
      namespace: '',
      consumerGroup: group,
      subscriptions: new Map(Object.entries(subscriptions)),
      messageListener: { consume },
      logger: quietLogger,
    });
    this.#clients.push(c);
    await c.startup();
    return c;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#clients.splice(0).map((c) => c.shutdown()));
    await this.broker?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects after `ms` so a missing event fails the test instead of hanging it. */
export function within<T>(p: Promise<T>, ms: number, what = 'event'): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Collects messages from a push consumer callback; `waitCount(n)` resolves once n have arrived. */
export class Collector {
  readonly items: { id: string; body: string; tag?: string; attempt?: number; group?: string; at: number; view: MessageView }[] = [];
  #waiters: { n: number; d: Deferred<void> }[] = [];

  add(view: MessageView): void {
    this.items.push({
      id: view.messageId,
      body: view.body.toString(),
      tag: view.tag,
      attempt: view.deliveryAttempt,
      group: view.messageGroup,
      at: Date.now(),
      view,
    });
    for (const w of this.#waiters) if (this.items.length >= w.n) w.d.resolve();
  }

  waitCount(n: number, ms = 15_000): Promise<void> {
    if (this.items.length >= n) return Promise.resolve();
    const d = deferred();
    this.#waiters.push({ n, d });
    return within(d.promise, ms, `${n} messages (got ${this.items.length})`);
  }

  bodies(): string[] {
    return this.items.map((i) => i.body);
  }
}

/** Receives with a simple consumer until `n` messages were collected (acking them unless told not to). */
export async function receiveN(c: SimpleConsumer, n: number, opts: { invisibleMs?: number; ack?: boolean; timeoutMs?: number } = {}): Promise<MessageView[]> {
  const out: MessageView[] = [];
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (out.length < n && Date.now() < deadline) {
    const got = await c.receive(Math.min(32, n - out.length), opts.invisibleMs ?? 10_000);
    for (const m of got) {
      out.push(m);
      if (opts.ack !== false) await c.ack(m);
    }
  }
  return out;
}
