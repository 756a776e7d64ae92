/**
 * The broker's state machine, independent of gRPC: topics, consumer groups, deliveries with
 * receipt handles and invisibility, retries and the dead-letter queue, FIFO lanes, delay timers,
 * half (transactional) messages, and the durable append-only log that rebuilds all of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { TopicMessageType } from '../topics.js';
import { AppendLog, readLog, type LogRecord, type MessageHeader } from './append-log.js';
import { BrokerError } from './proto.js';
import { TimerQueue, type TimerHandle } from './timer-queue.js';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const MAX_PROPERTIES_BYTES = 16 * 1024;
export const MAX_INVISIBLE_MS = 12 * 3600_000;
export const AUTO_RENEW_INVISIBLE_MS = 60_000;
export const AUTO_RENEW_MAX_MS = 3 * 3600_000;
export const AUTO_RENEW_RELEASE_MS = 1000;
export const MAX_BATCH = 32;

const TOPIC_RE = /^[%|a-zA-Z0-9_-]{1,127}$/;
const GROUP_RE = /^[%|a-zA-Z0-9_-]{1,255}$/;
/** Property keys RocketMQ reserves for itself (MessageConst.STRING_HASH_SET, abridged). */
const RESERVED_PROPERTY_KEYS = new Set([
  'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG', 'PGROUP',
  'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG',
  'MSG_REGION', 'TRACE_ON', 'UNIQ_KEY', 'RECONSUME_TIME', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME',
  'POP_CK', 'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS', '__STARTDELIVERTIME',
  'CHECK_IMMUNITY_TIME_IN_SECONDS', 'TRANSACTION_CHECK_TIMES', 'INNER_MULTI_DISPATCH', 'INNER_MULTI_QUEUE_OFFSET',
]);

export function isSystemTopic(name: string): boolean {
  return name.startsWith('%') || name.startsWith('rmq_sys_') || name.startsWith('RMQ_SYS_');
}
export function dlqTopicOf(group: string): string {
  return `%DLQ%${group}`;
}

export function validateTopicName(name: string | undefined): string {
  if (!name) throw new BrokerError('ILLEGAL_TOPIC', 'topic name is required');
  if (!TOPIC_RE.test(name)) throw new BrokerError('ILLEGAL_TOPIC', `illegal topic name: ${name.slice(0, 140)}`);
  return name;
}
export function validateGroupName(name: string | undefined): string {
  if (!name) throw new BrokerError('ILLEGAL_CONSUMER_GROUP', 'consumer group is required');
  if (!GROUP_RE.test(name) || isSystemTopic(name)) {
    throw new BrokerError('ILLEGAL_CONSUMER_GROUP', `illegal consumer group: ${name.slice(0, 260)}`);
  }
  return name;
}

export interface CoreOptions {
  dataDir: string;
  topics: Record<string, TopicMessageType>;
  autoCreateTopics: boolean;
  fifoGroups: readonly string[];
  fifoGroupPrefixes: readonly string[];
  maxDeliveryAttempts: number;
  minInvisibleDurationMs: number;
  transactionCheck: { firstDelayMs: number; intervalMs: number; maxChecks: number };
  maxDelayMs: number;
  retentionMs: number;
  fsync: boolean;
  compactThresholdBytes: number;
  logger: Logger;
}

type MsgState = 'delayed' | 'half' | 'live' | 'gone';

export interface StoredMessage {
  h: MessageHeader;
  body: Buffer;
  digest?: string;
  state: MsgState;
  /** queue offset once consumable, else -1 */
  offset: number;
  appendedAt: number;
  /** groups that are done with it (acked, dead-lettered, filtered out) */
  done: Set<string>;
  timer?: TimerHandle;
  checks: number;
  /** next delivery attempt per group, once a delivery expired unacked (persisted, survives restarts) */
  attempts?: Map<string, number>;
}

export interface Topic {
  name: string;
  type: TopicMessageType;
  log: (StoredMessage | undefined)[];
  /** queue offset of log[0] */
  base: number;
  groups: Set<string>;
  delayed: number;
  half: number;
  sent: number;
}

interface Entry {
  msg: StoredMessage;
  attempt: number;
}

interface Lane {
  items: Entry[];
  busy: boolean;
}

export interface Inflight {
  sub: Sub;
  entry: Entry;
  laneKey?: string;
  handle: string;
  deadline: number;
  timer: TimerHandle;
  autoRenew: boolean;
  clientId: string;
  firstAt: number;
}

interface Waiter {
  sub: Sub;
  req: ReceiveParams;
  resolve: (d: Delivery[]) => void;
  timer: NodeJS.Timeout;
}

export interface Sub {
  group: string;
  topic: Topic;
  fifo: boolean;
  cursor: number;
  ready: Entry[];
  inflight: Map<number, Inflight>;
  lanes: Map<string, Lane>;
  readyLanes: Set<string>;
  waiters: Set<Waiter>;
}

export type Filter = (msg: StoredMessage) => boolean;

