import type { OrmHandle } from '../../infra/db/orm.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { WechatPay } from '../../infra/wechat/pay/wechat-pay.port.js';
import { ExternalServiceError } from '../../infra/wechat/wechat.errors.js';
import type { OrderService } from '../order/order.service.js';
import type { PaymentProbeResult, PaymentStatusProbe } from '../order/payment-status.port.js';
import type { PaymentApplier } from './payment-applier.js';
import { parseTime } from './wechat-time.js';

/** The timeout probe: WeChat Pay's query-order for an order about to be closed unpaid. */
export class WechatPayStatusProbe implements PaymentStatusProbe {
  private readonly log: Logger;

  constructor(private readonly deps: { orm: OrmHandle; orders: OrderService; pay: WechatPay; applier: PaymentApplier; logger: Logger }) {
    this.log = deps.logger.child({ module: 'payment' });
  }

  /**
   * Asked by the order module's unpaid-order closer before it closes an order: WeChat Pay's query-order. A
   * payment found there is recorded (as if notified); an unpaid trade is closed at WeChat so it
   * can no longer be paid; anything unclear is UNKNOWN (the order stays open and is asked again).
   */
  async check(order: { orderNo: string; userId: number; payableFen: number }): Promise<PaymentProbeResult> {
    const log = this.log.child({ orderNo: order.orderNo, component: 'payment-probe' });
    try {
      const q = await this.deps.pay.queryOrderByOutTradeNo(order.orderNo);
      switch (q.tradeState) {
        case 'SUCCESS': {
          if (!q.transactionId || q.amountFen !== order.payableFen) {
            log.error({ amountFen: q.amountFen, payableFen: order.payableFen }, 'WeChat reports a payment that does not match the order');
            return 'UNKNOWN';
          }
          const ctx = { em: this.deps.orm.em.fork(), log };
          const view = await this.deps.orders.findByOrderNo(ctx.em, order.orderNo);
          if (!view) return 'UNKNOWN';
          const outcome = await this.deps.applier.applyPayment(ctx, { orderNo: order.orderNo, transactionId: q.transactionId, amountFen: q.amountFen, successTime: parseTime(q.successTime), source: 'QUERY' }, view);
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
  }
}
