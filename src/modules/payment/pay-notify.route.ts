import express, { type Express } from 'express';
import type { OrmHandle } from '../../infra/db/orm.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import { PAY_NOTIFY_PATH } from '../../infra/wechat/externals.js';
import { notifyAnswerForError, notifyFailureAnswer, notifySuccessAnswer, writeNotifyAnswer, type NotifyAnswer } from '../../infra/wechat/pay/wechat-pay.notify.js';
import type { NotificationHeaders, PayNotification, RefundResource, WechatPay } from '../../infra/wechat/pay/wechat-pay.port.js';
import type { WorkContext } from '../../shared/context.js';
import type { OrderService } from '../order/order.service.js';
import type { PaymentApplier } from './payment-applier.js';
import { parseTime } from './wechat-time.js';

/** A notification is a few KiB; anything bigger is not WeChat. */
const MAX_NOTIFY_BODY = '64kb';

/** The refund module's handler for verified REFUND.* notifications (same notify URL). */
export interface RefundNotifications {
  handleRefundNotification(ctx: WorkContext, refund: RefundResource): Promise<'handled' | 'unknown' | 'amount-mismatch'>;
}

export interface PayNotifyDeps {
  orm: OrmHandle;
  pay: WechatPay;
  orders: OrderService;
  payments: PaymentApplier;
  refunds: RefundNotifications;
  logger: Logger;
  metrics: Metrics;
}

/**
 * `POST /pay/wechat/notify`: the one place that talks to WeChat Pay's notifications. Trusts
 * nothing before `verifyNotification` (platform signature, 5-minute timestamp window, AEAD
 * decryption, our appid/mchid); TRANSACTION.* goes to the payment applier after checking the
 * order exists, the amount is its payable amount and the trade succeeded; REFUND.* goes to the
 * refund module. Any failure answers WeChat with a failure (it retries) and changes nothing;
 * success and duplicates answer 204.
 */
export function payNotifyRoute(deps: PayNotifyDeps): (app: Express) => void {
  const handler = new PayNotifyHandler(deps);
  return (app) => {
    // The signature covers the exact bytes: the body must reach verification unparsed.
    app.post(PAY_NOTIFY_PATH, express.text({ type: '*/*', limit: MAX_NOTIFY_BODY }), (req, res) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      void handler.handle(req.headers, raw).then((answer) => writeNotifyAnswer(res, answer));
    });
  };
}

export class PayNotifyHandler {
  private readonly log: Logger;

  constructor(private readonly deps: PayNotifyDeps) {
    this.log = deps.logger.child({ module: 'payment' });
  }

  async handle(headers: NotificationHeaders, rawBody: string): Promise<NotifyAnswer> {
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
    // One unit of work per notification: the handlers fork it for their transactions.
    const ctx: WorkContext = { em: this.deps.orm.em.fork(), log };
    try {
      if (notification.kind === 'refund') {
        const outcome = await this.deps.refunds.handleRefundNotification(ctx, notification.refund);
        outcomes.inc({ outcome: outcome === 'handled' ? 'refund' : 'refund-rejected' });
        if (outcome === 'unknown') return notifyFailureAnswer('REFUND_NOT_FOUND', 400);
        if (outcome === 'amount-mismatch') return notifyFailureAnswer('AMOUNT_MISMATCH', 400);
        return notifySuccessAnswer();
      }
      const t = notification.transaction;
      if (t.trade_state !== 'SUCCESS') {
        outcomes.inc({ outcome: 'rejected' });
        log.warn({ orderNo: t.out_trade_no, tradeState: t.trade_state }, 'pay notification for a trade that did not succeed');
        return notifyFailureAnswer('TRADE_NOT_SUCCESS', 400);
      }
      const view = await this.deps.orders.findByOrderNo(ctx.em, t.out_trade_no);
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
      const outcome = await this.deps.payments.applyPayment(
        ctx,
        { orderNo: t.out_trade_no, transactionId: t.transaction_id, amountFen: t.amount.total, successTime: parseTime(t.success_time), source: 'NOTIFY' },
        view,
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
}
