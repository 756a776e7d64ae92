import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import { FIRST_LOGIN_TAG, type UserFirstLoggedIn } from '../auth/auth-events.js';
import type { CouponService } from './coupon.service.js';

/** cg-coupon-new-user: a first login earns the configured new-user coupon, exactly once. */
export function newUserCouponConsumer(coupons: CouponService, couponCode: string): ConsumerDefinition<UserFirstLoggedIn> {
  return {
    name: 'coupon-new-user',
    group: ConsumerGroups.CouponNewUser,
    topic: Topics.UserLogin,
    tags: [FIRST_LOGIN_TAG],
    idempotencyKey: (m) => `${m.envelope.data.userId}:${couponCode}`,
    async handle({ em, log }, message) {
      const { userId } = message.envelope.data;
      if (!Number.isInteger(userId) || userId <= 0) {
        log.error({ data: message.envelope.data }, 'FIRST_LOGIN without a valid userId; dropped');
        return 'drop';
      }
      const granted = await coupons.grant(em, userId, couponCode, 'NEW_USER');
      log.info({ userId, userCouponId: granted.id }, 'new-user coupon granted');
    },
  };
}
