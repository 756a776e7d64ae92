import type { ModuleFactory } from '../module.js';
import { CouponResolver } from './coupon.resolver.js';
import { CouponService } from './coupon.service.js';
import { newUserCouponConsumer } from './new-user-coupon.consumer.js';

export const couponModule: ModuleFactory = ({ config }) => {
  const coupons = new CouponService();
  return {
    name: 'coupon',
    services: { coupons },
    resolvers: [[CouponResolver, new CouponResolver(coupons)]],
    consumers: [newUserCouponConsumer(coupons, config.coupon.newUserCouponCode)],
    seed: (em) =>
      coupons.ensureTemplate(em, {
        code: config.coupon.newUserCouponCode,
        name: 'New user: 10 yuan off 50',
        discountFen: 1000,
        thresholdFen: 5000,
        validDays: 30,
      }),
  };
};
