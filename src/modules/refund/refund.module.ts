import { Topics } from '../../infra/mq/topics.js';
import type { CouponService } from '../coupon/coupon.service.js';
import type { ModuleFactory } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import type { PaymentService } from '../payment/payment.service.js';
import { refundCouponConsumer, refundPayConsumer } from './refund.consumers.js';
import { RefundResolver } from './refund.resolver.js';
import { RefundService } from './refund.service.js';

/** How often the worker asks WeChat about refunds stuck in PROCESSING (30 s). */
export const REFUND_SWEEP_INTERVAL_MS = 30_000;

/**
 * Refunds: requestRefund (transactional message), the check-back, WeChat's REFUND.* notifications
 * (through the payment module's endpoint), automatic refunds of unapplied payments, and the
 * cg-refund-pay / cg-coupon-refund consumers (cg-points-refund lives in the points module).
 */
export const refundModule: ModuleFactory = ({ config, orm, bus, outbox, externals, logger, metrics, services }) => {
  const orders = services.orders as OrderService | undefined;
  const payments = services.payments as PaymentService | undefined;
  const coupons = services.coupons as CouponService | undefined;
  if (!orders || !payments || !coupons) throw new Error('the refund module needs the order, payment and coupon modules listed before it');
  const refunds = new RefundService({ orm, bus, outbox, orders, payments, coupons, pay: externals.pay, logger, metrics });
  bus.setTransactionChecker(Topics.OrderRefund, (envelope) => refunds.checkRefund(envelope));
  payments.setUnappliedPaymentHandler((payment) => refunds.refundUnappliedPayment(payment));
  payments.setRefundNotificationHandler((resource, log) => refunds.handleRefundNotification(resource, log));
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'refund',
    services: { refunds },
    resolvers: [[RefundResolver, new RefundResolver(refunds)]],
    consumers: [refundPayConsumer(refunds), refundCouponConsumer(refunds)],
    start: () => {
      if (!config.runWorkers) return;
      timer = setInterval(() => void refunds.sweep(), REFUND_SWEEP_INTERVAL_MS);
      timer.unref();
    },
    close: async () => {
      if (timer) clearInterval(timer);
    },
  };
};
