import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { MessageBus, OutgoingMessage } from '../message-bus.port.js';
import type { TopicName } from '../topics.js';
import { OutboxMessage, type OutboxMessageRow } from './outbox-message.entity.js';

/** How often the sweep looks for rows the fast path did not publish (crash, broker down). */
export const DEFAULT_OUTBOX_SWEEP_INTERVAL_MS = 1_000;
/** Rows younger than this belong to the fast path; the sweep leaves them alone. */
export const DEFAULT_OUTBOX_GRACE_MS = 2_000;
const BATCH_SIZE = 200;

/** Stages messages in the caller's transaction. */
export function stageMessage<T>(em: EntityManager, message: OutgoingMessage<T>): OutboxMessageRow {
  return em.create(OutboxMessage, {
    topic: message.topic,
    tag: message.tag ?? null,
    messageKey: message.key,
    messageGroup: message.messageGroup ?? null,
    deliverAt: message.deliverAt ?? null,
    body: JSON.stringify(message.data),
    attempts: 0,
    createdAt: new Date(),
  });
}

/**
 * Transactional outbox: `transactional()` runs the caller's work and its messages in one MySQL
 * transaction, then publishes them right after commit; a periodic sweep publishes whatever a
 * crash or a broker outage left behind. Delivery is at-least-once (consumers are idempotent).
 * Messages that share a FIFO message group are published strictly in row order.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly log: Logger;

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
  async transactional<R>(em: EntityManager, work: (tx: EntityManager, emit: <T>(m: OutgoingMessage<T>) => void) => Promise<R>): Promise<R> {
    const staged: OutboxMessageRow[] = [];
    const result = await em.transactional(async (tx) => {
      const emit = <T>(m: OutgoingMessage<T>) => {
        staged.push(stageMessage(tx, m));
      };
      const r = await work(tx, emit);
      await tx.flush();
      return r;
    });
    if (staged.length > 0) this.track(this.publishRows(staged.map((row) => row.id)));
    return result;
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
      const sent = await this.publishWhere({ createdAt: { $lt: before } });
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

  private publishRows(ids: number[]): Promise<number> {
    return this.publishWhere({ id: { $in: ids } });
  }

  private async publishWhere(where: object): Promise<number> {
    const em = this.deps.orm.em.fork();
    return em.transactional(async (tx) => {
      // SKIP LOCKED: several instances (and the fast path) never publish the same row twice at once.
      const rows = await tx.find(OutboxMessage, where as never, {
        orderBy: { id: 'asc' },
        limit: BATCH_SIZE,
        lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
      });
      if (rows.length === 0) return 0;
      const blocked = await this.groupsWithOlderRows(tx, rows);
      const byGroup = new Map<string, OutboxMessageRow[]>();
      for (const row of rows) {
        if (row.messageGroup && blocked.has(row.messageGroup)) continue;
        const lane = row.messageGroup ?? `#${row.id}`;
        const list = byGroup.get(lane) ?? [];
        list.push(row);
        byGroup.set(lane, list);
      }
      const sent: OutboxMessageRow[] = [];
      await Promise.all(
        [...byGroup.values()].map(async (lane) => {
          // One lane at a time, in order: a FIFO group must reach the broker in row order.
          for (const row of lane) {
            try {
              await this.deps.bus.publish({
                topic: row.topic as TopicName,
                tag: row.tag ?? undefined,
                key: row.messageKey,
                messageGroup: row.messageGroup ?? undefined,
                deliverAt: row.deliverAt ?? undefined,
                producedAt: row.createdAt,
                data: JSON.parse(row.body) as unknown,
              });
              sent.push(row);
            } catch (err) {
              row.attempts += 1;
              this.log.warn({ topic: row.topic, key: row.messageKey, attempts: row.attempts, err: (err as Error).message }, 'outbox publish failed');
              this.deps.metrics.counter('outbox_publish_failures_total', 'Outbox publish failures', ['topic']).inc({ topic: row.topic });
              return;
            }
          }
        }),
      );
      for (const row of sent) tx.remove(row);
      await tx.flush();
      return sent.length;
    });
  }

  /** FIFO groups whose oldest unsent row is not in this batch (another relay holds it): they wait. */
  private async groupsWithOlderRows(tx: EntityManager, rows: OutboxMessageRow[]): Promise<Set<string>> {
    const firstInBatch = new Map<string, number>();
    for (const row of rows) {
      if (row.messageGroup && !firstInBatch.has(row.messageGroup)) firstInBatch.set(row.messageGroup, row.id);
    }
    if (firstInBatch.size === 0) return new Set();
    const groups = [...firstInBatch.keys()];
    const oldest = await tx
      .getConnection()
      .execute<{ message_group: string; first_id: number }[]>(
        `select message_group, min(id) as first_id from outbox_message where message_group in (${groups.map(() => '?').join(',')}) group by message_group`,
        groups,
      );
    return new Set(oldest.filter((o) => Number(o.first_id) < (firstInBatch.get(o.message_group) ?? 0)).map((o) => o.message_group));
  }

  /** Waits for in-flight fast-path publishes, then stops the sweep. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inflight]);
  }
}
