import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import type { Orm } from '../../infra/db/orm.js';
import type { Envelope, MessageBus, OutgoingMessage, TransactionDecision } from '../../infra/mq/message-bus.port.js';
import type { OutboxRelay } from '../../infra/mq/outbox/outbox.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import { notifyAnswerForError, notifyFailureAnswer, notifySuccessAnswer, type NotifyAnswer } from '../../infra/wechat/pay/wechat-pay.notify.js';
import type { NotificationHeaders, PayNotification, RefundResource, RequestPaymentParams, WechatPay } from '../../infra/wechat/pay/wechat-pay.port.js';
import { ExternalServiceError } from '../../infra/wechat/wechat.errors.js';
import type { RequestContext } from '../../shared/context.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { OrderRow } from '../order/order.entity.js';
import type { OrderService, OrderView } from '../order/order.service.js';
import type { PaymentProbeResult, PaymentStatusProbe } from '../order/payment-status.port.js';
import { PAY_SUCCESS_TAG, type OrderPaidEvent } from './payment-events.js';
import { Payment, type PaymentRow } from './payment.entity.js';
import { OrderNoLongerPayable, PaymentErrors } from './payment.errors.js';

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
export type UnappliedPaymentHandler = (payment: PaymentRow) => Promise<void>;
/** The refund module's handler for verified REFUND.* notifications (same notify URL). */
export type RefundNotificationHandler = (refund: RefundResource, log: Logger) => Promise<NotifyAnswer>;

export interface PaymentServiceDeps {
  orm: Orm;
  bus: MessageBus;
  outbox: OutboxRelay;
  orders: OrderService;
  catalog: CatalogService;
  pay: WechatPay;
  /** Local mode only: the simulator pays and notifies. */
  simulatePayment?: (outTradeNo: string) => Promise<void>;
  logger: Logger;
  metrics: Metrics;
}

/**
 * WeChat Pay for orders: the `wx.requestPayment` parameters, the notify endpoint (verify, then
 * exactly once: payment row + PENDING_PAYMENT → PAID + stock sold in one DB transaction, with
 * TopicOrderPaySuccess and the PAID status event in the same transaction's outbox), the timeout
 * probe, and the recording (then refund) of money for orders that could no longer take it.
 */
export class PaymentService {
  private unappliedHandler?: UnappliedPaymentHandler;
  private refundNotificationHandler?: RefundNotificationHandler;
  private readonly log: Logger;

  constructor(
    private readonly deps: PaymentServiceDeps,
    private readonly options: { localMode: boolean },
  ) {
    this.log = deps.logger.child({ module: 'payment' });
  }

  /** The refund module plugs in here (it is built after this module). */
  setUnappliedPaymentHandler(handler: UnappliedPaymentHandler): void {
    this.unappliedHandler = handler;
  }
  setRefundNotificationHandler(handler: RefundNotificationHandler): void {
    this.refundNotificationHandler = handler;
  }

  // ---------------------------------------------------------------- mini-program side

  /**
   * JSAPI prepay for the viewer's unpaid order (out_trade_no = orderNo, amount = payableFen,
   * payer = the viewer's openid), returned as signed `wx.requestPayment` parameters.
   */
  async payOrder(ctx: RequestContext, orderNo: string): Promise<RequestPaymentParams> {
    const viewer = requireCustomer(ctx);
    if (!viewer.openid) throw PaymentErrors.noOpenid();
    const order = await this.payableOrderOf(ctx, viewer.userId, orderNo);
    await this.recordPrepayRequest(ctx, order);
    let prepayId: string;
    try {
      ({ prepayId } = await this.deps.pay.createJsapiPrepay({
        outTradeNo: order.orderNo,
        description: `wxshop order ${order.orderNo}`,
        amountFen: order.payableFen,
        payerOpenid: viewer.openid,
        timeExpire: order.expiresAt,
      }));
    } catch (err) {
      throw this.prepayError(ctx, order.orderNo, err);
    }
    ctx.log.info({ orderNo: order.orderNo, payableFen: order.payableFen }, 'prepay created');
    return this.deps.pay.buildRequestPaymentParams(prepayId);
  }

