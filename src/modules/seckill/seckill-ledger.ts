import type { OrmHandle } from '../../infra/db/orm.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import { SeckillActivity, type SeckillActivityRow } from './seckill.entity.js';
import { activityKeys, type SeckillRedis } from './seckill.scripts.js';

/** Keys of a settled activity are kept this long for late result queries (7 days, in seconds). */
const SETTLED_KEY_TTL_SECONDS = 7 * 24 * 3600;

/** Redis and MySQL numbers of one activity (admin view, reconciliation). */
export interface ActivityStats {
  /** Orders currently holding a unit (created, not cancelled). */
  sold: number;
  /** Admitted by Redis, not yet turned into an order (queued in the stream or the broker). */
  pending: number;
  /** Units given back by cancelled or timed-out seckill orders. */
  returned: number;
  /** Admitted attempts MySQL refused (Redis and MySQL disagreed). */
  failed: number;
  /** MySQL's units not yet turned into orders. */
  available: number;
  /** Redis: attempts admitted, units it took back, units it may still admit. Null when Redis is unreachable or not loaded. */
  admitted: number | null;
  redisReturned: number | null;
  redisStock: number | null;
  /** What Redis's stock should be from MySQL's numbers: available - pending - returns not yet applied to Redis. */
  expectedRedisStock: number | null;
  /** Redis agrees with MySQL (null when Redis cannot be read). */
  consistent: boolean | null;
  settled: boolean;
  releasedToSku: number;
  reconciledAt: Date | null;
}

export interface ReconcileReport extends ActivityStats {
  activityId: number;
  /** Settled by this run: the leftover units went back to the SKU. */
  settledNow: boolean;
  /** Redis's stock was corrected to MySQL's (only after the end, with nothing pending). */
  repairedRedis: boolean;
}

export interface ReconcileOptions {
  activityId?: number;
  now?: Date;
  /** An activity counts as ended this long after its end (the sweep leaves late orders time to land). */
  graceMs?: number;
}

/**
 * The books of flash sales: what Redis holds of each activity (loading it once), the numbers Redis
 * and MySQL give, and the reconciliation after the end that settles an activity and gives its
 * leftover units back to the SKU. It places no order and stages no message, so
 * `npm run seckill:reconcile` runs it without the order service or the outbox.
 */
export class SeckillLedger {
  constructor(private readonly deps: { orm: OrmHandle; redis: SeckillRedis; catalog: CatalogService; logger: Logger }) {}

  /** Loads an activity into Redis if it is not there (never overwrites a running sale). True when it loaded now. */
  async load(activity: SeckillActivityRow): Promise<boolean> {
    const k = activityKeys(activity.id);
    const loaded = await this.deps.redis.seckillLoad(k.meta, k.stock, k.queue, activity.startsAt.getTime(), activity.endsAt.getTime(), activity.limitPerUser, activity.stock, activity.available);
    if (loaded === 1) this.deps.logger.info({ activityId: activity.id, stock: activity.available }, 'flash sale loaded into redis');
    return loaded === 1;
  }

  // ---------------------------------------------------------------- numbers, reconciliation

  /** Redis and MySQL numbers of one activity, read now. */
  async stats(activity: SeckillActivityRow): Promise<ActivityStats> {
    const k = activityKeys(activity.id);
    let redis: { admitted: number; returned: number; stock: number } | null = null;
    try {
      const [meta, stock] = await Promise.all([this.deps.redis.hmget(k.meta, 'admitted', 'returned'), this.deps.redis.get(k.stock)]);
      if (meta[0] !== null && stock !== null) redis = { admitted: Number(meta[0]), returned: Number(meta[1]), stock: Number(stock) };
    } catch (err) {
      this.deps.logger.warn({ activityId: activity.id, err: (err as Error).message }, 'flash-sale numbers: redis unreadable');
      redis = null;
    }
    const settled = activity.status === 'SETTLED';
    const created = activity.ordered + activity.returned;
    const pending = redis ? Math.max(0, redis.admitted - created - activity.failed) : 0;
    const expected = redis ? activity.available - pending - (activity.returned - activity.releasedToSku - redis.returned) : null;
    return {
      sold: activity.ordered,
      pending,
      returned: activity.returned,
      failed: activity.failed,
      available: activity.available,
      admitted: redis?.admitted ?? null,
      redisReturned: redis?.returned ?? null,
      redisStock: redis?.stock ?? null,
      expectedRedisStock: settled ? 0 : expected,
      consistent: redis ? redis.stock === (settled ? 0 : expected) : null,
      settled,
      releasedToSku: activity.releasedToSku,
      reconciledAt: activity.reconciledAt ?? null,
    };
  }

