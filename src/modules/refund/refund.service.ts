import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import type { OrmHandle } from '../../infra/db/orm.js';
import type { Envelope, MessageBus, OutgoingMessage, TransactionDecision } from '../../infra/mq/message-bus.port.js';
import type { Emit, TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RefundResource, RefundResult, WechatPay } from '../../infra/wechat/pay/wechat-pay.port.js';
import type { RequestContext, WorkContext } from '../../shared/context.js';
import { AppError, isConnectionError, isDuplicateKeyError } from '../../shared/errors.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { CouponService } from '../coupon/coupon.service.js';
import type { OrderStatus } from '../order/order-events.js';
import type { OrderService } from '../order/order.service.js';
import type { PaymentLedger, RecordedPayment } from '../payment/payment-ledger.js';
import { DEFAULT_CHECK_ROLLBACK_AFTER_MS, InflightTransactions, decide } from './transaction-check.js';
import type { OrderRefundRequested } from './refund-events.js';
import { Refund, type RefundRow, type RefundSource } from './refund.entity.js';
import { MAX_REFUND_REASON_LENGTH, RefundErrors } from './refund.errors.js';

/** Order states a user may ask a refund from. */
export const REFUNDABLE_STATUSES: readonly OrderStatus[] = ['PAID', 'SHIPPED', 'COMPLETED'];
/** After WeChat accepted a refund, how long the refund-pay consumer waits before asking once more (1 s). */
export const DEFAULT_REFUND_POLL_DELAY_MS = 1_000;
/** PROCESSING refunds older than this are asked about by the sweep (30 s). */
export const DEFAULT_REFUND_SWEEP_AGE_MS = 30_000;

export interface RefundServiceDeps {
  orm: OrmHandle;
  bus: MessageBus;
  outbox: TransactionalOutbox;
  orders: OrderService;
  /** The payment module's reads (the payment that paid an order). */
  payments: Pick<PaymentLedger, 'appliedPaymentOf'>;
  coupons: CouponService;
  pay: WechatPay;
  logger: Logger;
  metrics: Metrics;
}

/** What a verified REFUND.* notification came to. */
export type RefundNotificationOutcome = 'handled' | 'unknown' | 'amount-mismatch';

/** Our out_refund_no for a payment: one refund per payment, whoever asks and however often. */
export function refundNoFor(transactionId: string): string {
  return `RF${transactionId}`;
}

/**
 * Refunds. Asking one is a transactional message: the half message on TopicOrderRefund goes
 * first (if the broker is down, nothing happens and the user gets SERVICE_UNAVAILABLE), then
 * one DB transaction (refund row + order → REFUNDING + its status event), then commit; the
 * check-back answers from the refund row. Consumers return the money (WeChat Pay), the coupon
 * and the points; REFUND.SUCCESS (notification, poll or sweep) completes it (→ REFUNDED).
 */
export class RefundService {
  readonly inflight = new InflightTransactions();
  checkRollbackAfterMs = DEFAULT_CHECK_ROLLBACK_AFTER_MS;
  pollDelayMs = DEFAULT_REFUND_POLL_DELAY_MS;
  private readonly log: Logger;

  constructor(private readonly deps: RefundServiceDeps) {
    this.log = deps.logger.child({ module: 'refund' });
  }

  /** The owner asks for a full refund of a PAID, SHIPPED or COMPLETED order. Asking again returns the same refund. */
  async requestRefund(ctx: RequestContext, orderNo: string, reason: string): Promise<RefundRow> {
    const viewer = requireCustomer(ctx);
    const why = String(reason ?? '').trim();
    if (why.length < 1 || [...why].length > MAX_REFUND_REASON_LENGTH) throw RefundErrors.invalidReason();
    const view = await this.deps.orders.findByOrderNo(ctx.em, String(orderNo));
    if (!view || view.order.userId !== viewer.userId) throw RefundErrors.orderNotFound();
    const { order } = view;
    const payment = await this.deps.payments.appliedPaymentOf(ctx.em, order.orderNo);
    const already = payment && (await ctx.em.findOne(Refund, { refundNo: refundNoFor(payment.transactionId) }));
    if (already) return already;
    if (!REFUNDABLE_STATUSES.includes(order.status)) throw RefundErrors.notRefundable(order.status);
    if (!payment) throw RefundErrors.noPayment();

    const message = refundMessage({
      refundNo: refundNoFor(payment.transactionId),
      orderNo: order.orderNo,
      userId: order.userId,
      transactionId: payment.transactionId,
      amountFen: payment.amountFen,
      totalFen: payment.amountFen,
      source: 'USER',
      reason: why,
      userCouponId: order.userCouponId ?? null,
    });
    const refund = await this.publish(ctx, message, async (tx, emit) => {
      const moved = await this.deps.orders.transition(tx, emit, order.orderNo, REFUNDABLE_STATUSES, 'REFUNDING', { userId: viewer.userId, reason: 'REFUND_REQUESTED' });
      if (!moved) {
        const now = await this.deps.orders.findByOrderNo(tx.fork(), order.orderNo);
        throw RefundErrors.notRefundable(now?.order.status ?? order.status);
      }
    });
    ctx.log.info({ orderNo: order.orderNo, refundNo: refund.refundNo, amountFen: refund.amountFen }, 'refund requested');
    return refund;
  }

