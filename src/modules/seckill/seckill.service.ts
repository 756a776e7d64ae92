import { EventEmitter } from 'node:events';
import type { EntityManager } from '@mikro-orm/mysql';
import DataLoader from 'dataloader';
import pLimit, { type LimitFunction } from 'p-limit';
import type { OrmHandle } from '../../infra/db/orm.js';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RequestContext } from '../../shared/context.js';
import { AppError, isDuplicateKeyError } from '../../shared/errors.js';
import { requireAdmin, requireCustomer } from '../auth/auth.service.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import { parseId } from '../../shared/pagination.js';
import type { OrderService } from '../order/order.service.js';
import type { SeckillAdmitted, SeckillUnitReturned } from './seckill-events.js';
import { SeckillActivity, SeckillOrder, type SeckillActivityRow, type SeckillOrderRow } from './seckill.entity.js';
import { SeckillErrors } from './seckill.errors.js';
import { activityKeys, parseStoredAttempt, type SeckillRedis, type StoredAttempt } from './seckill.scripts.js';
import { SeckillLedger, type ActivityStats, type ReconcileOptions, type ReconcileReport } from './seckill-ledger.js';

export type { ActivityStats, ReconcileReport };

const CLIENT_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const ATTEMPT_ID_PATTERN = /^([1-9]\d{0,9})-(\d{1,12})$/;
/** Input bounds of createSeckillActivity. */
export const MAX_SECKILL_STOCK = 1_000_000;
export const MAX_LIMIT_PER_USER = 100;
const MAX_PRICE_FEN = 100_000_000;
/** The client request id prefix of seckill orders (the order's own resubmit guard keys on it). */
export const SECKILL_CLIENT_REQUEST_PREFIX = 'seckill-';
/** Unknown activity ids are remembered this long, so a flood of them does not reach MySQL (5 s). */
const MISSING_ACTIVITY_TTL_MS = 5_000;
/** How often an open seckillResultChanged re-reads Redis (results written by another instance) (500 ms). */
const RESULT_POLL_MS = 500;
/**
 * At most this many attempts go to Redis in one admission script run: the run blocks Redis for
 * its duration (~5 µs per attempt), so a batch stays well under a millisecond.
 */
const MAX_ADMISSION_BATCH = 128;

interface AdmissionRequest {
  activityId: number;
  userId: number;
  clientRequestId: string;
  clientIp: string;
}

export type AttemptStatus = StoredAttempt['status'];

/** One attempt as the API shows it. `id` is `<activityId>-<n>`; transient refusals (not recorded) have n = 0. */
export interface AttemptView {
  id: string;
  activityId: number;
  status: AttemptStatus;
  reason: string | null;
  orderNo: string | null;
}

export interface SeckillActivityRequest {
  skuId: string | number;
  stock: number;
  priceFen: number;
  startsAt: Date;
  endsAt: Date;
  limitPerUser?: number | null;
}

export interface ActivityView {
  activity: SeckillActivityRow;
  /** Admins only. */
  stats?: ActivityStats;
}




class MysqlSoldOut extends Error {}

export interface SeckillOptions {
  orderConcurrency: number;
  userRateLimit: number;
  ipRateLimit: number;
  rateWindowMs: number;
}

/**
 * Flash sales. Admission is Redis alone (one atomic Lua script run per batch of concurrent attempts, each decided as if alone: see seckill.scripts.ts);
 * admitted attempts leave through the activity's Redis stream (SeckillRelay → TopicSeckillOrder)
 * and become ordinary orders in cg-seckill-order at `orderConcurrency` at a time, behind a
 * conditional MySQL decrement. MySQL never sees an attempt, only the orders.
 */
export class SeckillService {
  private readonly orderSlots: LimitFunction;
  private readonly changes = new EventEmitter();
  private readonly missing = new Map<number, number>();
  private readonly activityCache = new Map<number, Pick<SeckillActivityRow, 'id' | 'skuId' | 'storeId' | 'priceFen'>>();
  private readonly admissions: DataLoader<AdmissionRequest, string[]>;
  private readonly ledger: SeckillLedger;
  private readonly admissionRuns: ReturnType<Metrics['counter']>;

