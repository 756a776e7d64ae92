import type { EntityManager } from '@mikro-orm/mysql';
import type { RequestPaymentParams, WechatPay } from '../../infra/wechat/pay/wechat-pay.port.js';
import { ExternalServiceError } from '../../infra/wechat/wechat.errors.js';
import type { RequestContext } from '../../shared/context.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { OrderRow, OrderService } from '../order/order.service.js';
import { PaymentErrors } from './payment.errors.js';

export interface PaymentServiceDeps {
  orders: OrderService;
  pay: WechatPay;
  /** Local mode only: the simulator pays and notifies. */
  simulatePayment?: (outTradeNo: string) => Promise<void>;
}

/**
 * WeChat Pay for orders, the mini-program side: the `wx.requestPayment` parameters (JSAPI
 * prepay) and, in local mode, the simulated payment. What WeChat sends back goes through the
 * pay-notify route to the PaymentApplier; the timeout probe is WechatPayStatusProbe.
 */
export class PaymentService {
  constructor(
    private readonly deps: PaymentServiceDeps,
    private readonly options: { localMode: boolean },
  ) {}

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

  private async payableOrderOf(ctx: RequestContext, userId: number, orderNo: string, em: EntityManager = ctx.em): Promise<OrderRow> {
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
}
