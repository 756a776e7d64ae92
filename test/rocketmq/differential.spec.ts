/**
 * What this service relies on from RocketMQ 5 through the official rocketmq-client-nodejs, checked
 * on the embedded broker and, under npm run test:rocketmq (TEST_ROCKETMQ_ENDPOINTS), on Apache
 * RocketMQ itself with the same assertions: RocketMQ is the reference, so a test that passes there
 * and fails on the embedded broker is a bug in the embedded broker.
 *
 * Names carry a run id: a long-running RocketMQ keeps topics, groups and messages between runs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { BadRequestException, NotFoundException, Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { batchAcks } from '../../src/infra/mq/ack-batching.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/infra/mq/broker/index.js';
import { mqadminCommands, type MqCatalogue } from '../../src/infra/mq/provisioning.js';
import { REAL_ROCKETMQ_ENDPOINTS, REAL_ROCKETMQ_NAMESRV, runMqadmin } from '../helpers/real-rocketmq.js';
import { eventually, waitFor } from '../helpers/wait.js';
import '../integration/broker/helpers.js'; // unrefs the client's logger timers

// The client's generated protobuf classes (the package does not re-export them).
const requireCjs = createRequire(import.meta.url);
const { AckMessageRequest } = requireCjs('rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb.js');
const { Code, Resource } = requireCjs('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUN = randomBytes(4).toString('hex');
const TOPICS = { normal: 'DiffNormal', fifo: 'DiffFifo', delay: 'DiffDelay', tx: 'DiffTx' } as const;
const FIFO_GROUP = `diff-fifo-${RUN}`;
/** A FIFO group whose push consumer dies holding a message. */
const CRASH_GROUP = `diff-crash-${RUN}`;
/** Provisioned with retryMaxTimes 1: two deliveries, then the dead-letter queue. */
const DLQ_GROUP = `diff-dlq-${RUN}`;
const COMMIT = 1;
const ROLLBACK = 2;
/** RocketMQ's proxy clamps long polls to at least 5 s (and rejects shorter deadlines). */
const AWAIT_MS = 5_000;
/** RocketMQ's smallest invisible duration for a receive. */
const INVISIBLE_MS = 10_000;
/** RocketMQ's timer wheel delivers on whole seconds (timerPrecisionMs 1000). */
const TIMER_PRECISION_MS = 1_000;

const quiet = { info() {}, warn() {}, error() {}, debug() {}, close() {} };

interface Target {
  name: string;
  start(): Promise<{ endpoints: string; close(): Promise<void> }>;
}

const embedded: Target = {
  name: 'embedded broker',
  async start() {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxshop-diff-'));
    const broker: EmbeddedBroker = await startEmbeddedBroker({
      port: 0,
      dataDir,
      adminPort: null,
      logger: pino({ level: 'silent' }),
      // Declared as npm run mq:provision declares them on RocketMQ; nothing auto-created.
      topics: { [TOPICS.normal]: 'NORMAL', [TOPICS.fifo]: 'FIFO', [TOPICS.delay]: 'DELAY', [TOPICS.tx]: 'TRANSACTION' },
      autoCreateTopics: false,
      fifoGroups: [FIFO_GROUP, CRASH_GROUP],
      fifoGroupPrefixes: [],
      maxDeliveryAttempts: 2,
      // As ops/rocketmq/start.sh configures RocketMQ's transaction check.
      transactionCheck: { firstDelayMs: 3_000, intervalMs: 3_000, maxChecks: 15 },
    });
    return { endpoints: broker.endpoint, close: () => broker.close().then(() => rmSync(dataDir, { recursive: true, force: true })) };
  },
};

