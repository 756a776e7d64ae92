import express from 'express';
import { PAY_NOTIFY_PATH } from '../../infra/wechat/externals.js';
import { writeNotifyAnswer } from '../../infra/wechat/pay/wechat-pay.notify.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CouponService } from '../coupon/coupon.service.js';
import type { ModuleFactory } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import {
  DEFAULT_PAY_REWARD_COUPON_CODE,
  DEFAULT_PAY_REWARD_MIN_FEN,
  payRewardCouponConsumer,
  paySuccessSmsConsumer,
  simulatedPhone,
  type CouponRewardSettings,
} from './pay-fanout.consumers.js';
import { PaymentResolver } from './payment.resolver.js';
import { PaymentService } from './payment.service.js';

/** A notification is a few KiB; anything bigger is not WeChat. */
const MAX_NOTIFY_BODY = '64kb';

/**
 * WeChat Pay: payOrder/simulatePayment, the notify endpoint, the timeout probe, and the
 * coupon-reward and SMS fan-out consumers. Needs the order, catalog and coupon modules before it.
 */
export const paymentModule: ModuleFactory = ({ config, orm, bus, outbox, externals, logger, metrics, services }) => {
  const orders = services.orders as OrderService | undefined;
  const catalog = services.catalog as CatalogService | undefined;
  const coupons = services.coupons as CouponService | undefined;
  if (!orders || !catalog || !coupons) throw new Error('the payment module needs the order, catalog and coupon modules listed before it');
  const payments = new PaymentService(
    { orm, bus, outbox, orders, catalog, pay: externals.pay, simulatePayment: externals.simulatePayment, logger, metrics },
    { localMode: config.localMode },
  );
  orders.setPaymentStatusProbe(payments.probe);
  const couponReward: CouponRewardSettings = { simulatedLatencyMs: 0 };
  const rule = { couponCode: DEFAULT_PAY_REWARD_COUPON_CODE, minPayableFen: DEFAULT_PAY_REWARD_MIN_FEN };
  return {
    name: 'payment',
    services: { payments, couponReward },
    resolvers: [[PaymentResolver, new PaymentResolver(payments)]],
    consumers: [payRewardCouponConsumer(coupons, rule, couponReward), paySuccessSmsConsumer(externals.sms, simulatedPhone)],
    routes: (app) => {
      // The signature covers the exact bytes: the body must reach verification unparsed.
      app.post(PAY_NOTIFY_PATH, express.text({ type: '*/*', limit: MAX_NOTIFY_BODY }), (req, res) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        void payments.handleNotification(req.headers, raw).then((answer) => writeNotifyAnswer(res, answer));
      });
    },
    seed: (em) => coupons.ensureTemplate(em, { code: rule.couponCode, name: 'Pay reward: 5 yuan off 50', discountFen: 500, thresholdFen: 5000, validDays: 30 }),
  };
};
