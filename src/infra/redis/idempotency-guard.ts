import type { RedisClient } from './redis.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** How long a worker holds a key while it processes a message. */
export const DEFAULT_LEASE_MS = 30_000;
/** How long a finished key is remembered; the MySQL unique index covers anything older. */
export const DEFAULT_DONE_TTL_SECONDS = 7 * 24 * 3600;

export type IdempotencyOutcome<T> =
  | { status: 'done'; result: T }
  /** Already processed earlier (Redis says done, or the DB's unique index said so). */
  | { status: 'duplicate' }
  /** Another worker holds the lease right now: do not ack, let the message come back. */
  | { status: 'in-progress' };

/**
 * DESIGN.md's two-level guard. Redis gives a fast "already done / someone is on it" answer;
 * the effect's own unique index in MySQL is the real guarantee, so when Redis is down the
 * guard is skipped and the work runs (the DB turns a repeat into a duplicate-key error).
 */
export class IdempotencyGuard {
  constructor(
    private readonly deps: { redis: RedisClient; logger: Logger; metrics: Metrics },
    private readonly options: { leaseMs?: number; doneTtlSeconds?: number } = {},
  ) {}

  /**
   * Runs `work` at most once for `consumer` + `key`. `work` must return `'duplicate'` when the
   * database reports the effect already exists (duplicate key), else its result.
   */
  async run<T>(consumer: string, key: string, work: () => Promise<T | 'duplicate'>): Promise<IdempotencyOutcome<T>> {
    const redisKey = `idem:${consumer}:${key}`;
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const counter = this.deps.metrics.counter('idempotency_outcomes_total', 'Idempotency guard outcomes', ['consumer', 'outcome']);

    let leased = false;
    try {
      const taken = await this.deps.redis.set(redisKey, 'processing', 'PX', leaseMs, 'NX');
      if (taken === 'OK') {
        leased = true;
      } else {
        const state = await this.deps.redis.get(redisKey);
        if (state === 'done') {
          counter.inc({ consumer, outcome: 'duplicate-redis' });
          return { status: 'duplicate' };
        }
        if (state === 'processing') {
          counter.inc({ consumer, outcome: 'in-progress' });
          return { status: 'in-progress' };
        }
        // The lease expired between SET and GET: take it again.
        leased = (await this.deps.redis.set(redisKey, 'processing', 'PX', leaseMs, 'NX')) === 'OK';
        if (!leased) return { status: 'in-progress' };
      }
    } catch (err) {
      counter.inc({ consumer, outcome: 'redis-unavailable' });
      this.deps.logger.warn({ consumer, key, err: (err as Error).message }, 'idempotency guard: redis unavailable, relying on the database');
    }

    let result: T | 'duplicate';
    try {
      result = await work();
    } catch (err) {
      if (leased) await this.deps.redis.del(redisKey).catch(() => undefined);
      throw err;
    }
    if (leased) {
      await this.deps.redis
        .set(redisKey, 'done', 'EX', this.options.doneTtlSeconds ?? DEFAULT_DONE_TTL_SECONDS)
        .catch((err: Error) => this.deps.logger.warn({ consumer, key, err: err.message }, 'idempotency guard: could not mark done'));
    }
    if (result === 'duplicate') {
      counter.inc({ consumer, outcome: 'duplicate-db' });
      return { status: 'duplicate' };
    }
    counter.inc({ consumer, outcome: 'done' });
    return { status: 'done', result };
  }
}
