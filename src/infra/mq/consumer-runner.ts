import type { EntityManager } from '@mikro-orm/mysql';
import pLimit from 'p-limit';
import type { Orm } from '../db/orm.js';
import type { IdempotencyGuard } from '../redis/idempotency-guard.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import type { IncomingMessage, MessageConsumerHost } from './message-bus.port.js';
import type { TopicName } from './topics.js';

/** Attempts before a message goes to the group's dead-letter queue (RocketMQ's default is 16 retries). */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 16;

/** What a handler reports besides "done" (void). */
export type HandleOutcome = void | 'duplicate' | 'drop';

/** How one delivery ended, as counted in `mq_consumed_total{outcome}`. */
export type ConsumeOutcome = 'done' | 'duplicate' | 'dropped' | 'in-progress';

export interface ConsumerContext {
  /** A fresh entity-manager fork for this message. */
  em: EntityManager;
  log: Logger;
}

/**
 * What a consumer file exports: its handler and its config. The runner adds idempotency,
 * logging, metrics and retry/DLQ behaviour around it.
 */
export interface ConsumerDefinition<T = unknown> {
  /** Idempotency namespace and metrics label, e.g. 'coupon-new-user'. */
  name: string;
  group: string;
  topic: TopicName;
  /** Tags to receive; all when omitted. */
  tags?: readonly string[];
  /**
   * The handler calls an outside party (WeChat, SMS, logistics): the group then holds at most
   * MQ_CONSUMER_MAX_CACHED_MESSAGES messages at once, so a backlog does not become a thousand
   * concurrent calls that time out behind one another. Other groups run at the client's default.
   */
  callsOutside?: boolean;
  /**
   * The business key guarded by the IdempotencyGuard; return null for handlers that are
   * naturally idempotent (cache eviction, subscription fan-out).
   */
  idempotencyKey: ((message: IncomingMessage<T>) => string) | null;
  /**
   * Return 'duplicate' when the effect already existed, 'drop' when the message is malformed
   * (it can never be handled: acked, no effect, counted as dropped); throwing makes it retry.
   */
  handle(ctx: ConsumerContext, message: IncomingMessage<T>): Promise<HandleOutcome>;
}

export class ConsumerRunner {
  private readonly registered: ConsumerDefinition<any>[] = [];

  constructor(
    private readonly deps: { host: MessageConsumerHost; orm: Orm; guard: IdempotencyGuard; logger: Logger; metrics: Metrics },
    private readonly options: {
      maxDeliveryAttempts?: number;
      /**
       * Handlers of one `callsOutside` group running at once (MQ_CONSUMER_MAX_CACHED_MESSAGES).
       * The client's cache cap alone does not bound them: on RocketMQ a FIFO group gets one
       * assignment per queue (8 by default) and the client gives each at least one message, so a
       * cap of 2 let 8 calls run at once. This limit holds whatever the client caches.
       */
      maxConcurrentOutsideCalls?: number;
    } = {},
  ) {}

  async register<T>(definition: ConsumerDefinition<T>): Promise<void> {
    this.registered.push(definition);
    // p-limit, as the payment probe and seckill orders use: a bound on the group's handlers.
    const cap = definition.callsOutside && this.options.maxConcurrentOutsideCalls ? pLimit(this.options.maxConcurrentOutsideCalls) : undefined;
    await this.deps.host.subscribe({
      group: definition.group,
      topic: definition.topic,
      tagExpression: definition.tags && definition.tags.length > 0 ? definition.tags.join('||') : '*',
      callsOutside: definition.callsOutside === true,
      handle: (message) => (cap ? cap(() => this.run(definition, message as IncomingMessage<T>)) : this.run(definition, message as IncomingMessage<T>)),
    });
  }

  get definitions(): readonly ConsumerDefinition<any>[] {
    return this.registered;
  }

  /** Runs one delivery; exported for tests that drive a definition without the broker. */
  async run<T>(definition: ConsumerDefinition<T>, message: IncomingMessage<T>): Promise<'ack' | 'retry'> {
    const { metrics } = this.deps;
    const log = this.deps.logger.child({
      consumer: definition.name,
      group: definition.group,
      topic: message.topic,
      tag: message.tag,
      messageId: message.messageId,
      key: message.envelope.key,
      attempt: message.deliveryAttempt,
    });
    const outcomes = metrics.counter('mq_consumed_total', 'Messages consumed, by outcome', ['consumer', 'outcome']);
    const timer = metrics
      .histogram('mq_consume_seconds', 'Handler duration', ['consumer'], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5])
      .startTimer({ consumer: definition.name });
    const work = async (): Promise<HandleOutcome> => {
      const ctx: ConsumerContext = { em: this.deps.orm.em.fork(), log };
      try {
        return await definition.handle(ctx, message);
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
    };
    try {
      let outcome: ConsumeOutcome;
      if (definition.idempotencyKey) {
        // A dropped message is final too: the guard records it done, so a copy is not parsed again.
        const result = await this.deps.guard.run(definition.name, definition.idempotencyKey(message), async () => {
          const r = await work();
          return r === 'duplicate' ? 'duplicate' : r === 'drop' ? ('drop' as const) : ('done' as const);
        });
        outcome = result.status === 'done' && result.result === 'drop' ? 'dropped' : result.status;
      } else {
        const r = await work();
        outcome = r === 'duplicate' ? 'duplicate' : r === 'drop' ? 'dropped' : 'done';
      }
      outcomes.inc({ consumer: definition.name, outcome });
      if (outcome === 'in-progress') {
        log.debug('another worker holds this message; it will come back');
        return 'retry';
      }
      // 'dropped': the handler logged why (malformed); acked so it does not come back.
      log.debug({ outcome }, 'message consumed');
      return 'ack';
    } catch (err) {
      const max = this.options.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS;
      if (message.deliveryAttempt >= max) {
        outcomes.inc({ consumer: definition.name, outcome: 'dead-lettered' });
        metrics.counter('mq_dead_lettered_total', 'Messages sent to the dead-letter queue', ['group']).inc({ group: definition.group });
        log.error({ err }, 'message failed its last attempt; it goes to the dead-letter queue');
      } else {
        outcomes.inc({ consumer: definition.name, outcome: 'failed' });
        log.warn({ err }, 'message handler failed; it will be retried');
      }
      return 'retry';
    } finally {
      timer();
    }
  }
}
