import { createHash } from 'node:crypto';
import './rocketmq-client-patches.js';
import { batchAcks } from './ack-batching.js';
import { keepClientLongPollingTimeout } from './long-polling-patch.js';
import { ConsumeResult, Producer, PushConsumer, type MessageView } from 'rocketmq-client-nodejs';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  MESSAGE_SCHEMA_VERSION,
  type Envelope,
  type IncomingMessage,
  type MessageBus,
  type MessageConsumerHost,
  type OutgoingMessage,
  type PublishReceipt,
  type PublishTransactionalOptions,
  type RawSubscription,
  type TransactionChecker,
} from './message-bus.port.js';
import { TOPIC_TYPES, type TopicName } from './topics.js';

// rocketmq-client-nodejs uses the protobuf enum values for transaction resolutions.
const RESOLUTION_COMMIT = 1;
const RESOLUTION_ROLLBACK = 2;
const RESOLUTION_UNKNOWN = 0;

export interface RocketMqOptions {
  endpoints: string;
  namespace?: string;
  accessKey?: string;
  secretKey?: string;
  /** RPC timeout of the client (ms, >= 1000). */
  requestTimeoutMs?: number;
  /**
   * How long a push consumer's receive waits for messages (RocketMQ accepts 5-20 s). Shutdown
   * waits for the receives in flight, so this bounds graceful-shutdown time too.
   */
  longPollingTimeoutMs?: number;
  /**
   * Messages a push consumer of a group that calls outside parties holds at once (received, not
   * yet acked). The client consumes all of them concurrently: the client's default (1024) let a
   * backlog start ~1000 calls to WeChat at once, which then timed out behind one another. The
   * client splits the cap over a group's assignments, at least 1 each (a FIFO group on RocketMQ
   * has 8), so ConsumerRunner bounds the handlers with a p-limit of the same size as well. Groups that only touch MySQL and Redis keep the
   * default (capping them too halved the new-user coupon consumer's throughput), and so does the
   * order-timeout group, whose WeChat Pay queries have their own limit (PAYMENT_PROBE_CONCURRENCY).
   */
  consumerMaxCachedMessages?: number;
}

export const DEFAULT_CONSUMER_MAX_CACHED_MESSAGES = 64;
/** rocketmq-client-nodejs's own default for maxCacheMessageCount. */
const CLIENT_MAX_CACHED_MESSAGES = 1024;

export const DEFAULT_LONG_POLLING_TIMEOUT_MS = 5_000;

/** Adapts pino to the client's ILogger (it logs printf-style); keeps its chatter at debug. */
function clientLogger(logger: Logger) {
  const child = logger.child({ component: 'rocketmq-client' });
  const fmt = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
  return {
    info: (...args: unknown[]) => child.debug(fmt(args)),
    debug: (...args: unknown[]) => child.trace(fmt(args)),
    warn: (...args: unknown[]) => child.warn(fmt(args)),
    error: (...args: unknown[]) => child.error(fmt(args)),
  };
}

export function encodeEnvelope<T>(message: OutgoingMessage<T>): Buffer {
  const producedAt = (message.producedAt ?? new Date()).toISOString();
  const envelope: Envelope<T> = { v: MESSAGE_SCHEMA_VERSION, key: message.key, producedAt, data: message.data };
  return Buffer.from(JSON.stringify(envelope));
}

export function decodeEnvelope(body: Buffer): Envelope {
  const parsed = JSON.parse(body.toString('utf8')) as Envelope;
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.v !== 'number' || typeof parsed.key !== 'string') {
    throw new Error('message body is not an envelope');
  }
  return parsed;
}

/**
 * MessageBus and consumer host on rocketmq-client-nodejs (RocketMQ 5 gRPC). The same code runs
 * against the embedded broker and a real RocketMQ 5 proxy.
 */
export class RocketMqMessageBus implements MessageBus, MessageConsumerHost {
  private producer?: Producer;
  private readonly checkers = new Map<string, TransactionChecker>();
  private readonly consumers: PushConsumer[] = [];
  /** EndTransaction calls still on their way (publishTransactional does not wait for them). */
  private readonly ending = new Set<Promise<unknown>>();
  private readonly log: Logger;

