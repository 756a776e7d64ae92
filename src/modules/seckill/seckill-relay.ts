import { randomUUID } from 'node:crypto';
import type { MessageBus } from '../../infra/mq/message-bus.port.js';
import { SeckillTags, Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import { activityKeys, RELAY_GROUP, type SeckillRedis } from './seckill.scripts.js';
import type { SeckillAdmitted } from './seckill-events.js';

/** Entries read per stream per round. */
const READ_COUNT = 256;
/** Pause when no stream had anything (20 ms): bounds the relay's idle cost and its added latency. */
const IDLE_PAUSE_MS = 20;
/** How often the list of ACTIVE activities is re-read from MySQL (2 s). */
const REFRESH_MS = 2_000;

type StreamEntries = [id: string, fields: string[]][];

/**
 * Publishes admitted attempts from each activity's Redis stream to TopicSeckillOrder.
 *
 * The admission script appends the attempt to the stream in the same atomic step that takes the
 * unit, so an admitted attempt cannot be lost before the send: the relay reads it through a
 * consumer group (XREADGROUP), publishes, and only then acknowledges (XACK + XDEL). A relay that
 * dies between read and ack leaves the entry in the group's pending list; any relay claims
 * entries idle longer than `claimIdleMs` (XAUTOCLAIM) and sends them again. Delivery is
 * at-least-once; the order consumer is idempotent per attempt. Several relays (workers) share a
 * stream safely: the consumer group hands each entry to one of them.
 */
export class SeckillRelay {
  private running = false;
  private loop?: Promise<void>;
  private readonly active = new Set<number>();
  private refreshedAt = 0;
  private claimedAt = 0;
  readonly consumerName: string;

  constructor(
    private readonly deps: { redis: SeckillRedis; bus: MessageBus; logger: Logger; metrics: Metrics; activeIds: () => Promise<number[]> },
    private readonly options: { claimIdleMs: number; instanceId: string },
  ) {
    this.consumerName = `${options.instanceId}-${randomUUID().slice(0, 8)}`;
  }

  /** Starts reading an activity's stream now (a new activity), before the next refresh. */
  watch(activityId: number): void {
    this.active.add(activityId);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const log = this.deps.logger.child({ component: 'seckill-relay' });
    while (this.running) {
      let moved = 0;
      try {
        const now = Date.now();
        if (now - this.refreshedAt >= REFRESH_MS) {
          this.refreshedAt = now;
          const ids = await this.deps.activeIds();
          this.active.clear();
          for (const id of ids) this.active.add(id);
        }
        const claim = now - this.claimedAt >= this.options.claimIdleMs / 2;
        if (claim) this.claimedAt = now;
        for (const id of this.active) {
          moved += await this.pump(id, log);
          if (claim) moved += await this.reclaim(id, log);
        }
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'seckill relay round failed; retrying');
      }
      if (moved === 0 && this.running) await new Promise((r) => setTimeout(r, IDLE_PAUSE_MS));
    }
  }

  /** Publishes new entries of one stream; returns how many it sent. */
  async pump(activityId: number, log: Logger): Promise<number> {
    const queue = activityKeys(activityId).queue;
    let reply: [string, StreamEntries][] | null;
    try {
      reply = (await this.deps.redis.xreadgroup('GROUP', RELAY_GROUP, this.consumerName, 'COUNT', READ_COUNT, 'STREAMS', queue, '>')) as [string, StreamEntries][] | null;
    } catch (err) {
      // NOGROUP: the activity is not loaded yet (the loader creates the group).
      if (/NOGROUP/.test((err as Error).message)) return 0;
      throw err;
    }
    const entries = reply?.[0]?.[1] ?? [];
    return this.send(activityId, queue, entries, log);
  }

  /** Sends again the entries a dead relay read and never acknowledged. */
  async reclaim(activityId: number, log: Logger): Promise<number> {
    const queue = activityKeys(activityId).queue;
    let reply: [string, StreamEntries, string[]?];
    try {
      reply = (await this.deps.redis.xautoclaim(queue, RELAY_GROUP, this.consumerName, this.options.claimIdleMs, '0', 'COUNT', READ_COUNT)) as [string, StreamEntries];
    } catch (err) {
      if (/NOGROUP/.test((err as Error).message)) return 0;
      throw err;
    }
    const entries = (reply?.[1] ?? []).filter((e) => e && Array.isArray(e[1]));
    if (entries.length > 0) log.warn({ activityId, entries: entries.length }, 'seckill relay re-sends attempts a stopped relay had read');
    return this.send(activityId, queue, entries, log);
  }

  private async send(activityId: number, queue: string, entries: StreamEntries, log: Logger): Promise<number> {
    if (entries.length === 0) return 0;
    const sent: string[] = [];
    await Promise.all(
      entries.map(async ([entryId, fields]) => {
        const data = fieldsOf(fields);
        const attemptId = data.a;
        const userId = Number(data.u);
        if (!attemptId || !Number.isInteger(userId)) {
          log.error({ activityId, entryId }, 'malformed seckill stream entry; dropped');
          sent.push(entryId);
          return;
        }
        try {
          await this.deps.bus.publish<SeckillAdmitted>({ topic: Topics.SeckillOrder, tag: SeckillTags.Admitted, key: attemptId, data: { attemptId, activityId, userId } });
          sent.push(entryId);
        } catch (err) {
          // Left pending: reclaimed and sent again after claimIdleMs.
          log.warn({ attemptId, err: (err as Error).message }, 'seckill relay could not publish; it will retry');
        }
      }),
    );
    if (sent.length > 0) {
      await this.deps.redis.multi().xack(queue, RELAY_GROUP, ...sent).xdel(queue, ...sent).exec();
      this.deps.metrics.counter('seckill_relayed_total', 'Admitted flash-sale attempts published to TopicSeckillOrder').inc(sent.length);
    }
    return sent.length;
  }
}

function fieldsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}
