import type { TopicName } from './topics.js';

/** Bumped when a message body changes incompatibly; consumers check it. */
export const MESSAGE_SCHEMA_VERSION = 1;

/** The JSON body of every message: schema version, business key, production time, payload. */
export interface Envelope<T = unknown> {
  v: number;
  key: string;
  producedAt: string;
  data: T;
}

export interface OutgoingMessage<T = unknown> {
  topic: TopicName;
  tag?: string;
  /** The business key (userId, orderNo, refundNo...): message key and envelope key. */
  key: string;
  data: T;
  /** FIFO topics: messages of one group are delivered in send order. */
  messageGroup?: string;
  /**
   * The first message its group will ever have: the transaction that emits it creates what the
   * group stands for (a new order's CREATED). The outbox's fast path then publishes it without
   * looking for older rows of the group. Not stored: a row the sweep publishes is checked as usual.
   */
  opensGroup?: boolean;
  /** DELAY topics: not delivered before this time. */
  deliverAt?: Date;
  /** When the change happened; defaults to now (the outbox passes the row's creation time). */
  producedAt?: Date;
}

export interface PublishReceipt {
  messageId: string;
  /** Present for delay messages: cancels the message before its delivery time. */
  recallHandle?: string;
}

export type TransactionDecision = 'commit' | 'rollback' | 'unknown';

export interface PublishTransactionalOptions {
  /**
   * After the local transaction threw: did it commit after all? Reads the database, like the
   * checker. 'unknown' (or a throw) leaves the half message to the broker's check-back.
   */
  outcome?: (err: unknown) => Promise<TransactionDecision>;
}

/** Answers the broker's check-back on a half message whose producer did not decide. */
export type TransactionChecker = (envelope: Envelope) => Promise<TransactionDecision>;

export interface IncomingMessage<T = unknown> {
  messageId: string;
  topic: string;
  tag?: string;
  keys: string[];
  messageGroup?: string;
  deliveryAttempt: number;
  envelope: Envelope<T>;
}

/**
 * The broker as the domain needs it. Publishing is always after the data it announces is safe:
 * callers use the outbox (normal, delay and FIFO messages written in the same DB transaction)
 * or `publishTransactional` (half message + local transaction + commit/rollback).
 */
export interface MessageBus {
  publish<T>(message: OutgoingMessage<T>): Promise<PublishReceipt>;
  /**
   * Sends a half message, runs the local transaction, then commits the message if it succeeded.
   * If it threw, whether it committed is asked of `options.outcome` (the database), because an
   * error does not prove a rollback: the answer to a COMMIT can be lost after the server
   * committed. Without `outcome` a throw rolls back. If the half message cannot be sent, the
   * local transaction does not run. A crash between the two is resolved by the topic's checker.
   */
  publishTransactional<T, R>(message: OutgoingMessage<T>, localTransaction: () => Promise<R>, options?: PublishTransactionalOptions): Promise<R>;
  /** Registers the check-back for a transactional topic; must be called before `start()`. */
  setTransactionChecker(topic: TopicName, checker: TransactionChecker): void;
  recall(topic: TopicName, recallHandle: string): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A raw subscription, as the consumer runner registers it. */
export interface RawSubscription {
  group: string;
  topic: TopicName;
  /** `*`, or tags joined by `||`. */
  tagExpression: string;
  /** Bound the group's concurrency (ConsumerDefinition.callsOutside). */
  callsOutside?: boolean;
  handle(message: IncomingMessage): Promise<'ack' | 'retry'>;
}

export interface MessageConsumerHost {
  subscribe(subscription: RawSubscription): Promise<void>;
  closeConsumers(): Promise<void>;
}
