import { randomUUID } from 'node:crypto';
import type { OutgoingMessage } from '../../infra/mq/message-bus.port.js';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { WorkContext } from '../../shared/context.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { OrderRow, OrderService, OrderView } from '../order/order.service.js';
import { PAY_SUCCESS_TAG, type OrderPaid } from './payment-events.js';
import { Payment, type PaymentRow } from './payment.entity.js';
import { OrderNoLongerPayable } from './payment.errors.js';

/** A payment WeChat Pay vouched for (verified notification, or the order-query answer). */
export interface VerifiedPayment {
  orderNo: string;
  transactionId: string;
  amountFen: number;
  successTime?: Date;
  source: 'NOTIFY' | 'QUERY';
}

/** applied: this payment paid the order; duplicate: already handled; unapplied: recorded and being refunded. */
export type PaymentApplyOutcome = 'applied' | 'duplicate' | 'unapplied';

/** The refund module's entry for money that arrived for an order that could not take it (idempotent). */
export interface UnappliedPaymentRefunds {
  refundUnappliedPayment(ctx: WorkContext, payment: PaymentRow): Promise<void>;
}

export interface PaymentApplierDeps {
  outbox: TransactionalOutbox;
  orders: OrderService;
  catalog: CatalogService;
  refunds: UnappliedPaymentRefunds;
  metrics: Metrics;
}

/**
 * Applies verified payments (from the notify route or the timeout probe) exactly once: payment
 * row + PENDING_PAYMENT → PAID + stock sold in one DB transaction, with TopicOrderPaySuccess and
 * the PAID status event in the same transaction's outbox; money for an order that could no longer
 * take it is recorded UNAPPLIED and handed to refunds.
 */
export class PaymentApplier {
  constructor(private readonly deps: PaymentApplierDeps) {}

  /**
   * Records a payment exactly once. For an unpaid order: ONE DB transaction (payment row,
   * PENDING_PAYMENT → PAID, reserved stock → sold, and the outbox rows of TopicOrderPaySuccess and
   * the PAID status event); the outbox publishes them after commit, and its sweep publishes what a
   * crash or a broker outage left behind. Nothing here waits for the broker.
   * For an order that can no longer take it: the payment is recorded UNAPPLIED and refunded.
   */
  async applyPayment(ctx: WorkContext, payment: VerifiedPayment, view: OrderView): Promise<PaymentApplyOutcome> {
    const { order } = view;
    const { log } = ctx;
    if (order.status === 'PENDING_PAYMENT') {
      const paidAt = payment.successTime ?? new Date();
      const attemptId = randomUUID();
      try {
        await this.deps.outbox.transactional(ctx.em.fork(), async (tx, emit) => {
          // The insert comes first: concurrent copies queue on the unique key, not the order row.
          const now = new Date();
          await tx.insert(Payment, {
            transactionId: payment.transactionId,
            orderNo: order.orderNo,
            userId: order.userId,
            amountFen: payment.amountFen,
            outcome: 'APPLIED',
            source: payment.source,
            attemptId,
            successTime: payment.successTime ?? null,
            createdAt: now,
            updatedAt: now,
          });
          const paid = await this.deps.orders.transition(tx, emit, order.orderNo, ['PENDING_PAYMENT'], 'PAID', { patch: { paidAt }, reason: 'PAID', readBefore: order });
          if (!paid) throw new OrderNoLongerPayable(`order ${order.orderNo} is no longer PENDING_PAYMENT`);
          // Order lines never change after placement: the ones read with the order are the ones to sell.
          const lines = view.items.map((i) => ({ skuId: i.skuId, quantity: i.quantity }));
          const sold = await this.deps.catalog.commitSold(tx, lines);
          if (sold !== lines.length) log.error({ orderNo: order.orderNo, lines: lines.length, sold }, 'paid order had stock lines that were not reserved');
          // The fan-out's message commits with the payment or not at all; the outbox sends it after commit.
          emit(paidMessage(order, payment, paidAt, attemptId));
        });
        log.info({ orderNo: order.orderNo, transactionId: payment.transactionId, source: payment.source }, 'payment recorded; order paid');
        return 'applied';
      } catch (err) {
        if (isDuplicateKeyError(err)) return this.duplicate(ctx, payment.transactionId);
        if (!(err instanceof OrderNoLongerPayable)) throw err;
      }
    }
    return this.recordUnapplied(ctx, payment, order);
  }

  /** A copy of a payment already recorded: nothing to do, unless it is unapplied and its refund must be (re)started. */
  private async duplicate(ctx: WorkContext, transactionId: string): Promise<PaymentApplyOutcome> {
    const existing = await ctx.em.fork().findOne(Payment, { transactionId });
    if (existing?.outcome === 'UNAPPLIED') await this.refundUnapplied(ctx, existing);
    return 'duplicate';
  }

  private async recordUnapplied(ctx: WorkContext, payment: VerifiedPayment, order: OrderRow): Promise<PaymentApplyOutcome> {
    const em = ctx.em.fork();
    const row = em.create(Payment, {
      transactionId: payment.transactionId,
      orderNo: order.orderNo,
      userId: order.userId,
      amountFen: payment.amountFen,
      outcome: 'UNAPPLIED',
      source: payment.source,
      attemptId: null,
      successTime: payment.successTime ?? null,
    });
    try {
      await em.flush();
    } catch (err) {
      if (isDuplicateKeyError(err)) return this.duplicate(ctx, payment.transactionId);
      throw err;
    }
    const current = await this.deps.orders.findByOrderNo(em.fork(), order.orderNo);
    ctx.log.warn({ orderNo: order.orderNo, transactionId: payment.transactionId, status: current?.order.status }, 'payment for an order that can no longer take it; refunding it');
    this.deps.metrics.counter('pay_unapplied_total', 'Payments recorded for orders that could not take them (refunded automatically)').inc();
    await this.refundUnapplied(ctx, row);
    return 'unapplied';
  }

  private async refundUnapplied(ctx: WorkContext, payment: PaymentRow): Promise<void> {
    // Throwing makes the notify answer a failure: WeChat re-sends, and the refund is tried again.
    await this.deps.refunds.refundUnappliedPayment(ctx, payment);
  }
}

function paidMessage(order: OrderRow, payment: VerifiedPayment, paidAt: Date, attemptId: string): OutgoingMessage<OrderPaid> {
  return {
    topic: Topics.OrderPaySuccess,
    tag: PAY_SUCCESS_TAG,
    key: order.orderNo,
    data: {
      orderNo: order.orderNo,
      userId: order.userId,
      storeId: order.storeId,
      transactionId: payment.transactionId,
      payableFen: order.payableFen,
      totalFen: order.totalFen,
      paidAt: paidAt.toISOString(),
      attemptId,
    },
  };
}
