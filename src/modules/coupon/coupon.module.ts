import { defineModule } from '../module.js';
import { Coupon, UserCoupon } from './coupon.entity.js';
import { CouponResolver } from './coupon.resolver.js';
import { CouponService } from './coupon.service.js';
import { newUserCouponConsumer } from './new-user-coupon.consumer.js';
import { DEFAULT_PAY_REWARD_COUPON_CODE, DEFAULT_PAY_REWARD_MIN_FEN, payRewardCouponConsumer, type CouponRewardSettings } from './pay-reward.consumer.js';

/** Coupons: templates, the user's coupons, and the grants on first login (new-user) and on payment (reward). */
export const couponModule = defineModule({
  name: 'coupon',
  entities: [Coupon, UserCoupon],
  resolvers: [CouponResolver],
  create: ({ config }) => {
    const coupons = new CouponService();
    const couponReward: CouponRewardSettings = { simulatedLatencyMs: 0 };
    const rule = { couponCode: DEFAULT_PAY_REWARD_COUPON_CODE, minPayableFen: DEFAULT_PAY_REWARD_MIN_FEN };
    return {
      services: { coupons, couponReward },
      resolvers: [new CouponResolver(coupons)],
      consumers: [newUserCouponConsumer(coupons, config.coupon.newUserCouponCode), payRewardCouponConsumer(coupons, rule, couponReward)],
      seed: async (em) => {
        await coupons.ensureTemplate(em, {
          code: config.coupon.newUserCouponCode,
          name: 'New user: 10 yuan off 50',
          discountFen: 1000,
          thresholdFen: 5000,
          validDays: 30,
        });
        await coupons.ensureTemplate(em, { code: rule.couponCode, name: 'Pay reward: 5 yuan off 50', discountFen: 500, thresholdFen: 5000, validDays: 30 });
      },
    };
  },
});