  /** Local mode only: the WeChat Pay simulator pays the viewer's unpaid order and sends the signed notification. */
  async simulatePayment(ctx: RequestContext, orderNo: string): Promise<boolean> {
    if (!this.options.localMode || !this.deps.simulatePayment) throw PaymentErrors.localModeOnly();
    const viewer = requireCustomer(ctx);
    const order = await this.payableOrderOf(ctx, viewer.userId, orderNo);
    await this.recordPrepayRequest(ctx, order);
    try {
      // The simulator pays a prepaid transaction: make sure there is one (same outTradeNo again is idempotent).
      await this.deps.pay.createJsapiPrepay({
        outTradeNo: order.orderNo,
        description: `wxshop order ${order.orderNo}`,
        amountFen: order.payableFen,
        payerOpenid: viewer.openid ?? `local-${viewer.userId}`,
        timeExpire: order.expiresAt,
      });
    } catch (err) {
      if (!(err instanceof ExternalServiceError && err.remoteCode === 'ORDERPAID')) throw this.prepayError(ctx, order.orderNo, err);
    }
    await this.deps.simulatePayment(order.orderNo);
    return true;
  }

  private async payableOrderOf(ctx: RequestContext, userId: number, orderNo: string, em = ctx.em): Promise<OrderRow> {
    const view = await this.deps.orders.findByOrderNo(em, String(orderNo));
    if (!view || view.order.userId !== userId) throw PaymentErrors.orderNotFound();
    const { order } = view;
    if (order.status !== 'PENDING_PAYMENT') throw order.status === 'PAID' ? PaymentErrors.alreadyPaid() : PaymentErrors.notPayable(order.status);
    if (order.expiresAt.getTime() <= Date.now()) throw PaymentErrors.expired();
    return order;
  }

  /**
   * Before any prepay goes to WeChat Pay: from here on the order's deadline asks WeChat Pay
   * before closing it. Refused (as payableOrderOf would now refuse) when the order was closed or
   * ran out of time since it was read: then no prepay is created.
   */
  private async recordPrepayRequest(ctx: RequestContext, order: OrderRow): Promise<void> {
    if (await this.deps.orders.recordPrepayRequest(ctx.em, order.orderNo, order.userId)) return;
    // Says why (closed, paid, out of time) from a fresh read; past its deadline if nothing else.
    await this.payableOrderOf(ctx, order.userId, order.orderNo, ctx.em.fork());
    throw PaymentErrors.expired();
  }

  private prepayError(ctx: RequestContext, orderNo: string, err: unknown): Error {
    if (err instanceof ExternalServiceError) {
      ctx.log.warn({ orderNo, code: err.code, remoteCode: err.remoteCode }, 'prepay failed');
      if (err.remoteCode === 'ORDERPAID') return PaymentErrors.alreadyPaid();
      return PaymentErrors.providerUnavailable();
    }
    return err as Error;
  }

  // ---------------------------------------------------------------- notify endpoint