  /**
   * Loads ACTIVE activities missing from Redis, and reconciles those that have ended: once
   * nothing is pending, Redis's stock is checked against MySQL's (corrected to MySQL if they
   * differ, and logged), the leftover units go back to the SKU and the activity is SETTLED. The
   * numbers are stored on the activity (`seckillActivity(id)` shows them to admins).
   */
  async reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport[]> {
    const em = this.deps.orm.em.fork();
    const now = options.now ?? new Date();
    const rows = await em.find(SeckillActivity, options.activityId ? { id: options.activityId } : { status: 'ACTIVE' }, { orderBy: { id: 'asc' } });
    const reports: ReconcileReport[] = [];
    for (const activity of rows) {
      if (activity.status !== 'ACTIVE') {
        reports.push({ activityId: activity.id, ...(await this.stats(activity)), settledNow: false, repairedRedis: false });
        continue;
      }
      await this.load(activity).catch(() => undefined);
      const stats = await this.stats(activity);
      const report: ReconcileReport = { activityId: activity.id, ...stats, settledNow: false, repairedRedis: false };
      const ended = now.getTime() >= activity.endsAt.getTime() + (options.graceMs ?? 0);
      const quiet = stats.redisStock !== null && stats.pending === 0 && stats.redisReturned === activity.returned;
      if (ended && quiet) {
        const k = activityKeys(activity.id);
        if (!stats.consistent) {
          this.deps.logger.error({ activityId: activity.id, redisStock: stats.redisStock, expected: stats.expectedRedisStock }, 'flash sale: redis stock disagreed with mysql after the end; mysql wins');
          report.repairedRedis = true;
        }
        const settledNow = await em.fork().transactional(async (tx) => {
          const r = await tx.execute<{ affectedRows: number }>(
            "update `seckill_activity` set `status` = 'SETTLED', `settled_at` = ?, `released_to_sku` = `released_to_sku` + `available`, `available` = 0, `updated_at` = ? where `id` = ? and `status` = 'ACTIVE' and `available` = ?",
            [now, now, activity.id, activity.available],
            'run',
          );
          if (r.affectedRows !== 1) return false;
          if (activity.available > 0) await this.deps.catalog.release(tx, [{ skuId: activity.skuId, quantity: activity.available }]);
          return true;
        });
        if (settledNow) {
          report.settledNow = true;
          report.settled = true;
          report.releasedToSku = activity.releasedToSku + activity.available;
          report.available = 0;
          await this.deps.redis
            .multi()
            .set(k.stock, 0)
            .expire(k.meta, SETTLED_KEY_TTL_SECONDS)
            .expire(k.stock, SETTLED_KEY_TTL_SECONDS)
            .expire(k.users, SETTLED_KEY_TTL_SECONDS)
            .expire(k.requests, SETTLED_KEY_TTL_SECONDS)
            .expire(k.attempts, SETTLED_KEY_TTL_SECONDS)
            .expire(k.queue, SETTLED_KEY_TTL_SECONDS)
            .expire(k.returned, SETTLED_KEY_TTL_SECONDS)
            .exec()
            .catch(() => undefined);
          this.deps.logger.info({ activityId: activity.id, releasedToSku: activity.available, sold: activity.ordered }, 'flash sale settled');
        }
      }
      await em.fork().nativeUpdate(SeckillActivity, { id: activity.id }, { reconciledAt: now, reconcileReport: JSON.stringify(report) });
      reports.push(report);
    }
    return reports;
  }
}
