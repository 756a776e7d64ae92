import { IsolationLevel, type EntityManager } from '@mikro-orm/mysql';
import { utcDate } from '../../db/datetime.js';
import { insertRows } from '../../db/insert-rows.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { MessageBus, OutgoingMessage } from '../message-bus.port.js';
import type { TopicName } from '../topics.js';
import type { Emit, TransactionalOutbox } from './outbox.port.js';
import { OutboxMessage } from './outbox-message.entity.js';

/** How often the sweep looks for rows the fast path did not publish (crash, broker down). */
export const DEFAULT_OUTBOX_SWEEP_INTERVAL_MS = 1_000;
/** Rows younger than this belong to the fast path; the sweep leaves them alone. */
export const DEFAULT_OUTBOX_GRACE_MS = 2_000;
const BATCH_SIZE = 200;

interface OutboxRecord {
  id: number;
  topic: string;
  tag: string | null;
  messageKey: string;
  messageGroup: string | null;
  deliverAt: Date | null;
  body: string;
  createdAt: Date;
  /** In memory only (the fast path): see OutgoingMessage.opensGroup. */
  opensGroup?: boolean;
}

interface RawOutboxRow {
  id: number;
  topic: string;
  tag: string | null;
  message_key: string;
  message_group: string | null;
  deliver_at: Date | string | null;
  body: string;
  created_at: Date | string;
}

const fromRaw = (row: RawOutboxRow): OutboxRecord => ({
  id: Number(row.id),
  topic: row.topic,
  tag: row.tag,
  messageKey: row.message_key,
  messageGroup: row.message_group,
  deliverAt: row.deliver_at === null ? null : utcDate(row.deliver_at),
  body: row.body,
  createdAt: utcDate(row.created_at),
});

/** The outbox row of a message, as the relay publishes it. */
function toOutboxRow<T>(message: OutgoingMessage<T>, createdAt: Date) {
  return {
    topic: message.topic,
    tag: message.tag ?? null,
    messageKey: message.key,
    messageGroup: message.messageGroup ?? null,
    deliverAt: message.deliverAt ?? null,
    body: JSON.stringify(message.data),
    attempts: 0,
    createdAt,
  };
}

/**
 * Transactional outbox: `transactional()` runs the caller's work and its messages in one MySQL
 * transaction, then publishes them right after commit; a periodic sweep publishes whatever a
 * crash or a broker outage left behind. Delivery is at-least-once (consumers are idempotent).
 * Messages that share a FIFO message group are published strictly in row order.
 */
export class OutboxRelay implements TransactionalOutbox {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly log: Logger;
  /** Published rows waiting for the next batched delete (see deleteSent). */
  private unsentDeletes: number[] = [];
  private nextDelete?: Promise<void>;

  constructor(
    private readonly deps: { orm: Orm; bus: MessageBus; logger: Logger; metrics: Metrics },
    private readonly options: { sweepIntervalMs?: number; graceMs?: number } = {},
  ) {
    this.log = deps.logger.child({ component: 'outbox' });
  }

  /**
   * Runs `work` in a transaction on `em`; every message passed to `emit` is committed with it
   * and published after the commit (not awaited: the caller's response never waits on the broker).
   */
  async transactional<R>(
    em: EntityManager,
    work: (tx: EntityManager, emit: Emit) => Promise<R>,
  ): Promise<R> {
    let staged: OutboxRecord[] = [];
    const result = await em.transactional(async (tx) => {
      const messages: OutgoingMessage<unknown>[] = [];
      const r = await work(tx, (m) => void messages.push(m));
      await tx.flush();
      staged = messages.length > 0 ? await this.stage(tx, messages) : [];
      return r;
    });
    if (staged.length > 0) this.track(this.publishCommitted(staged));
    return result;
  }

  /** Writes the messages as one multi-row insert (no unit of work: this runs for every order). */
  private async stage(tx: EntityManager, messages: OutgoingMessage<unknown>[]): Promise<OutboxRecord[]> {
    const createdAt = new Date();
    const rows = messages.map((m) => toOutboxRow(m, createdAt));
    const ids = await insertRows(tx, OutboxMessage, rows);
    return rows.map((row, i) => ({ ...row, id: ids[i]!, opensGroup: messages[i]!.opensGroup === true }));
  }