  /** Money for an order that could not take it (payment module hook): refunded without touching the order. Idempotent. */
  async refundUnappliedPayment(ctx: WorkContext, payment: RecordedPayment): Promise<void> {
    const refundNo = refundNoFor(payment.transactionId);
    if (await ctx.em.fork().findOne(Refund, { refundNo })) return;
    await this.publish(ctx, refundMessage({
      refundNo,
      orderNo: payment.orderNo,
      userId: payment.userId,
      transactionId: payment.transactionId,
      amountFen: payment.amountFen,
      totalFen: payment.amountFen,
      source: 'LATE_PAYMENT',
      reason: 'payment arrived for an order that could not take it',
      userCouponId: null,
    }));
    ctx.log.warn({ orderNo: payment.orderNo, refundNo }, 'automatic refund of an unapplied payment started');
  }

  /**
   * Half message, then the local transaction (refund row + `extra`), then commit/rollback. A
   * half message that cannot be sent surfaces as SERVICE_UNAVAILABLE with nothing changed; a
   * concurrent request for the same refund returns the refund that won.
   */
  private async publish(
    { em, log }: WorkContext,
    message: OutgoingMessage<OrderRefundRequested>,
    extra?: (tx: EntityManager, emit: Emit) => Promise<void>,
  ): Promise<RefundRow> {
    const data = message.data;
    let localStarted = false;
    try {
      return await this.inflight.run(data.refundNo, () =>
        // The local transaction runs only once the half message is stored: with the broker down, nothing is written.
        this.deps.bus.publishTransactional(message, async () => {
          localStarted = true;
          return this.deps.outbox.transactional(em.fork(), async (tx, emit) => {
            const row = tx.create(Refund, {
              refundNo: data.refundNo,
              orderNo: data.orderNo,
              userId: data.userId,
              transactionId: data.transactionId,
              amountFen: data.amountFen,
              totalFen: data.totalFen,
              reason: data.reason.slice(0, MAX_REFUND_REASON_LENGTH),
              source: data.source,
              status: 'PROCESSING',
              wxRefundId: null,
              succeededAt: null,
            });
            await tx.flush();
            await extra?.(tx, emit);
            return row;
          });
        }, { outcome: (err) => this.outcomeAfterError(data.refundNo, err) }),
      );
    } catch (err) {
      if (!localStarted) {
        log.error({ refundNo: data.refundNo, orderNo: data.orderNo, err: (err as Error).message }, 'refund half message could not be sent; nothing changed');
        this.deps.metrics.counter('refund_unavailable_total', 'Refund requests refused because the broker was unreachable').inc();
        throw err instanceof AppError ? err : RefundErrors.brokerUnavailable();
      }
      // Whatever threw (a duplicate from a concurrent request, or a COMMIT whose answer was
      // lost): if the row is there, the refund exists and its message is committed.
      const committed = await em
        .fork()
        .findOne(Refund, { refundNo: data.refundNo })
        .catch(() => undefined);
      if (committed) {
        if (!isDuplicateKeyError(err)) log.warn({ refundNo: data.refundNo, err: (err as Error).message }, 'refund transaction reported an error but committed');
        return committed;
      }
      if (err instanceof AppError) throw err;
      if (committed === undefined || isConnectionError(err)) throw RefundErrors.databaseUnavailable();
      throw err;
    }
  }

  /**
   * The refund's local transaction threw: did it commit? A duplicate key means another request's
   * row won (its own message covers it); otherwise the row decides. A failed lookup is 'unknown':
   * the check-back asks again later.
   */
  private async outcomeAfterError(refundNo: string, err: unknown): Promise<TransactionDecision> {
    if (isDuplicateKeyError(err)) return 'rollback';
    const row = await this.deps.orm.em.fork().findOne(Refund, { refundNo });
    return row ? 'commit' : 'rollback';
  }

  /** Check-back of TopicOrderRefund: commit iff the refund row committed. */
  async checkRefund(envelope: Envelope): Promise<TransactionDecision> {
    const data = envelope.data as Partial<OrderRefundRequested> | undefined;
    const refundNo = data?.refundNo ?? envelope.key;
    if (!refundNo) return 'rollback';
    const inflight = this.inflight.has(refundNo);
    const row = await this.deps.orm.em.fork().transactional((tx) => tx.findOne(Refund, { refundNo }, { lockMode: LockMode.PESSIMISTIC_READ }));
    return decide(row !== null, inflight, envelope.producedAt, this.checkRollbackAfterMs);
  }