  constructor(
    private readonly deps: {
      orm: OrmHandle;
      redis: SeckillRedis;
      outbox: TransactionalOutbox;
      catalog: CatalogService;
      orders: OrderService;
      metrics: Metrics;
      logger: Logger;
      /** Told of each new activity, so the relay reads its stream at once instead of at its next refresh (worker processes). */
      onActivityCreated?: (activityId: number) => void;
    },
    private readonly options: SeckillOptions,
  ) {
    this.orderSlots = pLimit(options.orderConcurrency);
    this.ledger = new SeckillLedger({ orm: deps.orm, redis: deps.redis, catalog: deps.catalog, logger: deps.logger });
    this.changes.setMaxListeners(0);
    // Attempts that arrive in the same turn of the event loop (from many HTTP requests) share one
    // script run per activity. setImmediate, not the default nextTick: requests read from
    // different sockets in one poll phase land in one batch.
    this.admissionRuns = deps.metrics.counter('seckill_admission_runs_total', 'Admission script runs (each decides a batch of concurrent attempts; compare with seckill_attempts_total)');
    this.admissions = new DataLoader((batch) => this.admitBatch(batch), { cache: false, maxBatchSize: MAX_ADMISSION_BATCH, batchScheduleFn: (run) => setImmediate(run) });
  }

  // ---------------------------------------------------------------- activities

  /**
   * Admin: creates an activity. Its stock moves from the SKU's available stock to reserved in the
   * same transaction as the activity row (CONFLICT/OUT_OF_STOCK if the SKU lacks it), then it is
   * loaded into Redis. If that load fails, admission answers SECKILL_UNAVAILABLE until the sweep
   * loads it.
   */
  async createActivity(ctx: RequestContext, input: SeckillActivityRequest): Promise<ActivityView> {
    requireAdmin(ctx);
    const valid = validateActivity(input);
    const [sku] = await ctx.em.execute<{ product_id: number; store_id: number; status: string }[]>(
      'select p.id as product_id, p.store_id, p.status from sku s join product p on p.id = s.product_id where s.id = ?',
      [valid.skuId],
    );
    if (!sku || sku.status !== 'ON_SALE') throw AppError.notFound(`sku ${valid.skuId} does not exist or is not on sale`, 'SKU_NOT_FOUND');
    const now = new Date();
    const activity = await ctx.em.fork().transactional(async (tx) => {
      try {
        await this.deps.catalog.reserve(tx, [{ skuId: valid.skuId, quantity: valid.stock }]);
      } catch (err) {
        if (err instanceof AppError && err.details.reason === 'OUT_OF_STOCK') throw SeckillErrors.notEnoughStock(valid.skuId);
        throw err;
      }
      const row = {
        skuId: valid.skuId,
        productId: Number(sku.product_id),
        storeId: Number(sku.store_id),
        stock: valid.stock,
        priceFen: valid.priceFen,
        startsAt: valid.startsAt,
        endsAt: valid.endsAt,
        limitPerUser: valid.limitPerUser,
        available: valid.stock,
        ordered: 0,
        returned: 0,
        failed: 0,
        status: 'ACTIVE' as const,
        settledAt: null,
        releasedToSku: 0,
        reconciledAt: null,
        reconcileReport: null,
        createdAt: now,
        updatedAt: now,
      };
      return { ...row, id: Number(await tx.insert(SeckillActivity, row)) } as SeckillActivityRow;
    });
    await this.load(activity).catch((err: Error) => ctx.log.warn({ activityId: activity.id, err: err.message }, 'flash sale not loaded into redis yet; the sweep will load it'));
    this.missing.delete(activity.id);
    this.deps.onActivityCreated?.(activity.id);
    ctx.log.info({ activityId: activity.id, skuId: activity.skuId, stock: activity.stock }, 'flash sale created');
    return { activity, stats: await this.stats(activity) };
  }

  /** Upcoming and running activities, soonest first (public). */
  async listActivities(ctx: RequestContext): Promise<ActivityView[]> {
    const rows = await ctx.em.find(SeckillActivity, { status: 'ACTIVE', endsAt: { $gt: new Date() } }, { orderBy: { startsAt: 'asc', id: 'asc' }, limit: 100 });
    const admin = ctx.viewer?.role === 'admin';
    return Promise.all(rows.map(async (activity) => ({ activity, ...(admin ? { stats: await this.stats(activity) } : {}) })));
  }