  /**
   * `POST /pay/wechat/notify`. Trusts nothing before `verifyNotification` (platform signature,
   * 5-minute timestamp window, AEAD decryption, our appid/mchid), then checks the order exists,
   * the amount is its payable amount and the trade succeeded; any failure answers WeChat with a
   * failure (it retries) and changes nothing. Success and duplicates answer 204.
   */
  async handleNotification(headers: NotificationHeaders, rawBody: string): Promise<NotifyAnswer> {
    const outcomes = this.deps.metrics.counter('pay_notifications_total', 'WeChat Pay notifications, by outcome', ['outcome']);
    const started = performance.now();
    let notification: PayNotification;
    try {
      notification = this.deps.pay.verifyNotification(headers, rawBody);
    } catch (err) {
      const answer = notifyAnswerForError(err);
      outcomes.inc({ outcome: 'rejected' });
      this.log.warn({ status: answer.status, code: (err as { code?: string }).code }, 'pay notification rejected');
      return answer;
    }
    const log = this.log.child({ notificationId: notification.id, eventType: notification.event_type });
    try {
      if (notification.kind === 'refund') {
        if (!this.refundNotificationHandler) return notifyFailureAnswer('REFUNDS_NOT_READY', 503);
        const answer = await this.refundNotificationHandler(notification.refund, log);
        outcomes.inc({ outcome: answer.status < 300 ? 'refund' : 'refund-rejected' });
        return answer;
      }
      const t = notification.transaction;
      if (t.trade_state !== 'SUCCESS') {
        outcomes.inc({ outcome: 'rejected' });
        log.warn({ orderNo: t.out_trade_no, tradeState: t.trade_state }, 'pay notification for a trade that did not succeed');
        return notifyFailureAnswer('TRADE_NOT_SUCCESS', 400);
      }
      const view = await this.deps.orders.findByOrderNo(this.deps.orm.em.fork(), t.out_trade_no);
      if (!view) {
        outcomes.inc({ outcome: 'rejected' });
        log.warn({ orderNo: t.out_trade_no }, 'pay notification for an unknown order');
        return notifyFailureAnswer('ORDER_NOT_FOUND', 400);
      }
      if (t.amount?.total !== view.order.payableFen) {
        outcomes.inc({ outcome: 'rejected' });
        log.error({ orderNo: t.out_trade_no, amountFen: t.amount?.total, payableFen: view.order.payableFen }, 'pay notification amount does not match the order');
        return notifyFailureAnswer('AMOUNT_MISMATCH', 400);
      }
      const outcome = await this.applyPayment(
        { orderNo: t.out_trade_no, transactionId: t.transaction_id, amountFen: t.amount.total, successTime: parseTime(t.success_time), source: 'NOTIFY' },
        view,
        log,
      );
      outcomes.inc({ outcome });
      return notifySuccessAnswer();
    } catch (err) {
      outcomes.inc({ outcome: 'error' });
      log.error({ err }, 'pay notification could not be handled; WeChat will retry');
      return notifyAnswerForError(err);
    } finally {
      this.deps.metrics
        .histogram('pay_notify_seconds', 'Pay notification handling time', [], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
        .observe((performance.now() - started) / 1000);
    }
  }

  /**
   * Records a payment exactly once. For an unpaid order: ONE DB transaction (payment row,
   * PENDING_PAYMENT → PAID, reserved stock → sold, and the outbox rows of TopicOrderPaySuccess and
   * the PAID status event); the outbox publishes them after commit, and its sweep publishes what a
   * crash or a broker outage left behind. Nothing here waits for the broker.
   * For an order that can no longer take it: the payment is recorded UNAPPLIED and refunded.
   */
  async applyPayment(payment: VerifiedPayment, view: OrderView, log: Logger = this.log): Promise<PaymentApplyOutcome> {
    const { order } = view;
    if (order.status === 'PENDING_PAYMENT') {
      const paidAt = payment.successTime ?? new Date();
      const attemptId = randomUUID();
      try {
        await this.deps.outbox.transactional(this.deps.orm.em.fork(), async (tx, emit) => {
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
        if (isDuplicateKeyError(err)) return this.duplicate(payment.transactionId);
        if (!(err instanceof OrderNoLongerPayable)) throw err;
      }
    }
    return this.recordUnapplied(payment, order, log);
  }

  /** A copy of a payment already recorded: nothing to do, unless it is unapplied and its refund must be (re)started. */
  private async duplicate(transactionId: string): Promise<PaymentApplyOutcome> {
    const existing = await this.deps.orm.em.fork().findOne(Payment, { transactionId });
    if (existing?.outcome === 'UNAPPLIED') await this.refundUnapplied(existing);
    return 'duplicate';
  }

  private async recordUnapplied(payment: VerifiedPayment, order: OrderRow, log: Logger): Promise<PaymentApplyOutcome> {
    const em = this.deps.orm.em.fork();
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
      if (isDuplicateKeyError(err)) return this.duplicate(payment.transactionId);
      throw err;
    }
    const current = await this.deps.orders.findByOrderNo(em.fork(), order.orderNo);
    log.warn({ orderNo: order.orderNo, transactionId: payment.transactionId, status: current?.order.status }, 'payment for an order that can no longer take it; refunding it');
    this.deps.metrics.counter('pay_unapplied_total', 'Payments recorded for orders that could not take them (refunded automatically)').inc();
    await this.refundUnapplied(row);
    return 'unapplied';
  }

  private async refundUnapplied(payment: PaymentRow): Promise<void> {
    // Throwing makes the notify answer a failure: WeChat re-sends, and the refund is tried again.
    if (!this.unappliedHandler) throw new Error('no refund handler for unapplied payments');
    await this.unappliedHandler(payment);
  }

  // ---------------------------------------------------------------- timeout probe

  /**
   * Asked by the order module before it closes an unpaid order: WeChat Pay's query-order. A
   * payment found there is recorded (as if notified); an unpaid trade is closed at WeChat so it
   * can no longer be paid; anything unclear is UNKNOWN (the order stays open and is asked again).
   */
  readonly probe: PaymentStatusProbe = {
    check: async (order): Promise<PaymentProbeResult> => {
      const log = this.log.child({ orderNo: order.orderNo, component: 'payment-probe' });
      try {
        const q = await this.deps.pay.queryOrderByOutTradeNo(order.orderNo);
        switch (q.tradeState) {
          case 'SUCCESS': {
            if (!q.transactionId || q.amountFen !== order.payableFen) {
              log.error({ amountFen: q.amountFen, payableFen: order.payableFen }, 'WeChat reports a payment that does not match the order');
              return 'UNKNOWN';
            }
            const view = await this.deps.orders.findByOrderNo(this.deps.orm.em.fork(), order.orderNo);
            if (!view) return 'UNKNOWN';
            const outcome = await this.applyPayment({ orderNo: order.orderNo, transactionId: q.transactionId, amountFen: q.amountFen, successTime: parseTime(q.successTime), source: 'QUERY' }, view, log);
            log.warn({ outcome }, 'order past its deadline was paid (notification missing or late); payment recorded from the query');
            return 'PAID';
          }
          case 'USERPAYING':
          case 'REFUND':
            return 'UNKNOWN';
          case 'NOTPAY':
            // Close the trade so the user can no longer pay an order we are about to cancel.
            try {
              await this.deps.pay.closeOrder(order.orderNo);
            } catch (err) {
              if (err instanceof ExternalServiceError && err.remoteCode === 'ORDERPAID') return 'UNKNOWN';
              if (!(err instanceof ExternalServiceError && err.remoteCode === 'ORDER_NOT_EXIST')) throw err;
            }
            return 'NOT_PAID';
          default:
            return 'NOT_PAID';
        }
      } catch (err) {
        if (err instanceof ExternalServiceError && err.remoteCode === 'ORDER_NOT_EXIST') return 'NOT_PAID';
        log.warn({ err: (err as Error).message }, 'payment status unknown; the order stays open for now');
        return 'UNKNOWN';
      }
    },
  };

  // ---------------------------------------------------------------- reads for other modules

  /** The payment that paid the order (APPLIED), if any. */
  async appliedPaymentOf(em: EntityManager, orderNo: string): Promise<PaymentRow | null> {
    return em.findOne(Payment, { orderNo, outcome: 'APPLIED' });
  }

  async findByTransactionId(em: EntityManager, transactionId: string): Promise<PaymentRow | null> {
    return em.findOne(Payment, { transactionId });
  }
}

function paidMessage(order: OrderRow, payment: VerifiedPayment, paidAt: Date, attemptId: string): OutgoingMessage<OrderPaidEvent> {
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

function parseTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
