import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import { PAY_SUCCESS_TAG, type OrderPaid } from '../payment/payment-events.js';
import type { CouponService } from './coupon.service.js';

/** Reward rule: a payment of at least this much (fen) earns the reward coupon (100 yuan). */
export const DEFAULT_PAY_REWARD_MIN_FEN = 10_000;
export const DEFAULT_PAY_REWARD_COUPON_CODE = 'PAY_REWARD';

export interface PayRewardRule {
  couponCode: string;
  minPayableFen: number;
}

/** Knobs the benchmark turns: latency of the (simulated) remote coupon service, ms. */
export interface CouponRewardSettings {
  simulatedLatencyMs: number;
}

/**
 * cg-coupon-pay: a payment that meets the rule earns the reward coupon. The grant is once per
 * user and coupon template (unique user_coupon(user_id, coupon_id)); a duplicate is "done".
 */
export function payRewardCouponConsumer(coupons: CouponService, rule: PayRewardRule, settings: CouponRewardSettings): ConsumerDefinition<OrderPaid> {
  return {
    name: 'coupon-pay-reward',
    group: ConsumerGroups.CouponPay,
    topic: Topics.OrderPaySuccess,
    tags: [PAY_SUCCESS_TAG],
    idempotencyKey: (m) => m.envelope.data.orderNo,
    async handle({ em, log }, message) {
      const { orderNo, userId, payableFen } = message.envelope.data;
      if (settings.simulatedLatencyMs > 0) await new Promise((r) => setTimeout(r, settings.simulatedLatencyMs));
      if (payableFen < rule.minPayableFen) {
        log.debug({ orderNo, payableFen }, 'payment below the reward threshold');
        return;
      }
      const granted = await coupons.grant(em, userId, rule.couponCode, 'PAY_REWARD');
      log.info({ orderNo, userId, userCouponId: granted.id }, 'pay reward coupon granted');
    },
  };
}