  /** One activity; admins also get its Redis and MySQL numbers. */
  async getActivity(ctx: RequestContext, id: string | number): Promise<ActivityView | null> {
    const activityId = parseId(id, 'id');
    const activity = await ctx.em.findOne(SeckillActivity, { id: activityId });
    if (!activity) return null;
    return { activity, ...(ctx.viewer?.role === 'admin' ? { stats: await this.stats(activity) } : {}) };
  }

  // ---------------------------------------------------------------- admission

  /**
   * One flash-sale attempt of the viewer: answered from Redis alone, in one round trip. QUEUED
   * means admitted (an order follows); SOLD_OUT and REJECTED (ENDED, LIMIT_REACHED) are final;
   * REJECTED with NOT_STARTED or RATE_LIMITED is not recorded, so the same clientRequestId may
   * be sent again. Redis unreachable: SERVICE_UNAVAILABLE (retryable, HTTP 503). Nothing was
   * admitted when Redis refused the connection; after a command timeout the script may have run,
   * so the client resends the same clientRequestId and gets that attempt.
   */
  async seckill(ctx: RequestContext, activityIdArg: string | number, clientRequestId: string): Promise<AttemptView> {
    const viewer = requireCustomer(ctx);
    const activityId = parseId(activityIdArg, 'activityId');
    if (!CLIENT_REQUEST_ID_PATTERN.test(String(clientRequestId ?? ''))) {
      throw SeckillErrors.invalid('clientRequestId must be 8..64 characters of A-Z a-z 0-9 _ -', 'clientRequestId', 'INVALID_CLIENT_REQUEST_ID');
    }
    const until = this.missing.get(activityId);
    if (until !== undefined && until > Date.now()) throw SeckillErrors.activityNotFound();
    const outcomes = this.deps.metrics.counter('seckill_attempts_total', 'Flash-sale attempts, by answer', ['outcome']);
    for (let tries = 0; ; tries++) {
      let result: string[];
      try {
        result = await this.admit(activityId, viewer.userId, clientRequestId, ctx.clientIp ?? 'unknown');
      } catch (err) {
        outcomes.inc({ outcome: 'UNAVAILABLE' });
        ctx.log.warn({ activityId, err: (err as Error).message }, 'flash-sale admission refused: redis unavailable');
        throw SeckillErrors.unavailable();
      }
      if (result[0] === 'MISSING') {
        // Not in Redis: unknown, or created while Redis was down (load it now, once).
        if (tries > 0 || !(await this.loadFromMysql(ctx.em, activityId))) {
          outcomes.inc({ outcome: 'UNAVAILABLE' });
          throw SeckillErrors.unavailable();
        }
        continue;
      }
      if (result[0] === 'TRANSIENT') {
        outcomes.inc({ outcome: result[1]! });
        return { id: `${activityId}-0`, activityId, status: 'REJECTED', reason: result[1]!, orderNo: null };
      }
      const stored = parseStoredAttempt(result[2]);
      const view = toView(result[1]!, activityId, stored);
      outcomes.inc({ outcome: result[0] === 'EXISTING' ? 'REPEATED' : view.reason ?? view.status });
      return view;
    }
  }

  /** The admission script's answer for one attempt (also what the benchmark drives without HTTP). */
  admit(activityId: number, userId: number, clientRequestId: string, clientIp: string): Promise<string[]> {
    return this.admissions.load({ activityId, userId, clientRequestId, clientIp });
  }

  /** One script run per activity in the batch; a failed run fails its attempts only (Redis down: all). */
  private async admitBatch(batch: readonly AdmissionRequest[]): Promise<Array<string[] | Error>> {
    const byActivity = new Map<number, number[]>();
    batch.forEach((request, i) => {
      const positions = byActivity.get(request.activityId);
      if (positions) positions.push(i);
      else byActivity.set(request.activityId, [i]);
    });
    const results: Array<string[] | Error> = new Array(batch.length);
    await Promise.all(
      [...byActivity].map(async ([activityId, positions]) => {
        const k = activityKeys(activityId);
        const keys = [k.meta, k.stock, k.users, k.requests, k.attempts, k.queue];
        const args: (string | number)[] = [activityId, Date.now(), this.options.userRateLimit, this.options.ipRateLimit, this.options.rateWindowMs, positions.length];
        for (const i of positions) {
          const { userId, clientRequestId, clientIp } = batch[i]!;
          keys.push(k.userRate(userId), k.ipRate(clientIp));
          args.push(userId, clientRequestId);
        }
        this.admissionRuns.inc();
        try {
          const answers = await this.deps.redis.seckillAdmitBatch(keys.length, ...keys, ...args);
          positions.forEach((i, n) => (results[i] = answers[n] ?? new Error('the admission script answered fewer attempts than it was given')));
        } catch (err) {
          for (const i of positions) results[i] = err instanceof Error ? err : new Error(String(err));
        }
      }),
    );
    return results;
  }

