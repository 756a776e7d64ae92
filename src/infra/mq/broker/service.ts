/**
 * The gRPC face of the broker: `apache.rocketmq.v2.MessagingService`, as the RocketMQ 5 proxy
 * answers it for rocketmq-client-nodejs (errors in-band, routes with queue 0, settings echo, ...).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  BrokerCore,
  MAX_BODY_BYTES,
  MAX_INVISIBLE_MS,
  tagFilter,
  validateGroupName,
  validateTopicName,
  type Delivery,
  type StoredMessage,
} from './core.js';
import {
  BrokerError,
  durationToMs,
  msToDuration,
  msToTimestamp,
  status,
  timestampToMs,
  type CodeName,
  type Status,
} from './proto.js';

export interface ServiceOptions {
  maxDeliveryAttempts: number;
  minInvisibleDurationMs: number;
  /** most a receive waits (and the long poll advertised to push consumers) */
  longPollingTimeoutMs: number;
  /** least a receive waits; a deadline closer than this is refused */
  minLongPollingTimeoutMs: number;
  retryBackoff: { initialMs: number; maxMs: number; multiplier: number };
  /** address put in routes when the client did not say which one it used */
  advertised: { host: string; port: number };
}

interface ClientInfo {
  clientId: string;
  type?: string;
  group?: string;
  publishTopics: Set<string>;
  streams: Set<grpc.ServerDuplexStream<any, any>>;
}

