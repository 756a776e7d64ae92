import type { EntityManager } from '@mikro-orm/mysql';
import pLimit, { type LimitFunction } from 'p-limit';
import type { OrmHandle } from '../../infra/db/orm.js';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import { Order } from './order.entity.js';
import type { OrderService } from './order.service.js';
import type { OrderPaymentTimedOut } from './order-timeout-events.js';
import type { PaymentStatusProbe } from './payment-status.port.js';

/** The sweep leaves orders this recently expired to their delay message (30 s). */
export const DEFAULT_SWEEP_GRACE_MS = 30_000;
/** Orders the sweep handles per query. */
const SWEEP_BATCH_SIZE = 200;
/** A delay message that arrives this little before the deadline (clock skew) waits in place instead of retrying (5 s). */
const EARLY_DELIVERY_WAIT_MS = 5_000;

/** What closing one unpaid order came to. */
export type CloseOutcome = 'cancelled' | 'not-pending' | 'missing' | 'not-expired' | 'paid' | 'unknown';

/**
 * Closes unpaid orders past their deadline: the TopicOrderTimeout consumer's handler and the
 * reconciliation sweep. Asks the payment probe (WeChat Pay's query-order) before closing an
 * order whose owner asked for a prepay, at most `probeConcurrency` at a time.
 */
export class UnpaidOrderCloser {
  private readonly probeSlots: LimitFunction;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly deps: {
      orm: OrmHandle;
      outbox: TransactionalOutbox;
      orders: OrderService;
      /** "Did the user pay after all?": the payment module's (WeChat Pay's query-order). */
      readonly probe: PaymentStatusProbe;
      metrics: Metrics;
      logger: Logger;
    },
    private readonly options: { sweepGraceMs?: number; probeConcurrency?: number } = {},
  ) {
    this.probeSlots = pLimit(options.probeConcurrency ?? 64);
  }

  /**
   * Closes one order if it is still PENDING_PAYMENT past its deadline and not paid (reason
   * PAYMENT_TIMEOUT; stock and coupon return). An order whose owner never asked for a prepay
   * cannot have been paid and closes at once; otherwise WeChat Pay is asked first (the payment
   * probe). Used by the timeout consumer and the sweep; safe to run concurrently from several
   * instances.
   */
  async closeIfUnpaid(em: EntityManager, log: Logger, orderNo: string, now = new Date()): Promise<CloseOutcome> {
    const outcome = await this.closeOnce(em, log, orderNo, now);
    if (outcome !== 'prepay-requested') return outcome;
    // The unprobed close failed: a prepay was asked for since the read (or the order moved).
    // Judge again on a fresh read (a fork: nothing of the first read is reused), which probes.
    // Once is enough: a prepay request is never undone.
    const again = await this.closeOnce(em.fork(), log, orderNo, now);
    return again === 'prepay-requested' ? 'not-pending' : again;
  }

  private async closeOnce(em: EntityManager, log: Logger, orderNo: string, now: Date): Promise<CloseOutcome | 'prepay-requested'> {
    const view = await this.deps.orders.findByOrderNo(em, orderNo);
    if (!view) return 'missing';
    const { order } = view;
    if (order.status !== 'PENDING_PAYMENT') return 'not-pending';
    if (order.expiresAt > now) return 'not-expired';
    const probed = Boolean(order.prepayRequestedAt);
    if (probed) {
      // Never inside a DB transaction: this calls WeChat Pay.
      const paid = await this.probeSlots(() => this.deps.probe.check({ orderNo, userId: order.userId, payableFen: order.payableFen }));
      if (paid === 'PAID') {
        log.warn({ orderNo }, 'unpaid order past its deadline was paid according to the payment provider; left open');
        return 'paid';
      }
      if (paid === 'UNKNOWN') return 'unknown';
    }
    const cancelled = await this.deps.outbox.transactional(em, (tx, emit) =>
      this.deps.orders.cancelInTransaction(tx, emit, orderNo, 'PAYMENT_TIMEOUT', { expiredAtOrBefore: now, withoutPrepay: !probed }, view),
    );
    if (!cancelled) return probed ? 'not-pending' : 'prepay-requested';
    log.info({ orderNo, lateMs: now.getTime() - order.expiresAt.getTime(), probed }, 'unpaid order closed');
    return 'cancelled';
  }

  /**
   * Handles a TopicOrderTimeout delivery. A message that arrives a little early (clock skew)
   * waits for the deadline; one that cannot be decided now throws so the broker redelivers it.
   */
  async handleTimeout(em: EntityManager, log: Logger, message: OrderPaymentTimedOut): Promise<CloseOutcome> {
    let outcome = await this.closeIfUnpaid(em, log, message.orderNo);
    if (outcome === 'not-expired') {
      const order = await em.findOne(Order, { orderNo: message.orderNo });
      const waitMs = order ? order.expiresAt.getTime() - Date.now() : 0;
      if (waitMs > EARLY_DELIVERY_WAIT_MS) throw new Error(`order ${message.orderNo} timeout arrived ${waitMs} ms early; retry later`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs) + 1));
      outcome = await this.closeIfUnpaid(em, log, message.orderNo);
    }
    if (outcome === 'unknown' || outcome === 'not-expired') throw new Error(`order ${message.orderNo}: payment status unknown; retry later`);
    return outcome;
  }

  /**
   * Reconciliation: closes every PENDING_PAYMENT order whose deadline passed more than the grace
   * period ago (its delay message was lost or failed), through the (status, expires_at) index.
   * Counts closures in `order_sweep_closed_total`. Returns how many it closed. Concurrent runs
   * in one process share one pass; across instances the conditional updates keep it safe.
   */
  sweep(options: { now?: Date; graceMs?: number; em?: EntityManager } = {}): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.sweeping ??= this.runSweep(options).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Stops future sweeps and waits for a running one (module shutdown). */
  async stopSweeping(): Promise<void> {
    this.stopped = true;
    await this.sweeping;
  }

  private async runSweep(options: { now?: Date; graceMs?: number; em?: EntityManager }): Promise<number> {
    const log = this.deps.logger.child({ component: 'order-sweep' });
    const now = options.now ?? new Date();
    const cutoff = new Date(now.getTime() - (options.graceMs ?? this.options.sweepGraceMs ?? DEFAULT_SWEEP_GRACE_MS));
    const em = options.em ?? this.deps.orm.em.fork();
    const closed = this.deps.metrics.counter('order_sweep_closed_total', 'Unpaid orders closed by the reconciliation sweep (their delay message did not)');
    const skipped = new Set<string>();
    let total = 0;
    try {
      for (;;) {
        const rows = await em.fork().find(
          Order,
          { status: 'PENDING_PAYMENT', expiresAt: { $lt: cutoff }, ...(skipped.size > 0 ? { orderNo: { $nin: [...skipped] } } : {}) },
          { orderBy: { expiresAt: 'asc' }, limit: SWEEP_BATCH_SIZE, fields: ['orderNo'] },
        );
        for (const row of rows) {
          const outcome = await this.closeIfUnpaid(em.fork(), log, row.orderNo, now).catch((err: Error) => {
            log.warn({ orderNo: row.orderNo, err: err.message }, 'sweep could not close an order');
            return 'unknown' as const;
          });
          if (outcome === 'cancelled') {
            total++;
            closed.inc();
          } else if (outcome !== 'not-pending') {
            skipped.add(row.orderNo);
          }
        }
        if (rows.length < SWEEP_BATCH_SIZE) break;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'order sweep failed');
    }
    if (total > 0) log.warn({ closed: total }, 'sweep closed unpaid orders whose delay message did not');
    return total;
  }
}