const real: Target | undefined = REAL_ROCKETMQ_ENDPOINTS
  ? {
      name: 'Apache RocketMQ',
      async start() {
        const catalogue: MqCatalogue = {
          topics: [
            { name: TOPICS.normal, type: 'NORMAL' },
            { name: TOPICS.fifo, type: 'FIFO' },
            { name: TOPICS.delay, type: 'DELAY' },
            { name: TOPICS.tx, type: 'TRANSACTION' },
          ],
          groups: [
            { name: FIFO_GROUP, fifo: true, retryMaxTimes: 16, retry: { initialMs: 200, maxMs: 1000, multiplier: 2 } },
            { name: CRASH_GROUP, fifo: true, retryMaxTimes: 16, retry: { initialMs: 200, maxMs: 1000, multiplier: 2 } },
            { name: DLQ_GROUP, fifo: false, retryMaxTimes: 1, retry: { initialMs: 200, maxMs: 1000, multiplier: 2 } },
          ],
        };
        runMqadmin(mqadminCommands(catalogue, { namesrv: REAL_ROCKETMQ_NAMESRV!, cluster: process.env.ROCKETMQ_CLUSTER ?? 'DefaultCluster' }));
        return { endpoints: REAL_ROCKETMQ_ENDPOINTS!, close: async () => {} };
      },
    }
  : undefined;