export function tagFilter(expression: string | undefined): Filter {
  const expr = (expression ?? '').trim();
  if (!expr || expr === '*') return () => true;
  const tags = new Set(expr.split('||').map((t) => t.trim()).filter(Boolean));
  if (!tags.size) return () => true;
  return (m) => m.h.tag !== undefined && tags.has(m.h.tag);
}

export interface ReceiveParams {
  group: string;
  topic: string;
  batch: number;
  filter: Filter;
  invisibleMs: number;
  autoRenew: boolean;
  clientId: string;
  pollMs: number;
}

export interface Delivery {
  msg: StoredMessage;
  attempt: number;
  handle: string;
  invisibleMs: number;
}

export interface IncomingMessage {
  topic: string;
  id: string;
  /** type the client declared (system_properties.message_type) */
  declaredType: string;
  tag?: string;
  keys: string[];
  mg?: string;
  props: Record<string, string>;
  body: Buffer;
  born: number;
  bornHost?: string;
  deliverAt?: number;
}

export interface SendOutcome {
  ok: boolean;
  error?: BrokerError;
  msgId: string;
  offset: number;
  recallHandle?: string;
}

export interface GroupStats {
  group: string;
  topic: string;
  fifo: boolean;
  backlog: number;
  inflight: number;
  retrying: number;
  dlq: number;
}
export interface TopicStats {
  name: string;
  type: TopicMessageType;
  /** consumable messages still stored (not yet removed after every group acked them) */
  messages: number;
  delayed: number;
  halfMessages: number;
  /** messages accepted since start (after restart: rebuilt from the log) */
  sent: number;
}
export interface BrokerStats {
  uptimeMs: number;
  logBytes: number;
  topics: TopicStats[];
  groups: GroupStats[];
}

export function recallHandleOf(topic: string, brokerName: string, deliverAt: number, msgId: string): string {
  return Buffer.from(`v1 ${topic} ${brokerName} ${deliverAt + 1} ${msgId}`).toString('base64url');
}

export class BrokerCore {
  readonly topics = new Map<string, Topic>();
  readonly subs = new Map<string, Sub>();
  readonly #messages = new Map<number, StoredMessage>();
  readonly #halfById = new Map<string, StoredMessage>();
  readonly #delayById = new Map<string, StoredMessage>();
  readonly #handles = new Map<string, Inflight>();
  readonly timers: TimerQueue;
  #log!: AppendLog;
  #nextSid = 1;
  #handleSeq = 0;
  #wakeSet = new Set<Sub>();
  #wakeScheduled = false;
  #sweepTimer?: NodeJS.Timeout;
  #compactedSize = 0;
  #compactPending = false;
  #closed = false;
  readonly #startedAt = Date.now();
  readonly log: Logger;
  readonly brokerName = 'embedded-broker';

  /** Set by the transport: deliver a transaction check to a producer. Returns false if nobody listens. */
  onTransactionCheck: (msg: StoredMessage) => boolean = () => false;
  /** Set by the transport: is this client still connected (telemetry stream open)? */
  isClientAlive: (clientId: string) => boolean = () => false;

  constructor(readonly opts: CoreOptions) {
    this.log = opts.logger;
    this.timers = new TimerQueue((err) => this.log.error({ err }, 'timer callback failed'));
  }

  // ---------------------------------------------------------------- lifecycle