  // ---------------------------------------------------------------- consumers' work

  /**
   * cg-refund-pay: asks WeChat Pay for the money back (idempotent by out_refund_no), then
   * completes the refund if WeChat already reports SUCCESS, after one short wait and query
   * otherwise; the REFUND.SUCCESS notification or the sweep completes the rest.
   */
  async executeRefund(em: EntityManager, log: Logger, event: OrderRefundRequested): Promise<'done' | 'duplicate'> {
    const refund = await em.findOne(Refund, { refundNo: event.refundNo });
    if (!refund) throw new Error(`refund ${event.refundNo} not found`);
    if (refund.status !== 'PROCESSING') return 'duplicate';
    const result = await this.deps.pay.refund({
      outTradeNo: refund.orderNo,
      outRefundNo: refund.refundNo,
      reason: refund.reason.slice(0, 80),
      refundFen: refund.amountFen,
      totalFen: refund.totalFen,
    });
    if (refund.wxRefundId !== result.refundId) {
      await em.getConnection().execute('update `refund` set `wx_refund_id` = ?, `updated_at` = ? where `refund_no` = ?', [result.refundId, new Date(), refund.refundNo], 'run');
    }
    log.info({ refundNo: refund.refundNo, wxStatus: result.status }, 'WeChat Pay accepted the refund');
    await this.settle(refund.refundNo, result, log);
    if (result.status === 'PROCESSING' && this.pollDelayMs > 0) {
      await new Promise((r) => setTimeout(r, this.pollDelayMs));
      await this.settle(refund.refundNo, await this.deps.pay.queryRefund(refund.refundNo), log);
    }
    return 'done';
  }

  /** Applies WeChat's view of a refund: SUCCESS completes it, CLOSED/ABNORMAL fails it, PROCESSING waits. */
  private async settle(refundNo: string, result: Pick<RefundResult, 'status' | 'successTime'>, log: Logger): Promise<boolean> {
    if (result.status === 'SUCCESS') return this.complete(refundNo, result.successTime, log);
    if (result.status === 'CLOSED' || result.status === 'ABNORMAL') {
      const r = await this.deps.orm.em
        .fork()
        .getConnection()
        .execute<{ affectedRows: number }>("update `refund` set `status` = 'FAILED', `updated_at` = ? where `refund_no` = ? and `status` = 'PROCESSING'", [new Date(), refundNo], 'run');
      if (r.affectedRows === 1) {
        log.error({ refundNo, wxStatus: result.status }, 'WeChat Pay could not refund; needs a person');
        this.deps.metrics.counter('refund_failed_total', 'Refunds WeChat Pay closed or marked abnormal').inc();
      }
    }
    return false;
  }

  /** PROCESSING → SUCCESS, and for a user refund REFUNDING → REFUNDED, in one outbox transaction; a replay is a no-op. */
  async complete(refundNo: string, successTime: string | undefined, log: Logger): Promise<boolean> {
    const done = await this.deps.outbox.transactional(this.deps.orm.em.fork(), async (tx, emit) => {
      const refund = await tx.findOne(Refund, { refundNo }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!refund || refund.status !== 'PROCESSING') return false;
      const at = successTime && !Number.isNaN(Date.parse(successTime)) ? new Date(successTime) : new Date();
      await tx.execute("update `refund` set `status` = 'SUCCESS', `succeeded_at` = ?, `updated_at` = ? where `id` = ? and `status` = 'PROCESSING'", [at, new Date(), refund.id], 'run');
      if (refund.source === 'USER') {
        const moved = await this.deps.orders.transition(tx, emit, refund.orderNo, ['REFUNDING'], 'REFUNDED', { reason: 'REFUNDED' });
        if (!moved) log.warn({ refundNo, orderNo: refund.orderNo }, 'refund succeeded but the order was not REFUNDING');
      }
      return true;
    });
    if (done) {
      log.info({ refundNo }, 'refund completed');
      this.deps.metrics.counter('refund_completed_total', 'Refunds WeChat Pay reported successful').inc();
    }
    return done;
  }

  /**
   * A verified REFUND.* notification (the pay-notify route answers WeChat from the outcome):
   * 'unknown' and 'amount-mismatch' change nothing.
   */
  async handleRefundNotification({ em, log }: WorkContext, resource: RefundResource): Promise<RefundNotificationOutcome> {
    const refund = await em.findOne(Refund, { refundNo: resource.out_refund_no });
    if (!refund || refund.orderNo !== resource.out_trade_no) {
      log.warn({ refundNo: resource.out_refund_no }, 'refund notification for an unknown refund');
      return 'unknown';
    }
    if (resource.amount?.refund !== refund.amountFen) {
      log.error({ refundNo: refund.refundNo, amountFen: resource.amount?.refund, expected: refund.amountFen }, 'refund notification amount does not match');
      return 'amount-mismatch';
    }
    await this.settle(refund.refundNo, { status: resource.refund_status, successTime: resource.success_time }, log);
    return 'handled';
  }