  private track(promise: Promise<unknown>): void {
    const p = promise.catch((err: Error) => this.log.warn({ err: err.message }, 'outbox fast path failed; the sweep will retry'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  start(): void {
    const interval = this.options.sweepIntervalMs ?? DEFAULT_OUTBOX_SWEEP_INTERVAL_MS;
    this.timer = setInterval(() => void this.sweep(), interval);
    this.timer.unref();
  }

  /** Publishes every row older than the grace period; returns how many were sent. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const before = new Date(Date.now() - (this.options.graceMs ?? DEFAULT_OUTBOX_GRACE_MS));
      const sent = await this.publishWhere('created_at < ?', [before]);
      if (sent > 0) {
        this.log.info({ sent }, 'outbox sweep published messages the fast path had not');
        this.deps.metrics.counter('outbox_swept_total', 'Messages published by the outbox sweep').inc(sent);
      }
      return sent;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'outbox sweep failed');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Fast path, right after the caller's commit: publishes from memory and deletes what was sent,
   * with no lock held across the network call (a sweep racing it can at worst publish one twice:
   * delivery is at-least-once anyway). A row of a FIFO group goes this way only when no older row
   * of its group is still waiting: the transactions of one group are serialized by the row they
   * change (an order's transitions lock the order), so every older row is committed and visible
   * here, and a row is deleted only after its publish returned. Otherwise the group's order is
   * kept by the locking path, which publishes it behind the older rows.
   */
  private async publishCommitted(records: OutboxRecord[]): Promise<number> {
    const blocked = await this.groupsWithWaitingRows(undefined, records.filter((r) => !r.opensGroup));
    const free = records.filter((r) => !r.messageGroup || !blocked.has(r.messageGroup));
    const locked = records.filter((r) => r.messageGroup && blocked.has(r.messageGroup)).map((r) => r.id);
    let sent = 0;
    if (free.length > 0) {
      const { sent: published } = await this.publishLanes(free);
      if (published.length > 0) await this.deleteSent(published);
      sent += published.length;
    }
    if (locked.length > 0) sent += await this.publishWhere(`id in (${locked.map(() => '?').join(',')})`, locked);
    return sent;
  }

  /**
   * Deletes published rows, batched: every fast path that finishes publishing in the same turn of
   * the event loop shares one DELETE (under load, one statement for many orders instead of one
   * each). A row whose delete fails or never runs (crash) is published again by the sweep: delivery
   * is at-least-once. Until its delete lands, a later row of the same FIFO group takes the locking
   * path, as it would while the publish was still running.
   */
  private deleteSent(ids: number[]): Promise<void> {
    this.unsentDeletes.push(...ids);
    this.nextDelete ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = this.unsentDeletes;
      this.unsentDeletes = [];
      this.nextDelete = undefined;
      await this.deps.orm.em.getConnection().execute(`delete from outbox_message where id in (${batch.map(() => '?').join(',')})`, batch, 'run');
    });
    return this.nextDelete;
  }

  /**
   * FIFO groups of these records that still have an older row waiting in the outbox (unsent, or
   * held by another relay): their rows wait. Pass the transaction's own `tx` inside one: tx.execute
   * runs on its connection, where another pooled connection could deadlock the pool under load;
   * without one, a pooled connection runs it.
   */
  private async groupsWithWaitingRows(tx: EntityManager | undefined, records: OutboxRecord[]): Promise<Set<string>> {
    const firstId = new Map<string, number>();
    for (const r of records) if (r.messageGroup && !firstId.has(r.messageGroup)) firstId.set(r.messageGroup, r.id);
    if (firstId.size === 0) return new Set();
    const clauses = [...firstId].map(() => '(message_group = ? and id < ?)').join(' or ');
    const sql = `select distinct message_group from outbox_message where ${clauses}`;
    const rows = await (tx ?? this.deps.orm.em.getConnection()).execute<{ message_group: string }[]>(sql, [...firstId].flat());
    return new Set(rows.map((r) => r.message_group));
  }

  /** Publishes records, each FIFO group in order and the rest concurrently. */
  private async publishLanes(records: OutboxRecord[]): Promise<{ sent: number[]; failed: number[] }> {
    const lanes = new Map<string, OutboxRecord[]>();
    for (const record of records) {
      const lane = record.messageGroup ?? `#${record.id}`;
      lanes.set(lane, [...(lanes.get(lane) ?? []), record]);
    }
    const sent: number[] = [];
    const failed: number[] = [];
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        // A FIFO group must reach the broker in row order: stop at its first failure.
        for (const record of lane) {
          if (!(await this.publishOne(record))) {
            failed.push(record.id);
            return;
          }
          sent.push(record.id);
        }
      }),
    );
    return { sent, failed };
  }

  private async publishOne(record: OutboxRecord): Promise<boolean> {
    try {
      await this.deps.bus.publish({
        topic: record.topic as TopicName,
        tag: record.tag ?? undefined,
        key: record.messageKey,
        messageGroup: record.messageGroup ?? undefined,
        deliverAt: record.deliverAt ?? undefined,
        producedAt: record.createdAt,
        data: JSON.parse(record.body) as unknown,
      });
      return true;
    } catch (err) {
      this.log.warn({ topic: record.topic, key: record.messageKey, err: (err as Error).message }, 'outbox publish failed');
      this.deps.metrics.counter('outbox_publish_failures_total', 'Outbox publish failures', ['topic']).inc({ topic: record.topic });
      return false;
    }
  }

  /**
   * Locking path (sweep, FIFO groups): claims rows with FOR UPDATE SKIP LOCKED, publishes each
   * FIFO group strictly in row order (skipping a group whose older row another relay holds),
   * deletes what was sent. Plain SQL: this runs for every status event, and the ORM's unit of
   * work costs more CPU than the statements themselves.
   */
  private async publishWhere(condition: string, params: unknown[]): Promise<number> {
    const em = this.deps.orm.em.fork();
    // READ COMMITTED: the sweep's range scan must not take gap locks, which would block every
    // business transaction inserting its own outbox row while this one publishes.
    return em.transactional(
      async (tx) => {
        const raw = await tx.execute<RawOutboxRow[]>(
          `select id, topic, tag, message_key, message_group, deliver_at, body, created_at from outbox_message where ${condition} order by id limit ${BATCH_SIZE} for update skip locked`,
          params,
        );
        if (raw.length === 0) return 0;
        const records = raw.map(fromRaw);
        const blocked = await this.groupsWithWaitingRows(tx, records);
        const { sent, failed } = await this.publishLanes(records.filter((r) => !r.messageGroup || !blocked.has(r.messageGroup)));
        if (sent.length > 0) await tx.execute(`delete from outbox_message where id in (${sent.map(() => '?').join(',')})`, sent);
        if (failed.length > 0) await tx.execute(`update outbox_message set attempts = attempts + 1 where id in (${failed.map(() => '?').join(',')})`, failed);
        return sent.length;
      },
      { isolationLevel: IsolationLevel.READ_COMMITTED },
    );
  }

  /** Resolves when every fast-path publish started so far has finished (sent or left to the sweep). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /** Waits for in-flight fast-path publishes, then stops the sweep. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }
}