  /** True when the activity exists, is ACTIVE and is now in Redis; remembers unknown ids for a while. */
  private async loadFromMysql(em: EntityManager, activityId: number): Promise<boolean> {
    const activity = await em.fork().findOne(SeckillActivity, { id: activityId });
    if (!activity) {
      this.missing.set(activityId, Date.now() + MISSING_ACTIVITY_TTL_MS);
      if (this.missing.size > 10_000) this.missing.clear();
      throw SeckillErrors.activityNotFound();
    }
    if (activity.status !== 'ACTIVE') {
      // Settled: its keys expired. The sale is over; answer as the script would.
      throw SeckillErrors.invalid('this flash sale has ended', 'activityId', 'ENDED');
    }
    await this.load(activity).catch(() => undefined);
    return true;
  }

  // ---------------------------------------------------------------- results

  /** The viewer's attempt, or null (unknown, or another user's). */
  async result(ctx: RequestContext, attemptId: string): Promise<AttemptView | null> {
    const viewer = requireCustomer(ctx);
    const parsed = parseAttemptId(attemptId);
    if (!parsed) throw SeckillErrors.invalid('attemptId is not an attempt id', 'attemptId', 'INVALID_ATTEMPT_ID');
    if (parsed.n === 0) return null;
    let stored: StoredAttempt | null;
    try {
      stored = await this.readAttempt(parsed.activityId, attemptId);
    } catch {
      // Redis down: MySQL knows every attempt that reached the order consumer.
      const row = await ctx.em.findOne(SeckillOrder, { attemptId, userId: viewer.userId });
      if (!row) throw SeckillErrors.unavailable();
      return mysqlView(row);
    }
    if (!stored || stored.userId !== viewer.userId) return null;
    return toView(attemptId, parsed.activityId, stored);
  }

  private async readAttempt(activityId: number, attemptId: string): Promise<StoredAttempt | null> {
    return parseStoredAttempt(await this.deps.redis.hget(activityKeys(activityId).attempts, attemptId));
  }

  /**
   * seckillResultChanged: the viewer's attempt each time its status changes, ending with its final
   * status (at once if it already has one). Fed by this instance's consumer, and by a Redis read
   * every 500 ms for results another instance wrote.
   */
  async watch(ctx: RequestContext, attemptId: string): Promise<AsyncIterable<AttemptView>> {
    const first = await this.result(ctx, attemptId);
    if (!first) throw SeckillErrors.attemptNotFound();
    const parsed = parseAttemptId(attemptId)!;
    const read = async () => {
      const stored = await this.readAttempt(parsed.activityId, attemptId).catch(() => null);
      return stored ? toView(attemptId, parsed.activityId, stored) : null;
    };
    return resultStream(this.changes, first, read);
  }

  // ---------------------------------------------------------------- order creation (cg-seckill-order)

  /**
   * Turns one admitted attempt into an ordinary order, at most `orderConcurrency` at a time in
   * this process. Idempotent per attempt (seckill_order.attempt_id is unique, and the order's own
   * (user, clientRequestId) index). The activity's conditional decrement is the last guard: when
   * MySQL has no unit left, the attempt ends SOLD_OUT and no order is created.
   */
  placeOrder(em: EntityManager, log: Logger, message: SeckillAdmitted): Promise<'ordered' | 'sold-out' | 'duplicate'> {
    return this.orderSlots(() => this.placeOrderNow(em, log, message));
  }