  constructor(
    private readonly deps: { logger: Logger; metrics: Metrics },
    private readonly options: RocketMqOptions,
  ) {
    this.log = deps.logger.child({ component: 'mq' });
  }

  private baseClientOptions() {
    return {
      endpoints: this.options.endpoints,
      namespace: this.options.namespace ?? '',
      requestTimeout: this.options.requestTimeoutMs ?? 3_000,
      logger: clientLogger(this.deps.logger),
      sessionCredentials:
        this.options.accessKey && this.options.secretKey
          ? { accessKey: this.options.accessKey, accessSecret: this.options.secretKey }
          : undefined,
    };
  }

  setTransactionChecker(topic: TopicName, checker: TransactionChecker): void {
    if (this.producer) throw new Error('transaction checkers must be set before start()');
    this.checkers.set(topic, checker);
  }

  async start(): Promise<void> {
    // The producer lists the transactional topics so the broker routes check-backs to it.
    const transactionalTopics = [...this.checkers.keys()];
    const producer = new Producer({
      ...this.baseClientOptions(),
      topics: transactionalTopics.length > 0 ? transactionalTopics : undefined,
      checker: {
        check: async (view: MessageView) => {
          const checker = this.checkers.get(view.topic);
          if (!checker) return RESOLUTION_UNKNOWN;
          try {
            const envelope = decodeEnvelope(view.body);
            const decision = await checker(envelope);
            this.log.info({ topic: view.topic, messageId: view.messageId, key: envelope.key, decision }, 'transaction check-back answered');
            return decision === 'commit' ? RESOLUTION_COMMIT : decision === 'rollback' ? RESOLUTION_ROLLBACK : RESOLUTION_UNKNOWN;
          } catch (err) {
            this.log.error({ topic: view.topic, messageId: view.messageId, err }, 'transaction check-back failed');
            return RESOLUTION_UNKNOWN;
          }
        },
      },
    });
    await producer.startup();
    this.producer = producer;
  }

  private requireProducer(): Producer {
    if (!this.producer) throw new Error('message bus not started');
    return this.producer;
  }