type Unary = (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => void;

function toError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  return new BrokerError('INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : String(err));
}

/** Time a receive waits for nothing to be there (the proxy's ReceiveMessageActivity). */
const LONG_POLLING_RESERVE_MS = 100;
/** Clients before this version get BAD_REQUEST instead of ILLEGAL_POLLING_TIME (Java's String order). */
const ILLEGAL_POLLING_TIME_INTRODUCED_CLIENT_VERSION = '5.0.3';
/** The deadline margin the embedded broker keeps, so its answer reaches the client in time. */
const ANSWER_MARGIN_MS = 300;

/**
 * How long a receive may wait, as RocketMQ 5's proxy decides it: the client's long-polling timeout
 * (or what is left before its deadline) clamped to [min, max]; with less than `min` left before the
 * deadline, the receive is refused (ILLEGAL_POLLING_TIME; BAD_REQUEST for clients older than 5.0.3,
 * which rocketmq-client-nodejs 1.x is by that order).
 */
export function longPollMs(requestedMs: number | undefined, remainingMs: number, limits: { minLongPollingTimeoutMs: number; longPollingTimeoutMs: number }, clientVersion?: string): number {
  let pollMs = requestedMs ?? remainingMs - LONG_POLLING_RESERVE_MS;
  pollMs = Math.max(Math.min(pollMs, limits.longPollingTimeoutMs), limits.minLongPollingTimeoutMs);
  if (pollMs > remainingMs) {
    if (remainingMs < limits.minLongPollingTimeoutMs) {
      const code = !clientVersion || ILLEGAL_POLLING_TIME_INTRODUCED_CLIENT_VERSION > clientVersion ? 'BAD_REQUEST' : 'ILLEGAL_POLLING_TIME';
      throw new BrokerError(code, 'The deadline time remaining is not enough for polling, please check network condition');
    }
    pollMs = remainingMs;
  }
  // RocketMQ answers at the deadline itself; answering a little earlier keeps the reply in time.
  return Math.max(0, Math.min(pollMs, remainingMs - ANSWER_MARGIN_MS));
}

function clientIdOf(call: { metadata: grpc.Metadata }): string {
  const v = call.metadata.get('x-mq-client-id')[0];
  return v ? String(v) : '';
}

export class MessagingService {
  readonly clients = new Map<string, ClientInfo>();
  readonly #activeReceives = new Set<() => void>();
  #txRoundRobin = 0;
  #closing = false;

  constructor(
    private readonly core: BrokerCore,
    private readonly opts: ServiceOptions,
    private readonly log: Logger,
  ) {
    core.isClientAlive = (id) => (this.clients.get(id)?.streams.size ?? 0) > 0;
    core.onTransactionCheck = (msg) => this.#sendTransactionCheck(msg);
  }

  /** Handlers for grpc.Server#addService. */
  handlers(): grpc.UntypedServiceImplementation {
    const unary = (name: string, fn: (req: any, call: grpc.ServerUnaryCall<any, any>) => object): Unary => {
      return (call, cb) => {
        try {
          cb(null, fn(call.request ?? {}, call));
        } catch (err) {
          const e = toError(err);
          if (e.code === 'INTERNAL_SERVER_ERROR') this.log.error({ err, rpc: name }, 'rpc failed');
          else this.log.debug({ rpc: name, code: e.code, msg: e.message }, 'rpc rejected');
          cb(null, { status: e.toStatus() });
        }
      };
    };
    const unimplemented = (name: string) => (call: any, cb?: grpc.sendUnaryData<any>) => {
      const err = { code: grpc.status.UNIMPLEMENTED, details: `${name} is not supported by the embedded broker` };
      if (cb) cb(err);
      else call.emit('error', err);
    };
    return {
      QueryRoute: unary('QueryRoute', (req) => this.#queryRoute(req)),
      Heartbeat: unary('Heartbeat', (req, call) => this.#heartbeat(req, call)),
      SendMessage: unary('SendMessage', (req) => this.#sendMessage(req)),
      QueryAssignment: unary('QueryAssignment', (req) => this.#queryAssignment(req)),
      ReceiveMessage: (call: grpc.ServerWritableStream<any, any>) => this.#receiveMessage(call),
      AckMessage: unary('AckMessage', (req) => this.#ackMessage(req)),
      ForwardMessageToDeadLetterQueue: unary('ForwardMessageToDeadLetterQueue', (req) => {
        const group = validateGroupName(req.group?.name);
        const topic = validateTopicName(req.topic?.name);
        this.core.forwardToDlq(group, topic, req.receipt_handle, req.message_id);
        return { status: status('OK') };
      }),
      EndTransaction: unary('EndTransaction', (req) => {
        const topic = validateTopicName(req.topic?.name);
        this.core.endTransaction(topic, req.message_id, req.transaction_id, req.resolution, req.source);
        return { status: status('OK') };
      }),
      Telemetry: (call: grpc.ServerDuplexStream<any, any>) => this.#telemetry(call),
      NotifyClientTermination: unary('NotifyClientTermination', (_req, call) => {
        const id = clientIdOf(call);
        if (id) {
          this.core.releaseClient(id);
          this.clients.delete(id);
          this.log.debug({ clientId: id }, 'client terminated');
        }
        return { status: status('OK') };
      }),
      ChangeInvisibleDuration: unary('ChangeInvisibleDuration', (req) => {
        const group = validateGroupName(req.group?.name);
        const topic = validateTopicName(req.topic?.name);
        const ms = durationToMs(req.invisible_duration);
        if (ms === undefined) throw new BrokerError('ILLEGAL_INVISIBLE_TIME', 'invisible_duration is required');
        const handle = this.core.changeInvisible(group, topic, req.receipt_handle, req.message_id, ms);
        return { status: status('OK'), receipt_handle: handle };
      }),
      RecallMessage: unary('RecallMessage', (req) => {
        const topic = validateTopicName(req.topic?.name);
        if (!req.recall_handle) throw new BrokerError('BAD_REQUEST', 'recall_handle is required');
        const id = this.core.recall(topic, req.recall_handle);
        return { status: status('OK'), message_id: id };
      }),
      PullMessage: unimplemented('PullMessage'),
      UpdateOffset: unimplemented('UpdateOffset'),
      GetOffset: unimplemented('GetOffset'),
      QueryOffset: unimplemented('QueryOffset'),
      SyncLiteSubscription: unimplemented('SyncLiteSubscription'),
    };
  }

  /** Ends every stream (long polls answer "no new message", telemetry streams complete). */
  close(): void {
    this.#closing = true;
    for (const cancel of [...this.#activeReceives]) cancel();
    for (const c of this.clients.values()) {
      for (const s of c.streams) {
        try {
          s.end();
        } catch {
          /* already gone */
        }
      }
      c.streams.clear();
    }
  }

  // ------------------------------------------------------------------ routes

  #queue(topicName: string, type: string, endpoints: any) {
    return {
      topic: { name: topicName, resource_namespace: '' },
      id: 0,
      permission: 'READ_WRITE',
      broker: { name: this.core.brokerName, id: 0, endpoints },
      accept_message_types: [type],
    };
  }

  #endpoints(requested: any) {
    if (requested?.addresses?.length) return requested;
    return {
      scheme: 'IPv4',
      addresses: [{ host: this.opts.advertised.host, port: this.opts.advertised.port }],
    };
  }

  #queryRoute(req: any) {
    const name = validateTopicName(req.topic?.name);
    const topic = this.core.topicForUse(name, true);
    return { status: status('OK'), message_queues: [this.#queue(topic.name, topic.type, this.#endpoints(req.endpoints))] };
  }

  #queryAssignment(req: any) {
    const name = validateTopicName(req.topic?.name);
    const group = validateGroupName(req.group?.name);
    const topic = this.core.topicForUse(name, false);
    this.core.ensureSub(group, topic);
    return { status: status('OK'), assignments: [{ message_queue: this.#queue(topic.name, topic.type, this.#endpoints(req.endpoints)) }] };
  }

  #heartbeat(req: any, call: grpc.ServerUnaryCall<any, any>) {
    const id = clientIdOf(call);
    if (req.group?.name) validateGroupName(req.group.name);
    const known = id && this.clients.has(id);
    return { status: known ? status('OK') : status('UNRECOGNIZED_CLIENT_TYPE', 'settings not received yet') };
  }

  // ------------------------------------------------------------------ send

  #sendMessage(req: any) {
    const messages: any[] = req.messages ?? [];
    if (!messages.length) throw new BrokerError('BAD_REQUEST', 'no message to send');
    const incoming = messages.map((m) => {
      const sp = m.system_properties ?? {};
      const props: Record<string, string> = { ...(m.user_properties ?? {}) };
      return {
        topic: m.topic?.name ?? '',
        id: sp.message_id ?? '',
        declaredType: sp.message_type ?? 'NORMAL',
        tag: sp.tag || undefined,
        keys: (sp.keys ?? []).filter((k: string) => k),
        mg: sp.message_group ?? undefined,
        props,
        body: Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body ?? []),
        born: timestampToMs(sp.born_timestamp) ?? Date.now(),
        bornHost: sp.born_host || undefined,
        deliverAt: timestampToMs(sp.delivery_timestamp),
      };
    });
    const outcomes = this.core.send(incoming);
    const entries = outcomes.map((o) => ({
      status: o.ok ? status('OK') : o.error!.toStatus(),
      message_id: o.msgId,
      transaction_id: o.msgId,
      offset: o.offset,
      recall_handle: o.recallHandle ?? '',
    }));
    return { status: this.#overall(entries.map((e) => e.status)), entries };
  }

  #overall(statuses: Status[]): Status {
    if (!statuses.length) return status('OK');
    const first = statuses[0];
    if (statuses.every((s) => s.code === first.code)) return first;
    return status('MULTIPLE_RESULTS', 'multiple results');
  }

  // ------------------------------------------------------------------ receive

  #receiveMessage(call: grpc.ServerWritableStream<any, any>): void {
    const req = call.request ?? {};
    const finish = (st: Status, deliveries: Delivery[] = []) => {
      if (call.cancelled || call.destroyed) return;
      try {
        call.write({ status: st });
        for (const d of deliveries) call.write({ message: this.#toPbMessage(d.msg, d) });
        call.write({ delivery_timestamp: msToTimestamp(Date.now()) });
        call.end();
      } catch (err) {
        this.log.warn({ err }, 'failed to write receive response');
      }
    };
    let params;
    try {
      if (this.#closing) throw new BrokerError('INTERNAL_SERVER_ERROR', 'broker is shutting down');
      const group = validateGroupName(req.group?.name);
      const topic = validateTopicName(req.message_queue?.topic?.name);
      const fe = req.filter_expression;
      if (fe && fe.type === 'SQL') throw new BrokerError('ILLEGAL_FILTER_EXPRESSION', 'SQL92 filtering is not supported by the embedded broker');
      const expr: string = fe?.expression ?? '*';
      if (expr.length > 4096) throw new BrokerError('ILLEGAL_FILTER_EXPRESSION', 'filter expression too long');
      const autoRenew = !!req.auto_renew;
      let invisibleMs = durationToMs(req.invisible_duration) ?? 0;
      if (!autoRenew && !(invisibleMs >= this.opts.minInvisibleDurationMs && invisibleMs <= MAX_INVISIBLE_MS)) {
        throw new BrokerError(
          'ILLEGAL_INVISIBLE_TIME',
          `invisible duration must be within ${this.opts.minInvisibleDurationMs} and ${MAX_INVISIBLE_MS} ms`,
        );
      }
      if (autoRenew) invisibleMs = 0;
      const batch = req.batch_size ?? 0;
      if (!(batch >= 1)) throw new BrokerError('BAD_REQUEST', 'batch_size must be positive');
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      const pollMs = longPollMs(durationToMs(req.long_polling_timeout), Number.isFinite(deadlineMs) ? deadlineMs - Date.now() : Infinity, this.opts, call.metadata.get('x-mq-client-version')[0]?.toString());
      params = {
        group,
        topic,
        batch,
        filter: tagFilter(expr),
        invisibleMs,
        autoRenew,
        clientId: clientIdOf(call),
        pollMs,
      };
    } catch (err) {
      finish(toError(err).toStatus());
      return;
    }
    let handle;
    try {
      handle = this.core.receive(params);
    } catch (err) {
      finish(toError(err).toStatus());
      return;
    }
    const cancel = handle.cancel;
    this.#activeReceives.add(cancel);
    call.on('cancelled', cancel);
    handle.promise.then(
      (deliveries) => {
        this.#activeReceives.delete(cancel);
        if (deliveries.length) finish(status('OK'), deliveries);
        else finish(status('MESSAGE_NOT_FOUND', 'no new message'));
      },
      (err) => {
        this.#activeReceives.delete(cancel);
        finish(toError(err).toStatus());
      },
    );
  }

  #toPbMessage(msg: StoredMessage, d?: Delivery) {
    const h = msg.h;
    const userProps: Record<string, string> = { ...(h.props ?? {}) };
    if (h.mg) userProps.__SHARDINGKEY = h.mg;
    if (h.type === 'TRANSACTION') userProps.__transactionId__ = h.id;
    const sp: Record<string, unknown> = {
      keys: h.keys ?? [],
      message_id: h.id,
      body_digest: { type: 'MD5', checksum: this.core.digestOf(msg) },
      body_encoding: 'IDENTITY',
      message_type: h.type,
      born_timestamp: msToTimestamp(h.born),
      born_host: h.bornHost ?? '',
      store_timestamp: msToTimestamp(h.store),
      store_host: `${this.opts.advertised.host}:${this.opts.advertised.port}`,
      queue_id: 0,
      queue_offset: Math.max(0, msg.offset),
    };
    if (h.tag) sp.tag = h.tag;
    if (h.deliverAt !== undefined) sp.delivery_timestamp = msToTimestamp(h.deliverAt);
    if (h.mg) sp.message_group = h.mg;
    if (h.dlq) sp.dead_letter_queue = { topic: h.dlq.topic, message_id: h.dlq.id };
    if (d) {
      sp.receipt_handle = d.handle;
      sp.delivery_attempt = d.attempt;
      if (d.invisibleMs) sp.invisible_duration = msToDuration(d.invisibleMs);
    }
    return { topic: { name: h.topic, resource_namespace: '' }, user_properties: userProps, system_properties: sp, body: msg.body };
  }

  // ------------------------------------------------------------------ ack

  #ackMessage(req: any) {
    const group = validateGroupName(req.group?.name);
    const topic = validateTopicName(req.topic?.name);
    const entries: any[] = req.entries ?? [];
    if (!entries.length) throw new BrokerError('BAD_REQUEST', 'no entry to ack');
    const results = this.core.ack(
      group,
      topic,
      entries.map((e) => ({ msgId: e.message_id ?? '', handle: e.receipt_handle ?? '' })),
    );
    const out = entries.map((e, i) => ({
      message_id: e.message_id ?? '',
      receipt_handle: e.receipt_handle ?? '',
      status: results[i] ? results[i]!.toStatus() : status('OK'),
    }));
    return { status: this.#overall(out.map((o) => o.status)), entries: out };
  }

  // ------------------------------------------------------------------ telemetry

  #telemetry(call: grpc.ServerDuplexStream<any, any>): void {
    const id = clientIdOf(call);
    let ended = false;
    const fail = (code: grpc.status, details: string) => {
      if (ended) return;
      ended = true;
      detach();
      call.emit('error', { code, details });
    };
    if (!id) {
      fail(grpc.status.INVALID_ARGUMENT, 'x-mq-client-id header is required');
      return;
    }
    if (this.#closing) {
      fail(grpc.status.UNAVAILABLE, 'broker is shutting down');
      return;
    }
    let info = this.clients.get(id);
    if (!info) {
      info = { clientId: id, publishTopics: new Set(), streams: new Set() };
      this.clients.set(id, info);
    }
    const client = info;
    client.streams.add(call);
    const detach = () => {
      client.streams.delete(call);
      // Gone without NotifyClientTermination (a crash, a cut connection): as on RocketMQ, what it
      // holds is no longer renewed but stays invisible until its invisible time (60 s) ends, and a
      // FIFO group's queue waits that long (test/rocketmq/differential.spec.ts). A client that says
      // goodbye (NotifyClientTermination) has them released after 1 s. It keeps its record until then.
    };
    call.on('data', (cmd: any) => {
      try {
        if (cmd.settings) {
          const reply = this.#onSettings(client, cmd.settings);
          if (!reply) {
            fail(grpc.status.INVALID_ARGUMENT, 'settings must carry publishing or subscription (PUBSUB_NOT_SET)');
            return;
          }
          call.write({ status: status('OK'), settings: reply });
        }
        // thread stack traces, verify results, ...: nothing to do
      } catch (err) {
        const e = toError(err);
        fail(e.code.startsWith('ILLEGAL') || e.code === 'BAD_REQUEST' ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, e.message);
      }
    });
    call.on('end', () => {
      if (ended) return;
      ended = true;
      detach();
      try {
        call.end();
      } catch {
        /* gone */
      }
    });
    call.on('error', () => {
      ended = true;
      detach();
    });
    call.on('cancelled', () => {
      ended = true;
      detach();
    });
  }

  /**
   * rocketmq-client-nodejs 1.0.x reads a backoff Duration's `seconds` as MILLISECONDS
   * (ExponentialBackoffRetryPolicy gets `initial.seconds` and returns it as a delay in ms). For those
   * clients the broker encodes backoff durations as {seconds: <ms>} so the delays come out right
   * (otherwise a 1 s backoff becomes 1 ms and a push consumer burns its attempts in milliseconds).
   */
  #backoffDuration(settings: any, ms: number) {
    const ua = settings.user_agent;
    const nodeQuirk = ua?.language === 'NODE_JS' && /^1\.0\./.test(ua?.version ?? '');
    return nodeQuirk ? { seconds: Math.round(ms), nanos: 0 } : msToDuration(ms);
  }

  #onSettings(client: ClientInfo, settings: any): object | undefined {
    client.type = settings.client_type;
    if (settings.publishing) {
      client.publishTopics = new Set((settings.publishing.topics ?? []).map((t: any) => t.name).filter(Boolean));
      this.log.debug({ clientId: client.clientId, topics: [...client.publishTopics] }, 'producer settings');
      return {
        ...settings,
        backoff_policy: {
          max_attempts: settings.backoff_policy?.max_attempts || 3,
          exponential_backoff: {
            initial: this.#backoffDuration(settings, 10),
            max: this.#backoffDuration(settings, 1000),
            multiplier: 2,
          },
        },
        publishing: { ...settings.publishing, validate_message_type: true, max_body_size: MAX_BODY_BYTES },
      };
    }
    if (settings.subscription) {
      const group = validateGroupName(settings.subscription.group?.name);
      client.group = group;
      for (const entry of settings.subscription.subscriptions ?? []) {
        const name = entry.topic?.name;
        if (!name) continue;
        validateTopicName(name);
        const topic = this.core.topics.get(name);
        if (topic) this.core.ensureSub(group, topic);
      }
      const b = this.opts.retryBackoff;
      return {
        ...settings,
        backoff_policy: {
          max_attempts: this.opts.maxDeliveryAttempts,
          exponential_backoff: {
            initial: this.#backoffDuration(settings, b.initialMs),
            max: this.#backoffDuration(settings, b.maxMs),
            multiplier: b.multiplier,
          },
        },
        subscription: {
          ...settings.subscription,
          fifo: this.core.isFifoGroup(group),
          receive_batch_size: 32,
          long_polling_timeout: msToDuration(this.opts.longPollingTimeoutMs),
        },
      };
    }
    return undefined;
  }

  #sendTransactionCheck(msg: StoredMessage): boolean {
    const candidates: ClientInfo[] = [];
    for (const c of this.clients.values()) {
      if (c.streams.size && c.publishTopics.has(msg.h.topic)) candidates.push(c);
    }
    if (!candidates.length) return false;
    const c = candidates[this.#txRoundRobin++ % candidates.length];
    const stream = [...c.streams][0];
    try {
      stream.write({
        status: status('OK'),
        recover_orphaned_transaction_command: { transaction_id: msg.h.id, message: this.#toPbMessage(msg) },
      });
      return true;
    } catch (err) {
      this.log.warn({ err, clientId: c.clientId }, 'failed to send transaction check');
      return false;
    }
  }
}

export type { CodeName };