  open(): void {
    const file = AppendLog.fileIn(this.opts.dataDir);
    const started = Date.now();
    const { records, validBytes, fileBytes } = readLog(file);
    if (validBytes < fileBytes) {
      this.log.warn({ validBytes, fileBytes }, 'broker log has a torn tail; cutting it');
    }
    for (const [name, type] of Object.entries(this.opts.topics)) this.#ensureTopic(name, type);
    for (const rec of records) this.#replay(rec);
    this.#log = new AppendLog(this.opts.dataDir, validBytes, this.opts.fsync);
    // Compact on start: the new log holds only what is still alive, so restart time stays bounded.
    this.#sweep();
    this.#compact();
    this.log.info(
      { records: records.length, bytesBefore: validBytes, bytesAfter: this.#log.size, ms: Date.now() - started },
      'broker store recovered',
    );
    const sweepEvery = Math.max(1000, Math.min(30_000, Math.floor(this.opts.retentionMs / 2)));
    this.#sweepTimer = setInterval(() => this.#sweep(), sweepEvery);
    this.#sweepTimer.unref();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.timers.close();
    for (const sub of this.subs.values()) {
      for (const w of sub.waiters) {
        clearTimeout(w.timer);
        w.resolve([]);
      }
      sub.waiters.clear();
    }
    this.#log?.close();
  }

  // ---------------------------------------------------------------- topics and groups

  isFifoGroup(group: string): boolean {
    return this.opts.fifoGroups.includes(group) || this.opts.fifoGroupPrefixes.some((p) => group.startsWith(p));
  }

  #ensureTopic(name: string, type: TopicMessageType): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = { name, type, log: [], base: 0, groups: new Set(), delayed: 0, half: 0, sent: 0 };
      this.topics.set(name, t);
    }
    return t;
  }

  /** Topic for a route query / send: creates NORMAL topics on first use when allowed. */
  topicForUse(name: string, allowCreate: boolean): Topic {
    const t = this.topics.get(name);
    if (t) return t;
    if (allowCreate && this.opts.autoCreateTopics && !isSystemTopic(name)) {
      this.log.info({ topic: name }, 'auto-created NORMAL topic');
      return this.#ensureTopic(name, 'NORMAL');
    }
    // A group's dead-letter topic can be looked up (and subscribed to) before anything was dead-lettered.
    if (allowCreate && name.startsWith('%DLQ%') && GROUP_RE.test(name.slice(5)) && !isSystemTopic(name.slice(5))) {
      return this.#ensureTopic(name, 'NORMAL');
    }
    throw new BrokerError('TOPIC_NOT_FOUND', `CODE: 17  DESC: No topic route info in name server for the topic: ${name}`);
  }

  /** Registers `group` as a subscriber of `topic` (durably); a new group starts at the oldest stored message. */
  ensureSub(group: string, topic: Topic, replay = false): Sub {
    const key = `${group}\u0001${topic.name}`;
    let sub = this.subs.get(key);
    if (!sub) {
      sub = {
        group,
        topic,
        fifo: this.isFifoGroup(group),
        cursor: topic.base,
        ready: [],
        inflight: new Map(),
        lanes: new Map(),
        readyLanes: new Set(),
        waiters: new Set(),
      };
      this.subs.set(key, sub);
      topic.groups.add(group);
      if (!replay) {
        this.#append([{ k: 'G', g: group, t: topic.name }]);
        this.log.info({ group, topic: topic.name, fifo: sub.fifo }, 'consumer group subscribed');
      }
    }
    return sub;
  }

  // ---------------------------------------------------------------- sending

  send(messages: IncomingMessage[]): SendOutcome[] {
    const now = Date.now();
    const outcomes: SendOutcome[] = [];
    const records: LogRecord[] = [];
    const accepted: { h: MessageHeader; body: Buffer; idx: number }[] = [];
    for (const m of messages) {
      try {
        const h = this.#validateIncoming(m, now);
        const body = m.body;
        records.push({ k: 'M', h, body });
        accepted.push({ h, body, idx: outcomes.length });
        outcomes.push({ ok: true, msgId: m.id, offset: -1 });
      } catch (err) {
        const error = err instanceof BrokerError ? err : new BrokerError('INTERNAL_SERVER_ERROR', String(err));
        outcomes.push({ ok: false, error, msgId: m.id, offset: -1 });
      }
    }
    if (records.length) {
      this.#append(records); // durable before anything becomes visible or is acknowledged
      for (const a of accepted) {
        const msg = this.#applyMessage(a.h, a.body, false);
        const out = outcomes[a.idx];
        out.offset = msg.offset >= 0 ? msg.offset : 0;
        if (a.h.type === 'DELAY' && a.h.deliverAt !== undefined) {
          out.recallHandle = recallHandleOf(a.h.topic, this.brokerName, a.h.deliverAt, a.h.id);
        }
      }
    }
    return outcomes;
  }

  #validateIncoming(m: IncomingMessage, now: number): MessageHeader {
    validateTopicName(m.topic);
    if (isSystemTopic(m.topic)) throw new BrokerError('ILLEGAL_TOPIC', `cannot send to system topic ${m.topic}`);
    if (!m.id) throw new BrokerError('ILLEGAL_MESSAGE_ID', 'message id is required');
    if (m.body.length > MAX_BODY_BYTES) {
      throw new BrokerError('MESSAGE_BODY_TOO_LARGE', `message body of ${m.body.length} bytes exceeds ${MAX_BODY_BYTES}`);
    }
    if (m.body.length === 0) throw new BrokerError('MESSAGE_BODY_EMPTY', 'message body is empty');
    if (m.tag !== undefined && m.tag !== '' && (!m.tag.trim() || m.tag.includes('|'))) {
      throw new BrokerError('ILLEGAL_MESSAGE_TAG', `illegal tag: ${m.tag}`);
    }
    if (m.mg !== undefined && (Buffer.byteLength(m.mg) >= 64 || !m.mg.trim())) {
      throw new BrokerError('ILLEGAL_MESSAGE_GROUP', 'message group must be non-blank and shorter than 64 bytes');
    }
    let propBytes = 0;
    for (const [k, v] of Object.entries(m.props)) {
      if (RESERVED_PROPERTY_KEYS.has(k)) throw new BrokerError('ILLEGAL_MESSAGE_PROPERTY_KEY', `reserved property key: ${k}`);
      propBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (propBytes > MAX_PROPERTIES_BYTES) {
      throw new BrokerError('MESSAGE_PROPERTIES_TOO_LARGE', `user properties of ${propBytes} bytes exceed ${MAX_PROPERTIES_BYTES}`);
    }
    const topic = this.topicForUse(m.topic, true);
    // Type as the proxy derives it: transaction flag, else message group, else delivery time.
    let type: TopicMessageType;
    if (m.declaredType === 'TRANSACTION') type = 'TRANSACTION';
    else if (m.mg) type = 'FIFO';
    else if (m.deliverAt !== undefined) type = 'DELAY';
    else type = 'NORMAL';
    if (type === 'TRANSACTION' && (m.mg || m.deliverAt !== undefined)) {
      throw new BrokerError('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', 'transactional message cannot have a message group or delivery time');
    }
    if (type !== topic.type) {
      throw new BrokerError(
        'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE',
        `current message type ${type} does not match topic ${topic.name} accept message type ${topic.type}`,
      );
    }
    if (m.deliverAt !== undefined && m.deliverAt - now > this.opts.maxDelayMs) {
      throw new BrokerError('ILLEGAL_DELIVERY_TIME', `delivery time is more than ${this.opts.maxDelayMs} ms ahead`);
    }
    const h: MessageHeader = {
      sid: this.#nextSid++,
      topic: topic.name,
      id: m.id,
      type,
      born: m.born || now,
      store: now,
    };
    if (m.tag) h.tag = m.tag;
    if (m.keys.length) h.keys = m.keys;
    if (m.mg) h.mg = m.mg;
    if (Object.keys(m.props).length) h.props = m.props;
    if (m.bornHost) h.bornHost = m.bornHost;
    if (type === 'DELAY') h.deliverAt = m.deliverAt;
    if (type === 'TRANSACTION') h.half = true;
    return h;
  }

  /** Applies a stored message to memory (at run time and on replay). */
  #applyMessage(h: MessageHeader, body: Buffer, replay: boolean): StoredMessage {
    if (h.sid >= this.#nextSid) this.#nextSid = h.sid + 1;
    // A stored message's topic that this run does not declare comes back as RocketMQ creates topics
    // on first use: NORMAL, whatever type it had when the message was sent.
    const topic = this.topics.get(h.topic) ?? this.#ensureTopic(h.topic, 'NORMAL');
    const msg: StoredMessage = { h, body, state: 'live', offset: -1, appendedAt: 0, done: new Set(), checks: 0 };
    this.#messages.set(h.sid, msg);
    topic.sent++;
    const now = Date.now();
    if (h.half) {
      msg.state = 'half';
      topic.half++;
      this.#halfById.set(h.id, msg);
      msg.timer = this.timers.schedule(now + this.opts.transactionCheck.firstDelayMs, () => this.#checkTransaction(msg));
    } else if (h.deliverAt !== undefined && h.deliverAt > now) {
      msg.state = 'delayed';
      topic.delayed++;
      this.#delayById.set(h.id, msg);
      msg.timer = this.timers.schedule(h.deliverAt, () => this.#fireDelay(msg));
    } else {
      this.#makeConsumable(topic, msg, replay);
    }
    return msg;
  }

  #makeConsumable(topic: Topic, msg: StoredMessage, replay: boolean): void {
    msg.state = 'live';
    msg.offset = topic.base + topic.log.length;
    // on replay, age from the original store / delivery time so retention keeps counting across restarts
    msg.appendedAt = replay ? Math.max(msg.h.store, msg.h.deliverAt ?? 0) : Date.now();
    topic.log.push(msg);
    if (!replay) {
      for (const g of topic.groups) {
        const sub = this.subs.get(`${g}\u0001${topic.name}`);
        if (sub?.waiters.size) this.#wake(sub);
      }
    }
  }

  #fireDelay(msg: StoredMessage): void {
    if (msg.state !== 'delayed') return;
    const topic = this.topics.get(msg.h.topic)!;
    topic.delayed--;
    this.#delayById.delete(msg.h.id);
    msg.timer = undefined;
    this.#makeConsumable(topic, msg, false);
    this.log.debug({ msgId: msg.h.id, topic: topic.name, lateMs: Date.now() - (msg.h.deliverAt ?? 0) }, 'delay message due');
  }

  // ---------------------------------------------------------------- delay recall

  recall(topicName: string, handle: string): string {
    const topic = this.topicForUse(topicName, false);
    if (topic.type !== 'DELAY') {
      throw new BrokerError('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', `topic ${topicName} is not a DELAY topic`);
    }
    let parts: string[];
    try {
      parts = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
    } catch {
      parts = [];
    }
    if (parts.length !== 5 || parts[0] !== 'v1' || parts[1] !== topicName) {
      throw new BrokerError('INTERNAL_SERVER_ERROR', 'recall handle is invalid');
    }
    const msgId = parts[4];
    const msg = this.#delayById.get(msgId);
    if (!msg || msg.state !== 'delayed' || msg.h.topic !== topicName) {
      throw new BrokerError('INTERNAL_SERVER_ERROR', 'recall failed: message not found or already delivered');
    }
    this.#append([{ k: 'X', sid: msg.h.sid }]);
    this.timers.cancel(msg.timer);
    topic.delayed--;
    this.#delayById.delete(msgId);
    this.#forget(msg);
    this.log.info({ msgId, topic: topicName }, 'delay message recalled');
    return msgId;
  }

  // ---------------------------------------------------------------- transactions

  endTransaction(topicName: string, msgId: string, txId: string, resolution: string, source: string): void {
    if (!txId) throw new BrokerError('INVALID_TRANSACTION_ID', 'transaction id is required');
    const msg = this.#halfById.get(msgId || txId) ?? this.#halfById.get(txId);
    if (!msg || msg.state !== 'half' || (topicName && msg.h.topic !== topicName)) {
      throw new BrokerError('INVALID_TRANSACTION_ID', `no pending transaction ${txId} (already resolved or discarded)`);
    }
    if (resolution === 'COMMIT') {
      this.#append([{ k: 'C', sid: msg.h.sid }]);
      this.#commit(msg);
      this.log.info({ msgId: msg.h.id, topic: msg.h.topic, source }, 'transaction committed');
    } else if (resolution === 'ROLLBACK') {
      this.#append([{ k: 'R', sid: msg.h.sid }]);
      this.#discardHalf(msg);
      this.log.info({ msgId: msg.h.id, topic: msg.h.topic, source }, 'transaction rolled back');
    }
    // UNSPECIFIED: nothing to do, the broker keeps checking.
  }

  #commit(msg: StoredMessage, replay = false): void {
    const topic = this.topics.get(msg.h.topic)!;
    this.timers.cancel(msg.timer);
    msg.timer = undefined;
    topic.half--;
    this.#halfById.delete(msg.h.id);
    this.#makeConsumable(topic, msg, replay);
  }

  #discardHalf(msg: StoredMessage): void {
    const topic = this.topics.get(msg.h.topic)!;
    this.timers.cancel(msg.timer);
    topic.half--;
    this.#halfById.delete(msg.h.id);
    this.#forget(msg);
  }

  #checkTransaction(msg: StoredMessage): void {
    if (msg.state !== 'half' || this.#closed) return;
    const tc = this.opts.transactionCheck;
    if (msg.checks >= tc.maxChecks) {
      this.#append([{ k: 'R', sid: msg.h.sid }]);
      this.#discardHalf(msg);
      this.log.warn({ msgId: msg.h.id, topic: msg.h.topic, checks: msg.checks }, 'half message discarded after max checks');
      return;
    }
    msg.checks++;
    const delivered = this.onTransactionCheck(msg);
    this.log.info({ msgId: msg.h.id, topic: msg.h.topic, check: msg.checks, delivered }, 'transaction check');
    msg.timer = this.timers.schedule(Date.now() + tc.intervalMs, () => this.#checkTransaction(msg));
  }

  // ---------------------------------------------------------------- receiving

  /** Long-polling receive: resolves at once with messages, or when some arrive, or after `pollMs` with []. */
  receive(req: ReceiveParams): { promise: Promise<Delivery[]>; cancel: () => void } {
    const topic = this.topicForUse(req.topic, false);
    const sub = this.ensureSub(req.group, topic);
    const now = this.#take(sub, req);
    if (now.length || req.pollMs <= 0 || this.#closed) return { promise: Promise.resolve(now), cancel: () => {} };
    let waiter: Waiter | undefined;
    const promise = new Promise<Delivery[]>((resolve) => {
      waiter = {
        sub,
        req,
        resolve,
        timer: setTimeout(() => {
          sub.waiters.delete(waiter!);
          resolve([]);
        }, req.pollMs),
      };
      sub.waiters.add(waiter);
    });
    return {
      promise,
      cancel: () => {
        if (waiter && sub.waiters.delete(waiter)) {
          clearTimeout(waiter.timer);
          waiter.resolve([]);
        }
      },
    };
  }

  #wake(sub: Sub): void {
    this.#wakeSet.add(sub);
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      const subs = [...this.#wakeSet];
      this.#wakeSet.clear();
      if (this.#closed) return;
      for (const s of subs) {
        for (const w of s.waiters) {
          const got = this.#take(s, w.req);
          if (!got.length) break;
          s.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(got);
        }
      }
    });
  }

  #take(sub: Sub, req: ReceiveParams): Delivery[] {
    const n = Math.min(Math.max(req.batch, 1), MAX_BATCH);
    const entries = sub.fifo ? this.#takeFifo(sub, n, req.filter) : this.#takeStandard(sub, n, req.filter);
    const now = Date.now();
    const invisibleMs = req.autoRenew ? AUTO_RENEW_INVISIBLE_MS : req.invisibleMs;
    const out: Delivery[] = [];
    for (const { entry, laneKey } of entries) {
      const handle = this.#newHandle();
      const inf: Inflight = {
        sub,
        entry,
        laneKey,
        handle,
        deadline: now + invisibleMs,
        timer: undefined as unknown as TimerHandle,
        autoRenew: req.autoRenew,
        clientId: req.clientId,
        firstAt: now,
      };
      inf.timer = this.timers.schedule(inf.deadline, () => this.#expire(inf));
      sub.inflight.set(entry.msg.h.sid, inf);
      this.#handles.set(handle, inf);
      out.push({ msg: entry.msg, attempt: entry.attempt, handle, invisibleMs });
    }
    return out;
  }

  #newHandle(): string {
    return `${(++this.#handleSeq).toString(36)}${randomBytes(12).toString('base64url')}`;
  }

  #markDone(msg: StoredMessage, group: string): void {
    msg.done.add(group);
  }

  #takeStandard(sub: Sub, n: number, filter: Filter): { entry: Entry; laneKey?: string }[] {
    const out: { entry: Entry }[] = [];
    const g = sub.group;
    while (out.length < n && sub.ready.length) {
      const e = sub.ready.shift()!;
      if (e.msg.state !== 'live' || e.msg.done.has(g)) continue;
      if (!filter(e.msg)) {
        this.#markDone(e.msg, g);
        continue;
      }
      out.push({ entry: e });
    }
    const topic = sub.topic;
    if (sub.cursor < topic.base) sub.cursor = topic.base;
    const end = topic.base + topic.log.length;
    while (out.length < n && sub.cursor < end) {
      const msg = topic.log[sub.cursor - topic.base];
      sub.cursor++;
      if (!msg || msg.state !== 'live' || msg.done.has(g) || sub.inflight.has(msg.h.sid)) continue;
      if (!filter(msg)) {
        this.#markDone(msg, g);
        continue;
      }
      out.push({ entry: { msg, attempt: msg.attempts?.get(g) ?? 1 } });
    }
    return out;
  }

  /**
   * FIFO groups block per MESSAGE GROUP (a "lane"), not per queue: the head of a lane is delivered,
   * and the next message of that lane waits until the head is acked or dead-lettered. Lanes progress
   * independently. Messages without a message group have no ordering constraint (one lane each).
   */
  #takeFifo(sub: Sub, n: number, filter: Filter): { entry: Entry; laneKey: string }[] {
    const g = sub.group;
    const topic = sub.topic;
    if (sub.cursor < topic.base) sub.cursor = topic.base;
    const end = topic.base + topic.log.length;
    let scanned = 0;
    while (sub.cursor < end && sub.readyLanes.size < n && scanned < 100_000) {
      const msg = topic.log[sub.cursor - topic.base];
      sub.cursor++;
      scanned++;
      if (!msg || msg.state !== 'live' || msg.done.has(g)) continue;
      if (!filter(msg)) {
        this.#markDone(msg, g);
        continue;
      }
      const key = msg.h.mg !== undefined ? `g:${msg.h.mg}` : `m:${msg.h.sid}`;
      let lane = sub.lanes.get(key);
      if (!lane) {
        lane = { items: [], busy: false };
        sub.lanes.set(key, lane);
      }
      lane.items.push({ msg, attempt: msg.attempts?.get(g) ?? 1 });
      if (!lane.busy && lane.items.length === 1) sub.readyLanes.add(key);
    }
    const out: { entry: Entry; laneKey: string }[] = [];
    for (const key of sub.readyLanes) {
      if (out.length >= n) break;
      sub.readyLanes.delete(key);
      const lane = sub.lanes.get(key);
      if (!lane || !lane.items.length) continue;
      lane.busy = true;
      out.push({ entry: lane.items[0], laneKey: key });
    }
    return out;
  }

  #releaseLane(sub: Sub, inf: Inflight, consumed: boolean): void {
    if (!inf.laneKey) return;
    const lane = sub.lanes.get(inf.laneKey);
    if (!lane) return;
    lane.busy = false;
    if (consumed) lane.items.shift();
    if (lane.items.length) sub.readyLanes.add(inf.laneKey);
    else sub.lanes.delete(inf.laneKey);
  }

  #removeInflight(inf: Inflight): void {
    this.timers.cancel(inf.timer);
    this.#handles.delete(inf.handle);
    inf.sub.inflight.delete(inf.entry.msg.h.sid);
  }

  #expire(inf: Inflight): void {
    if (this.#handles.get(inf.handle) !== inf || this.#closed) return;
    const now = Date.now();
    if (inf.autoRenew && now - inf.firstAt < AUTO_RENEW_MAX_MS && this.isClientAlive(inf.clientId)) {
      // push consumers: keep it invisible while the client that holds it is connected
      inf.deadline = now + AUTO_RENEW_INVISIBLE_MS;
      inf.timer = this.timers.schedule(inf.deadline, () => this.#expire(inf));
      return;
    }
    this.#removeInflight(inf);
    const sub = inf.sub;
    const msg = inf.entry.msg;
    const next = inf.entry.attempt + 1;
    if (msg.state !== 'live' || msg.done.has(sub.group)) {
      this.#releaseLane(sub, inf, true);
      return;
    }
    if (next <= this.opts.maxDeliveryAttempts) {
      try {
        this.#append([{ k: 'T', sid: msg.h.sid, g: sub.group, n: next }]);
        (msg.attempts ??= new Map()).set(sub.group, next);
      } catch (err) {
        this.log.warn({ err }, 'could not persist the delivery attempt');
      }
    }
    if (next > this.opts.maxDeliveryAttempts) {
      this.log.warn({ group: sub.group, topic: sub.topic.name, msgId: msg.h.id, attempts: inf.entry.attempt }, 'max delivery attempts reached; moving to DLQ');
      this.#toDlq(sub, msg, inf.entry.attempt);
      this.#releaseLane(sub, inf, true);
    } else if (sub.fifo) {
      inf.entry.attempt = next;
      this.#releaseLane(sub, inf, false);
    } else {
      sub.ready.push({ msg, attempt: next });
    }
    this.#wake(sub);
  }

  /** Called when a client goes away: its auto-renewed messages come back after 1 s. */
  releaseClient(clientId: string): void {
    const at = Date.now() + AUTO_RENEW_RELEASE_MS;
    for (const inf of this.#handles.values()) {
      if (inf.clientId === clientId && inf.autoRenew) {
        inf.autoRenew = false;
        this.timers.cancel(inf.timer);
        inf.deadline = at;
        inf.timer = this.timers.schedule(at, () => this.#expire(inf));
      }
    }
  }

  #lookup(group: string, topic: string, handle: string, msgId?: string): Inflight {
    const inf = handle ? this.#handles.get(handle) : undefined;
    if (!inf || inf.sub.group !== group || inf.sub.topic.name !== topic || (msgId && inf.entry.msg.h.id !== msgId)) {
      throw new BrokerError('INVALID_RECEIPT_HANDLE', 'receipt handle is invalid or expired');
    }
    return inf;
  }

  ack(group: string, topic: string, entries: { msgId: string; handle: string }[]): (BrokerError | undefined)[] {
    const results: (BrokerError | undefined)[] = [];
    const found: Inflight[] = [];
    for (const e of entries) {
      try {
        const inf = this.#lookup(group, topic, e.handle, e.msgId);
        found.push(inf);
        results.push(undefined);
      } catch (err) {
        results.push(err as BrokerError);
      }
    }
    if (found.length) {
      this.#append(found.map((inf) => ({ k: 'A', sid: inf.entry.msg.h.sid, g: group }) as LogRecord));
      for (const inf of found) {
        if (this.#handles.get(inf.handle) !== inf) continue; // duplicate entry in one request
        this.#removeInflight(inf);
        this.#markDone(inf.entry.msg, group);
        if (inf.laneKey) {
          this.#releaseLane(inf.sub, inf, true);
          this.#wake(inf.sub);
        }
      }
    }
    return results;
  }

  changeInvisible(group: string, topic: string, handle: string, msgId: string, ms: number): string {
    if (!(ms >= 0 && ms <= MAX_INVISIBLE_MS)) {
      throw new BrokerError('ILLEGAL_INVISIBLE_TIME', `invisible duration must be within 0 and ${MAX_INVISIBLE_MS} ms`);
    }
    const inf = this.#lookup(group, topic, handle, msgId);
    this.timers.cancel(inf.timer);
    this.#handles.delete(inf.handle);
    inf.handle = this.#newHandle();
    inf.autoRenew = false;
    inf.deadline = Date.now() + ms;
    inf.timer = this.timers.schedule(inf.deadline, () => this.#expire(inf));
    this.#handles.set(inf.handle, inf);
    return inf.handle;
  }

  forwardToDlq(group: string, topic: string, handle: string, msgId: string): void {
    const inf = this.#lookup(group, topic, handle, msgId);
    this.#removeInflight(inf);
    this.#toDlq(inf.sub, inf.entry.msg, inf.entry.attempt);
    this.#releaseLane(inf.sub, inf, true);
    this.#wake(inf.sub);
  }

  #toDlq(sub: Sub, msg: StoredMessage, attempts: number): void {
    const dlqName = dlqTopicOf(sub.group);
    const h: MessageHeader = {
      ...msg.h,
      sid: this.#nextSid++,
      topic: dlqName,
      store: Date.now(),
      dlq: { topic: msg.h.topic, id: msg.h.id },
    };
    delete h.half;
    delete h.deliverAt;
    this.#append([
      { k: 'M', h, body: msg.body },
      { k: 'A', sid: msg.h.sid, g: sub.group },
    ]);
    this.#ensureTopic(dlqName, 'NORMAL');
    this.#applyMessage(h, msg.body, false);
    this.#markDone(msg, sub.group);
    this.log.info({ group: sub.group, topic: msg.h.topic, msgId: msg.h.id, attempts, dlq: dlqName }, 'message dead-lettered');
  }

  // ---------------------------------------------------------------- persistence

  #append(records: LogRecord[]): void {
    if (this.#closed) throw new BrokerError('INTERNAL_SERVER_ERROR', 'broker is shutting down');
    this.#log.append(records);
    if (
      !this.#compactPending &&
      this.#log.size > this.opts.compactThresholdBytes &&
      this.#log.size > 2 * this.#compactedSize
    ) {
      this.#compactPending = true;
      setImmediate(() => {
        this.#compactPending = false;
        if (!this.#closed) this.#compact();
      });
    }
  }

  #replay(rec: LogRecord): void {
    switch (rec.k) {
      case 'M':
        if (!this.#messages.has(rec.h.sid)) this.#applyMessage(rec.h, rec.body, true);
        break;
      case 'A': {
        const msg = this.#messages.get(rec.sid);
        if (msg) msg.done.add(rec.g);
        break;
      }
      case 'C': {
        const msg = this.#messages.get(rec.sid);
        if (msg?.state === 'half') this.#commit(msg, true);
        break;
      }
      case 'R': {
        const msg = this.#messages.get(rec.sid);
        if (msg?.state === 'half') this.#discardHalf(msg);
        break;
      }
      case 'X': {
        const msg = this.#messages.get(rec.sid);
        if (msg?.state === 'delayed') {
          this.timers.cancel(msg.timer);
          this.topics.get(msg.h.topic)!.delayed--;
          this.#delayById.delete(msg.h.id);
          this.#forget(msg);
        }
        break;
      }
      case 'T': {
        const msg = this.#messages.get(rec.sid);
        if (msg) (msg.attempts ??= new Map()).set(rec.g, rec.n);
        break;
      }
      case 'G': {
        const topic = this.topics.get(rec.t) ?? this.#ensureTopic(rec.t, 'NORMAL');
        this.ensureSub(rec.g, topic, true);
        break;
      }
    }
  }

  /** Everything still alive, as log records (for compaction). */
  *#snapshot(): Generator<LogRecord> {
    for (const sub of this.subs.values()) yield { k: 'G', g: sub.group, t: sub.topic.name };
    const msgs = [...this.#messages.values()].sort((a, b) => {
      // consumable messages in queue order first, then pending ones by sid
      const ka = a.state === 'live' ? a.offset : Number.MAX_SAFE_INTEGER;
      const kb = b.state === 'live' ? b.offset : Number.MAX_SAFE_INTEGER;
      return ka - kb || a.h.sid - b.h.sid;
    });
    for (const msg of msgs) {
      if (msg.state === 'gone') continue;
      let h = msg.h;
      if (msg.state === 'live' && (h.half || h.deliverAt !== undefined)) {
        h = { ...h };
        delete h.half; // committed
        if (h.deliverAt !== undefined && h.deliverAt > Date.now()) h.deliverAt = Date.now();
      }
      yield { k: 'M', h, body: msg.body };
      for (const g of msg.done) yield { k: 'A', sid: msg.h.sid, g };
      if (msg.attempts) {
        for (const [g, n] of msg.attempts) if (!msg.done.has(g)) yield { k: 'T', sid: msg.h.sid, g, n };
      }
    }
  }

  #compact(): void {
    const before = this.#log.size;
    const t0 = Date.now();
    this.#log.rewrite(this.#snapshot());
    this.#compactedSize = this.#log.size;
    this.log.info({ before, after: this.#log.size, ms: Date.now() - t0 }, 'broker log compacted');
  }

  #forget(msg: StoredMessage): void {
    msg.state = 'gone';
    this.#messages.delete(msg.h.sid);
  }

  /** Drops, from the head of each topic, messages every subscribed group is done with (after the retention time). */
  #sweep(): void {
    const cutoff = Date.now() - this.opts.retentionMs;
    for (const topic of this.topics.values()) {
      if (!topic.groups.size) continue;
      let i = 0;
      while (i < topic.log.length) {
        const msg = topic.log[i];
        if (msg) {
          if (msg.appendedAt > cutoff) break;
          let all = true;
          for (const g of topic.groups) {
            if (!msg.done.has(g)) {
              all = false;
              break;
            }
          }
          if (!all) break;
          this.#forget(msg);
        }
        i++;
      }
      if (i > 0) {
        topic.log.splice(0, i);
        topic.base += i;
      }
    }
  }

  // ---------------------------------------------------------------- views

  digestOf(msg: StoredMessage): string {
    if (!msg.digest) msg.digest = createHash('md5').update(msg.body).digest('hex').toUpperCase();
    return msg.digest;
  }

  stats(): BrokerStats {
    const topics: TopicStats[] = [];
    for (const t of this.topics.values()) {
      let messages = 0;
      for (const m of t.log) if (m && m.state === 'live') messages++;
      topics.push({ name: t.name, type: t.type, messages, delayed: t.delayed, halfMessages: t.half, sent: t.sent });
    }
    const groups: GroupStats[] = [];
    for (const sub of this.subs.values()) {
      const t = sub.topic;
      let backlog = 0;
      for (let o = Math.max(sub.cursor, t.base); o < t.base + t.log.length; o++) {
        const m = t.log[o - t.base];
        if (m && m.state === 'live' && !m.done.has(sub.group)) backlog++;
      }
      let retrying = sub.ready.length;
      for (const lane of sub.lanes.values()) {
        backlog += lane.items.length - (lane.busy ? 1 : 0);
        if (!lane.busy && lane.items[0] && lane.items[0].attempt > 1) retrying++;
      }
      backlog += sub.ready.length;
      const dlqTopic = this.topics.get(dlqTopicOf(sub.group));
      let dlq = 0;
      if (dlqTopic) for (const m of dlqTopic.log) if (m && m.state === 'live') dlq++;
      groups.push({ group: sub.group, topic: t.name, fifo: sub.fifo, backlog, inflight: sub.inflight.size, retrying, dlq });
    }
    return { uptimeMs: Date.now() - this.#startedAt, logBytes: this.#log?.size ?? 0, topics, groups };
  }
}
