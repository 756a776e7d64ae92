import { Topics } from '../../infra/mq/topics.js';
import type { CouponService } from '../coupon/coupon.service.js';
import { defineModule } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import type { PaymentLedger } from '../payment/payment-ledger.js';
import { refundCouponConsumer, refundPayConsumer } from './refund.consumers.js';
import { Refund } from './refund.entity.js';
import { RefundResolver } from './refund.resolver.js';
import { RefundService } from './refund.service.js';

/**
 * Refunds: requestRefund (transactional message), the check-back, WeChat's REFUND.* notifications
 * (the payment module's notify route hands them here), automatic refunds of unapplied payments,
 * and the cg-refund-pay / cg-coupon-refund consumers (cg-points-refund lives in the points module).
 */
export const refundModule = defineModule({
  name: 'refund',
  entities: [Refund],
  resolvers: [RefundResolver],
  create: (
    { config, orm, bus, outbox, externals, logger, metrics },
    { orders, coupons, payments }: { orders: OrderService; coupons: CouponService; payments: Pick<PaymentLedger, 'appliedPaymentOf'> },
  ) => {
    const refunds = new RefundService({ orm, bus, outbox, orders, payments, coupons, pay: externals.pay, logger, metrics });
    bus.setTransactionChecker(Topics.OrderRefund, (envelope) => refunds.checkRefund(envelope));
    let timer: NodeJS.Timeout | undefined;
    return {
      services: { refunds },
      resolvers: [new RefundResolver(refunds)],
      consumers: [refundPayConsumer(refunds), refundCouponConsumer(refunds)],
      start: () => {
        if (!config.runWorkers) return;
        // REFUND_SWEEP_INTERVAL [30s]: also the age a PROCESSING refund must reach before the sweep acts on it.
        const every = config.refund.sweepIntervalMs;
        timer = setInterval(() => void refunds.sweep(new Date(), every), every);
        timer.unref();
      },
      close: async () => {
        if (timer) clearInterval(timer);
      },
    };
  },
});