describe.each([embedded, ...(real ? [real] : [])])('RocketMQ 5 behaviour the service relies on: $name', (target) => {
  let endpoints: string;
  let closeTarget: () => Promise<void>;
  const clients: { shutdown(): Promise<unknown> }[] = [];
  let producer: Producer;
  const checked: string[] = [];

  beforeAll(async () => {
    ({ endpoints, close: closeTarget } = await target.start());
    producer = new Producer({
      endpoints,
      namespace: '',
      logger: quiet,
      topic: [TOPICS.tx],
      checker: {
        async check(view: MessageView) {
          const body = view.body.toString();
          checked.push(body);
          // The local transaction's outcome, as the service's checkers read it from its database: a
          // check may also reach a message whose EndTransaction is late (RocketMQ checks any half
          // message older than transactionTimeOut that has no decision yet).
          return body.startsWith(`check-commit-${RUN}`) || body.startsWith(`commit-${RUN}`) ? COMMIT : ROLLBACK;
        },
      },
    } as never);
    clients.push(producer);
    await producer.startup();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.shutdown()));
    await closeTarget?.();
  });

  async function consumer(group: string, topic: string, expression = '*'): Promise<SimpleConsumer> {
    const c = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, expression]]), awaitDuration: AWAIT_MS, logger: quiet } as never);
    clients.push(c);
    await c.startup();
    return c;
  }

  /** Receives until `want` messages of this run arrived (others, from earlier runs, are acked). */
  async function receiveOurs(c: SimpleConsumer, want: number, opts: { ack?: boolean; max?: number; invisibleMs?: number; timeoutMs?: number } = {}): Promise<MessageView[]> {
    const ours: MessageView[] = [];
    await eventually(
      async () => {
        for (const view of await c.receive(opts.max ?? 32, opts.invisibleMs ?? INVISIBLE_MS)) {
          if (!view.body.toString().includes(RUN)) {
            await c.ack(view);
            continue;
          }
          ours.push(view);
          if (opts.ack !== false) await c.ack(view);
        }
        return ours.length >= want;
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 0, what: `${want} messages` },
    );
    return ours;
  }

  /** One long poll: the messages of this run it returns (others are acked). */
  async function pollOnce(c: SimpleConsumer, max = 32): Promise<MessageView[]> {
    const ours: MessageView[] = [];
    for (const view of await c.receive(max, INVISIBLE_MS)) {
      if (view.body.toString().includes(RUN)) ours.push(view);
      else await c.ack(view);
    }
    return ours;
  }

  it('send, receive, ack: delivered once, with its id, tag, keys, body and delivery attempt 1', async () => {
    const c = await consumer(`diff-basic-${RUN}`, TOPICS.normal, `t-${RUN}`);
    const sent = await producer.send({ topic: TOPICS.normal, tag: `t-${RUN}`, keys: [`k-${RUN}`], body: Buffer.from(`basic-${RUN}`) });
    const [view] = await receiveOurs(c, 1);
    expect(view.messageId).toBe(sent.messageId);
    expect(view.tag).toBe(`t-${RUN}`);
    expect(view.keys).toEqual([`k-${RUN}`]);
    expect(view.body.toString()).toBe(`basic-${RUN}`);
    expect(view.deliveryAttempt).toBe(1);
    expect(await pollOnce(c)).toEqual([]);
  });

  it('a topic nobody created is not found (gRPC never auto-creates topics)', async () => {
    await expect(producer.send({ topic: `DiffMissing${RUN}`, body: Buffer.from('x') })).rejects.toBeInstanceOf(NotFoundException);
  });

  it('a message sent before a new group first connects is still delivered to it (start offset)', async () => {
    await producer.send({ topic: TOPICS.normal, tag: `late-${RUN}`, body: Buffer.from(`late-${RUN}`) });
    const c = await consumer(`diff-late-${RUN}`, TOPICS.normal, `late-${RUN}`);
    const got = await receiveOurs(c, 1);
    expect(got.map((v) => v.body.toString())).toEqual([`late-${RUN}`]);
  });

  it('delay: not delivered before its delivery time, then delivered with that timestamp', async () => {
    const c = await consumer(`diff-delay-${RUN}`, TOPICS.delay);
    const deliverAt = new Date(Date.now() + 3_000);
    await producer.send({ topic: TOPICS.delay, body: Buffer.from(`delay-${RUN}`), deliveryTimestamp: deliverAt });
    const [view] = await receiveOurs(c, 1);
    const receivedAt = Date.now();
    expect(receivedAt).toBeGreaterThanOrEqual(deliverAt.getTime() - TIMER_PRECISION_MS);
    expect(view.deliveryTimestamp?.getTime()).toBe(deliverAt.getTime());
  });

  it('a FIFO group gets one message group in order and is blocked until what it holds is acked', async () => {
    const c = await consumer(FIFO_GROUP, TOPICS.fifo, `fifo-${RUN}`);
    for (const n of [1, 2, 3]) await producer.send({ topic: TOPICS.fifo, tag: `fifo-${RUN}`, messageGroup: `mg-${RUN}`, body: Buffer.from(`fifo-${RUN}-${n}`) });
    const first = await receiveOurs(c, 1, { ack: false });
    expect(first[0].body.toString()).toBe(`fifo-${RUN}-1`);
    expect(first.map((v) => v.body.toString())).toEqual([1, 2, 3].slice(0, first.length).map((n) => `fifo-${RUN}-${n}`));
    // Held, not acked: the group's queue is blocked, nothing further comes.
    expect(await pollOnce(c)).toEqual([]);
    for (const v of first) await c.ack(v);
    const rest = first.length < 3 ? await receiveOurs(c, 3 - first.length) : [];
    expect([...first, ...rest].map((v) => v.body.toString())).toEqual([1, 2, 3].map((n) => `fifo-${RUN}-${n}`));
  });

  it('a push consumer killed holding a FIFO message keeps it, and its queue, until the invisible time ends; then nothing is lost, in order', async () => {
    const tag = `crash-${RUN}`;
    const holder = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'test/helpers/fifo-holder.ts', endpoints, CRASH_GROUP, TOPICS.fifo, tag], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    let printed = '';
    holder.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    try {
      await waitFor(() => printed.includes('ready'), { timeoutMs: 60_000, what: 'the holder to subscribe' });
      await producer.send({ topic: TOPICS.fifo, tag, messageGroup: tag, body: Buffer.from(`${tag}-1`) });
      await waitFor(() => printed.includes(`got ${tag}-1`), { timeoutMs: 30_000, what: 'the holder to receive the first message' });
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
    await producer.send({ topic: TOPICS.fifo, tag, messageGroup: tag, body: Buffer.from(`${tag}-2`) });
    const c = await consumer(CRASH_GROUP, TOPICS.fifo, tag);
    // The dead holder said no goodbye: the broker keeps its message invisible (renewed no more) and
    // the group's queue blocked behind it, rather than handing it out as soon as the connection dropped.
    expect(await pollOnce(c)).toEqual([]);
    // Once its invisible time (60 s) ends: the held message again, then the next, in order.
    const after = await receiveOurs(c, 2, { timeoutMs: 150_000 });
    expect(after.map((v) => v.body.toString())).toEqual([`${tag}-1`, `${tag}-2`]);
  }, 300_000);

  it('a group RocketMQ created on first use is not FIFO: holding a message does not block the next', async () => {
    const c = await consumer(`diff-auto-${RUN}`, TOPICS.fifo, `auto-${RUN}`);
    for (const n of [1, 2]) await producer.send({ topic: TOPICS.fifo, tag: `auto-${RUN}`, messageGroup: `auto-${RUN}`, body: Buffer.from(`auto-${RUN}-${n}`) });
    const first = await receiveOurs(c, 1, { ack: false, max: 1 });
    const second = await receiveOurs(c, 1, { ack: false, max: 1 });
    expect([first[0].body.toString(), second[0].body.toString()]).toEqual([`auto-${RUN}-1`, `auto-${RUN}-2`]);
  });

  it('transactions: commit delivers, rollback discards, an undecided one is checked back and committed', async () => {
    const c = await consumer(`diff-tx-${RUN}`, TOPICS.tx);
    const commit = producer.beginTransaction();
    await producer.send({ topic: TOPICS.tx, body: Buffer.from(`commit-${RUN}`) }, commit);
    await commit.commit();
    const rollback = producer.beginTransaction();
    await producer.send({ topic: TOPICS.tx, body: Buffer.from(`rollback-${RUN}`) }, rollback);
    await rollback.rollback();
    const undecided = producer.beginTransaction();
    await producer.send({ topic: TOPICS.tx, body: Buffer.from(`check-commit-${RUN}`) }, undecided);
    const got = await receiveOurs(c, 2);
    // RocketMQ may check back a half message whose commit it has not read yet; answered COMMIT, it
    // is delivered twice (at least once, same message id). A rolled-back message never is.
    const later = await pollOnce(c);
    const bodies = new Set([...got, ...later].map((v) => v.body.toString()));
    expect([...bodies].sort()).toEqual([`check-commit-${RUN}`, `commit-${RUN}`]);
    expect(checked.filter((b) => b.includes(RUN))).toContain(`check-commit-${RUN}`);
  });

  it('acks joined into one AckMessage call (batchAcks): each entry is answered on its own, a bad receipt handle fails only its entry', async () => {
    const group = `diff-ackjoin-${RUN}`;
    const c = await consumer(group, TOPICS.normal, `join-${RUN}`);
    for (let i = 0; i < 3; i++) await producer.send({ topic: TOPICS.normal, tag: `join-${RUN}`, body: Buffer.from(`join-${i}-${RUN}`) });
    const views = await receiveOurs(c, 3, { ack: false });
    const calls: number[] = [];
    const joined = c as unknown as Parameters<typeof batchAcks>[0];
    batchAcks(joined, (entries) => calls.push(entries));
    const ack = (messageId: string, handle: string) => {
      const request = new AckMessageRequest().setGroup(new Resource().setName(group)).setTopic(new Resource().setName(TOPICS.normal));
      request.addEntries().setMessageId(messageId).setReceiptHandle(handle);
      return joined.ackMessageViaRpc(views[0]!.endpoints, request as never, 5_000).then((r) => r.getStatus()?.getCode());
    };
    // Issued in one turn, as a consumer's handlers that finish together issue them.
    const codes = await Promise.all([ack(views[0]!.messageId, views[0]!.receiptHandle), ack(views[1]!.messageId, 'not-a-receipt-handle'), ack(views[2]!.messageId, views[2]!.receiptHandle)]);
    expect(calls).toEqual([3]);
    // The bad entry fails on its own (RocketMQ answers a malformed handle with INTERNAL_SERVER_ERROR,
    // the embedded broker with INVALID_RECEIPT_HANDLE; the client retries the one, forgives the other).
    expect([codes[0], codes[2]]).toEqual([Code.OK, Code.OK]);
    expect([Code.INVALID_RECEIPT_HANDLE, Code.INTERNAL_SERVER_ERROR]).toContain(codes[1]);
    // The two acked are gone; the one whose ack failed comes back once its invisible time ends.
    await c.changeInvisibleDuration(views[1]!, 0);
    const again = await receiveOurs(c, 1);
    expect(again.map((v) => v.messageId)).toEqual([views[1]!.messageId]);
    expect(await pollOnce(c)).toEqual([]);
  });

  it('a message not acked comes back with the same id and attempt + 1; past the retries it is in %DLQ%<group>', async () => {
    const c = await consumer(DLQ_GROUP, TOPICS.normal, `dlq-${RUN}`);
    const sent = await producer.send({ topic: TOPICS.normal, tag: `dlq-${RUN}`, body: Buffer.from(`dlq-${RUN}`) });
    const [first] = await receiveOurs(c, 1, { ack: false });
    expect([first.messageId, first.deliveryAttempt]).toEqual([sent.messageId, 1]);
    await c.changeInvisibleDuration(first, 1_000);
    const [second] = await receiveOurs(c, 1, { ack: false });
    expect([second.messageId, second.deliveryAttempt]).toEqual([sent.messageId, 2]);
    await c.changeInvisibleDuration(second, 1_000);
    // Two deliveries were all it had (retryMaxTimes 1): it goes to the dead-letter queue instead.
    expect(await pollOnce(c)).toEqual([]);
    const dlq = await eventually(() => consumer(`diff-dlq-reader-${RUN}`, `%DLQ%${DLQ_GROUP}`), { timeoutMs: 20_000, intervalMs: 500, what: 'the DLQ topic' });
    const [dead] = await receiveOurs(dlq, 1);
    expect(dead.messageId).toBe(sent.messageId);
    expect(dead.body.toString()).toBe(`dlq-${RUN}`);
  });

  it('long polls: a receive waits at least 5 s, returns once a message arrives, and one with under 5 s to its deadline is refused', async () => {
    const group = `diff-poll-${RUN}`;
    // The client's deadline for a receive is its request timeout plus the await duration: 3 s + 1 s
    // leaves under 5 s, which RocketMQ refuses (ILLEGAL_POLLING_TIME, or BAD_REQUEST for a client
    // that reports a version before 5.0.3, as rocketmq-client-nodejs 1.x does).
    const short = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[TOPICS.normal, `poll-${RUN}`]]), awaitDuration: 1_000, requestTimeout: 3_000, logger: quiet } as never);
    clients.push(short);
    await short.startup();
    await expect(short.receive(1, INVISIBLE_MS)).rejects.toBeInstanceOf(BadRequestException);

    // Asked for 1 s with time to spare, the poll still lasts 5 s: a message sent 2 s in, after the
    // 1 s the client asked for, is returned by that same receive.
    const patient = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[TOPICS.normal, `poll-${RUN}`]]), awaitDuration: 1_000, requestTimeout: 10_000, logger: quiet } as never);
    clients.push(patient);
    await patient.startup();
    const polling = patient.receive(1, INVISIBLE_MS);
    await new Promise((r) => setTimeout(r, 2_000));
    const sent = await producer.send({ topic: TOPICS.normal, tag: `poll-${RUN}`, body: Buffer.from(`poll-${RUN}`) });
    const got = await polling;
    expect(got.map((v) => v.messageId)).toEqual([sent.messageId]);
    await patient.ack(got[0]!);
  });
});