  /** cg-coupon-refund: the coupon the order used becomes available again (conditional: a replay changes nothing). */
  async returnCoupon(em: EntityManager, event: OrderRefundRequested): Promise<boolean> {
    if (event.userCouponId === null || event.userCouponId === undefined) return false;
    return this.deps.coupons.releaseForOrder(em, event.userCouponId, event.orderNo);
  }

  /**
   * Reconciliation: asks WeChat about refunds that stayed PROCESSING (lost notification), and
   * announces again the refunds WeChat never heard of (no refund id: their message was lost or
   * rolled back although the row committed). Returns how many completed or were re-announced.
   */
  async sweep(now = new Date(), ageMs = DEFAULT_REFUND_SWEEP_AGE_MS): Promise<number> {
    const log = this.log.child({ component: 'refund-sweep' });
    let completed = 0;
    try {
      const orphans = await this.deps.orm.em.fork().find(Refund, { status: 'PROCESSING', wxRefundId: null, updatedAt: { $lt: new Date(now.getTime() - ageMs) } }, { limit: 100, orderBy: { id: 'asc' } });
      for (const row of orphans) {
        if (await this.reannounce(row, log).catch((err: Error) => log.warn({ refundNo: row.refundNo, err: err.message }, 'refund could not be announced again'))) completed++;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'refund sweep (unannounced refunds) failed');
    }
    try {
      const rows = await this.deps.orm.em.fork().find(Refund, { status: 'PROCESSING', wxRefundId: { $ne: null }, updatedAt: { $lt: new Date(now.getTime() - ageMs) } }, { limit: 100, orderBy: { id: 'asc' } });
      for (const row of rows) {
        const result = await this.deps.pay.queryRefund(row.refundNo).catch((err: Error) => {
          log.warn({ refundNo: row.refundNo, err: err.message }, 'refund query failed');
          return undefined;
        });
        if (result && (await this.settle(row.refundNo, result, log))) completed++;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'refund sweep failed');
    }
    return completed;
  }

  /**
   * Publishes the refund message again for a committed refund WeChat has no id for. The local step
   * touches the row (so the next sweep waits another age) only while it still has no refund id;
   * consumers are idempotent per refundNo, so a message that was merely slow changes nothing.
   */
  private async reannounce(row: RefundRow, log: Logger): Promise<boolean> {
    const view = row.source === 'USER' ? await this.deps.orders.findByOrderNo(this.deps.orm.em.fork(), row.orderNo) : null;
    const message = refundMessage({
      refundNo: row.refundNo,
      orderNo: row.orderNo,
      userId: row.userId,
      transactionId: row.transactionId,
      amountFen: row.amountFen,
      totalFen: row.totalFen,
      source: row.source,
      reason: row.reason,
      userCouponId: view?.order.userCouponId ?? null,
    });
    const touched = await this.inflight.run(row.refundNo, () =>
      this.deps.bus.publishTransactional(message, async () => {
        const r = await this.deps.orm.em
          .fork()
          .getConnection()
          .execute<{ affectedRows: number }>("update `refund` set `updated_at` = ? where `refund_no` = ? and `status` = 'PROCESSING' and `wx_refund_id` is null", [new Date(), row.refundNo], 'run');
        if (r.affectedRows !== 1) throw new RefundAlreadyMoving();
        return true;
      }, { outcome: async (err) => (err instanceof RefundAlreadyMoving ? 'rollback' : 'unknown') }),
    ).catch((err: unknown) => {
      if (err instanceof RefundAlreadyMoving) return false;
      throw err;
    });
    if (touched) {
      log.warn({ refundNo: row.refundNo, orderNo: row.orderNo }, 'refund without a WeChat refund id announced again');
      this.deps.metrics.counter('refund_reannounced_total', 'Committed refunds whose message was published again by the sweep').inc();
    }
    return touched;
  }

  async findRefund(em: EntityManager, refundNo: string): Promise<RefundRow | null> {
    return em.findOne(Refund, { refundNo });
  }
}

/** The sweep's "someone else moved this refund meanwhile": nothing to announce. */
class RefundAlreadyMoving extends Error {}

export function refundMessage(data: OrderRefundRequested): OutgoingMessage<OrderRefundRequested> {
  return { topic: Topics.OrderRefund, tag: data.source satisfies RefundSource, key: data.refundNo, data };
}