  private async placeOrderNow(em: EntityManager, log: Logger, message: SeckillAdmitted): Promise<'ordered' | 'sold-out' | 'duplicate'> {
    const { attemptId, activityId, userId } = message;
    const done = await em.fork().findOne(SeckillOrder, { attemptId });
    if (done) {
      // A redelivery (or a crash before Redis heard of it): tell Redis again.
      await this.settleAttempt(activityId, attemptId, done.status === 'SOLD_OUT' ? 'SOLD_OUT' : 'ORDERED', done.orderNo ?? null);
      return 'duplicate';
    }
    const activity = await this.activityForOrders(em, activityId);
    const writes = this.deps.metrics.counter('seckill_mysql_writes_total', 'Flash-sale order transactions committed in MySQL', ['outcome']);
    try {
      const view = await this.deps.orders.placeHeldOrder(
        em.fork(),
        log,
        { userId, storeId: activity.storeId, skuId: activity.skuId, unitPriceFen: activity.priceFen, clientRequestId: `${SECKILL_CLIENT_REQUEST_PREFIX}${attemptId}` },
        async (tx, orderNo) => {
          const r = await tx.execute<{ affectedRows: number }>(
            "update `seckill_activity` set `available` = `available` - 1, `ordered` = `ordered` + 1, `updated_at` = ? where `id` = ? and `status` = 'ACTIVE' and `available` > 0",
            [new Date(), activityId],
            'run',
          );
          if (r.affectedRows !== 1) throw new MysqlSoldOut();
          const now = new Date();
          await tx.insert(SeckillOrder, { attemptId, activityId, userId, orderNo, status: 'ORDERED', createdAt: now, updatedAt: now });
        },
      );
      writes.inc({ outcome: 'ordered' });
      log.info({ attemptId, orderNo: view.order.orderNo }, 'flash-sale order created');
      await this.settleAttempt(activityId, attemptId, 'ORDERED', view.order.orderNo);
      return 'ordered';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      if (!(err instanceof MysqlSoldOut)) throw err;
    }
    // Redis admitted more than MySQL holds (Redis lost data, or was loaded twice): MySQL wins.
    try {
      await em.fork().transactional(async (tx) => {
        const now = new Date();
        await tx.insert(SeckillOrder, { attemptId, activityId, userId, orderNo: null, status: 'SOLD_OUT', createdAt: now, updatedAt: now });
        await tx.execute('update `seckill_activity` set `failed` = `failed` + 1, `updated_at` = ? where `id` = ?', [now, activityId], 'run');
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
    writes.inc({ outcome: 'sold-out' });
    log.error({ attemptId, activityId }, 'redis admitted a flash-sale attempt that mysql had no unit for; it ends SOLD_OUT');
    await this.settleAttempt(activityId, attemptId, 'SOLD_OUT', null);
    return 'sold-out';
  }

  /** Writes the consumer's outcome to Redis (throws if Redis is down: the message then retries and lands on the duplicate path). */
  private async settleAttempt(activityId: number, attemptId: string, status: 'ORDERED' | 'SOLD_OUT', orderNo: string | null): Promise<void> {
    await this.deps.redis.seckillSettleAttempt(activityKeys(activityId).attempts, attemptId, status, orderNo ?? '');
    this.changes.emit(attemptId);
  }

  private async activityForOrders(em: EntityManager, activityId: number) {
    const cached = this.activityCache.get(activityId);
    if (cached) return cached;
    const row = await em.fork().findOne(SeckillActivity, { id: activityId }, { fields: ['id', 'skuId', 'storeId', 'priceFen'] });
    if (!row) throw new Error(`flash sale ${activityId} does not exist`);
    const value = { id: row.id, skuId: row.skuId, storeId: row.storeId, priceFen: row.priceFen };
    this.activityCache.set(activityId, value);
    return value;
  }

  // ---------------------------------------------------------------- returns (order cancel path)

  /** cg-seckill-return: the unit of a cancelled seckill order goes back to Redis's stock, once per attempt. */
  async returnUnit(log: Logger, message: SeckillUnitReturned): Promise<void> {
    const k = activityKeys(message.activityId);
    const r = await this.deps.redis.seckillReturnUnit(k.meta, k.stock, k.returned, message.attemptId);
    log.info({ attemptId: message.attemptId, orderNo: message.orderNo, outcome: r === 1 ? 'returned' : r === 0 ? 'already-returned' : 'not-loaded' }, 'flash-sale unit returned to redis');
  }

  // ---------------------------------------------------------------- numbers, reconciliation (SeckillLedger)

  /** Loads an activity into Redis if it is not there (never overwrites a running sale). True when it loaded now. */
  load(activity: SeckillActivityRow): Promise<boolean> {
    return this.ledger.load(activity);
  }

  /** Redis and MySQL numbers of one activity, read now. */
  stats(activity: SeckillActivityRow): Promise<ActivityStats> {
    return this.ledger.stats(activity);
  }

  reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport[]> {
    return this.ledger.reconcile(options);
  }
}

/** ACTIVE activity ids (the relay reads their streams). */
export async function activeActivityIds(orm: OrmHandle): Promise<number[]> {
  const rows = await orm.em.fork().find(SeckillActivity, { status: 'ACTIVE' }, { fields: ['id'] });
  return rows.map((r) => r.id);
}

function toView(id: string, activityId: number, stored: StoredAttempt | null): AttemptView {
  return { id, activityId, status: stored?.status ?? 'QUEUED', reason: stored?.reason ?? null, orderNo: stored?.orderNo ?? null };
}

function mysqlView(row: SeckillOrderRow): AttemptView {
  return { id: row.attemptId, activityId: row.activityId, status: row.status === 'SOLD_OUT' ? 'SOLD_OUT' : 'ORDERED', reason: row.status === 'SOLD_OUT' ? 'SOLD_OUT' : null, orderNo: row.orderNo ?? null };
}

export function parseAttemptId(attemptId: string): { activityId: number; n: number } | null {
  const m = ATTEMPT_ID_PATTERN.exec(String(attemptId ?? ''));
  return m ? { activityId: Number(m[1]), n: Number(m[2]) } : null;
}

interface ValidActivity {
  skuId: number;
  stock: number;
  priceFen: number;
  startsAt: Date;
  endsAt: Date;
  limitPerUser: number;
}

/** Checks createSeckillActivity's input; BAD_USER_INPUT naming the field otherwise. */
export function validateActivity(input: SeckillActivityRequest, now = new Date()): ValidActivity {
  const skuId = parseId(input.skuId, 'skuId');
  const int = (value: unknown, field: string, min: number, max: number) => {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw SeckillErrors.invalid(`${field} must be an integer in ${min}..${max}`, field);
    return value as number;
  };
  const stock = int(input.stock, 'stock', 1, MAX_SECKILL_STOCK);
  const priceFen = int(input.priceFen, 'priceFen', 1, MAX_PRICE_FEN);
  const limitPerUser = int(input.limitPerUser ?? 1, 'limitPerUser', 1, MAX_LIMIT_PER_USER);
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  if (Number.isNaN(startsAt.getTime())) throw SeckillErrors.invalid('startsAt is not a date', 'startsAt');
  if (Number.isNaN(endsAt.getTime()) || endsAt <= startsAt) throw SeckillErrors.invalid('endsAt must be after startsAt', 'endsAt', 'INVALID_WINDOW');
  if (endsAt <= now) throw SeckillErrors.invalid('endsAt is in the past', 'endsAt', 'INVALID_WINDOW');
  return { skuId, stock, priceFen, startsAt, endsAt, limitPerUser };
}

const FINAL: readonly AttemptStatus[] = ['ORDERED', 'SOLD_OUT', 'REJECTED'];

/**
 * The stream behind seckillResultChanged, written by hand (not an async generator, whose
 * `return()` would wait behind a pending `next()`): the first value is the current state, then
 * each change, and it ends after a final status.
 */
function resultStream(changes: EventEmitter, first: AttemptView, read: () => Promise<AttemptView | null>): AsyncIterableIterator<AttemptView> {
  let last: AttemptView | null = null;
  let closed = false;
  let wake: (() => void) | null = null;
  const onChange = () => wake?.();
  changes.on(first.id, onChange);
  const close = () => {
    closed = true;
    changes.off(first.id, onChange);
    wake?.();
  };
  const iterator: AsyncIterableIterator<AttemptView> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      if (!last) {
        last = first;
        return { done: false, value: first };
      }
      while (!closed && !FINAL.includes(last.status)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RESULT_POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        if (closed) break;
        const now = await read();
        if (now && (now.status !== last.status || now.orderNo !== last.orderNo)) {
          last = now;
          return { done: false, value: now };
        }
      }
      close();
      return { done: true, value: undefined };
    },
    return: async () => {
      close();
      return { done: true, value: undefined };
    },
    throw: async (err?: unknown) => {
      close();
      throw err;
    },
  };
  return iterator;
}