  async publish<T>(message: OutgoingMessage<T>): Promise<PublishReceipt> {
    const started = performance.now();
    const receipt = await this.requireProducer().send({
      topic: message.topic,
      tag: message.tag,
      keys: [message.key],
      body: encodeEnvelope(message),
      messageGroup: message.messageGroup,
      deliveryTimestamp: message.deliverAt,
    });
    this.deps.metrics.counter('mq_published_total', 'Messages published', ['topic']).inc({ topic: message.topic });
    this.deps.metrics
      .histogram('mq_publish_seconds', 'Publish latency', ['topic'], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1])
      .observe({ topic: message.topic }, (performance.now() - started) / 1000);
    return { messageId: receipt.messageId, recallHandle: (receipt as { recallHandle?: string }).recallHandle };
  }

  async publishTransactional<T, R>(message: OutgoingMessage<T>, localTransaction: () => Promise<R>, options: PublishTransactionalOptions = {}): Promise<R> {
    const producer = this.requireProducer();
    const transaction = producer.beginTransaction();
    const receipt = await producer.send({ topic: message.topic, tag: message.tag, keys: [message.key], body: encodeEnvelope(message) }, transaction);
    let result: R;
    try {
      result = await localTransaction();
    } catch (err) {
      // A throw is not a rollback: the answer to a COMMIT the server applied can be lost. Ask the
      // database (when the caller can), exactly as the check-back would.
      const decision = options.outcome ? await options.outcome(err).catch(() => 'unknown' as const) : 'rollback';
      if (decision === 'commit') {
        this.log.warn({ topic: message.topic, key: message.key, err: (err as Error).message }, 'local transaction threw but committed; committing its half message');
        this.endInBackground(transaction.commit(), message, receipt.messageId);
      } else if (decision === 'rollback') {
        await transaction.rollback().catch((rollbackErr: Error) =>
          // The check-back will find no local effect and roll it back.
          this.log.warn({ topic: message.topic, key: message.key, err: rollbackErr.message }, 'half message rollback failed'),
        );
      } else {
        this.log.warn({ topic: message.topic, key: message.key, err: (err as Error).message }, 'local transaction outcome unknown; the check-back will decide');
      }
      throw err;
    }
    // Not awaited, like RocketMQ's own endTransactionOneway: the local commit is what the caller
    // answers on, and a lost EndTransaction is settled by the check-back. close() waits for it.
    this.endInBackground(transaction.commit(), message, receipt.messageId);
    return result;
  }

  private endInBackground(commit: Promise<unknown>, message: OutgoingMessage<unknown>, messageId: string): void {
    const ending = commit
      .then(() => this.deps.metrics.counter('mq_published_total', 'Messages published', ['topic']).inc({ topic: message.topic }))
      .catch((commitErr: Error) =>
        // The local transaction is committed: the broker's check-back will commit the message.
        this.log.warn({ topic: message.topic, key: message.key, messageId, err: commitErr.message }, 'half message commit failed; check-back will resolve it'),
      );
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
  }

  async recall(topic: TopicName, recallHandle: string): Promise<void> {
    await this.requireProducer().recallMessage(topic, recallHandle);
  }

  async subscribe(subscription: RawSubscription): Promise<void> {
    const consumer = new PushConsumer({
      ...this.baseClientOptions(),
      consumerGroup: subscription.group,
      longPollingTimeout: this.options.longPollingTimeoutMs ?? DEFAULT_LONG_POLLING_TIMEOUT_MS,
      maxCacheMessageCount: subscription.callsOutside ? (this.options.consumerMaxCachedMessages ?? DEFAULT_CONSUMER_MAX_CACHED_MESSAGES) : CLIENT_MAX_CACHED_MESSAGES,
      subscriptions: new Map([[subscription.topic, subscription.tagExpression]]),
      // FIFO groups: consume the message groups of one received batch in parallel, each still in
      // order (the client's default runs the whole batch one message at a time).
      enableFifoConsumeAccelerator: true,
      messageListener: {
        consume: async (view: MessageView) => {
          let incoming: IncomingMessage;
          try {
            incoming = {
              messageId: view.messageId,
              topic: view.topic,
              tag: view.tag,
              keys: view.keys,
              messageGroup: view.messageGroup,
              deliveryAttempt: view.deliveryAttempt ?? 1,
              envelope: decodeEnvelope(view.body),
            };
          } catch (err) {
            // A body we cannot read never becomes readable: ack it, loudly, instead of looping.
            this.log.error({ group: subscription.group, topic: view.topic, messageId: view.messageId, err: (err as Error).message }, 'undecodable message dropped');
            this.deps.metrics.counter('mq_undecodable_total', 'Messages dropped as undecodable', ['group']).inc({ group: subscription.group });
            return ConsumeResult.SUCCESS;
          }
          const outcome = await subscription.handle(incoming);
          return outcome === 'ack' ? ConsumeResult.SUCCESS : ConsumeResult.FAILURE;
        },
      },
    });
    keepClientLongPollingTimeout(consumer, this.options.longPollingTimeoutMs ?? DEFAULT_LONG_POLLING_TIMEOUT_MS);
    const ackCalls = this.deps.metrics.histogram('mq_ack_call_entries', 'Messages acked per AckMessage call', ['group'], [1, 2, 4, 8, 16, 32, 64]);
    batchAcks(consumer as unknown as Parameters<typeof batchAcks>[0], (entries) => ackCalls.observe({ group: subscription.group }, entries));
    await consumer.startup();
    this.consumers.push(consumer);
  }

  async closeConsumers(): Promise<void> {
    const consumers = this.consumers.splice(0);
    // shutdown() waits for the receives in flight (up to MQ_LONG_POLLING_TIMEOUT). Cancelling them
    // instead was tried: RocketMQ keeps a cancelled receive's long poll parked, pops the next
    // message for it and that message stays invisible until its invisible time ends, so an order
    // placed right after a rolling restart shipped a minute late (refund suite on RocketMQ).
    await Promise.allSettled(consumers.map((c) => c.shutdown()));
  }

  async close(): Promise<void> {
    await this.closeConsumers();
    await Promise.allSettled([...this.ending]);
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.shutdown().catch(() => undefined);
  }
}

/** A stable, short, name-safe id: per-instance consumer groups reuse it across restarts. */
export function stableInstanceId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 12);
}

export { TOPIC_TYPES };
