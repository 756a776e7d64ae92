import type { EntityManager } from '@mikro-orm/mysql';
import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import type { SmsSender } from '../../infra/wechat/providers/sms.port.js';
import type { CouponService } from '../coupon/coupon.service.js';
import { PAY_SUCCESS_TAG, type OrderPaidEvent } from './payment-events.js';
import { isDuplicateKeyError } from '../../shared/errors.js';

/** Reward rule: a payment of at least this much (fen) earns the reward coupon (100 yuan). */
export const DEFAULT_PAY_REWARD_MIN_FEN = 10_000;
export const DEFAULT_PAY_REWARD_COUPON_CODE = 'PAY_REWARD';
export const PAY_SUCCESS_SMS_TEMPLATE = 'PAY_SUCCESS';

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
export function payRewardCouponConsumer(coupons: CouponService, rule: PayRewardRule, settings: CouponRewardSettings): ConsumerDefinition<OrderPaidEvent> {
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

/**
 * The phone an SMS goes to. The user model has no verified phone yet, so local mode derives a
 * stable simulator number from the user id; production plugs in the real lookup.
 */
export type PhoneLookup = (em: EntityManager, userId: number) => Promise<string | null>;
export const simulatedPhone: PhoneLookup = async (_em, userId) => `139${String(userId).padStart(8, '0').slice(-8)}`;

/** A claim without a message id older than this (60 s) belongs to a worker that died mid-send: it may be taken over. */
export const SMS_CLAIM_LEASE_MS = 60_000;

/**
 * cg-push: the "payment received" SMS. A payment_sms row (unique order_no) is claimed before
 * the provider is called (no DB transaction is held across the call), then completed with the
 * provider's message id. A concurrent copy finds the claim taken; a provider failure releases
 * the claim and the message retries; a claim abandoned by a crashed worker is taken over after
 * its lease (the only case that may send twice: at-least-once, never lost).
 */
export function paySuccessSmsConsumer(sms: SmsSender, phoneOf: PhoneLookup): ConsumerDefinition<OrderPaidEvent> {
  return {
    name: 'push-pay-success',
    callsOutside: true,
    group: ConsumerGroups.Push,
    topic: Topics.OrderPaySuccess,
    tags: [PAY_SUCCESS_TAG],
    idempotencyKey: (m) => m.envelope.data.orderNo,
    async handle({ em, log }, message) {
      const { orderNo, userId, payableFen } = message.envelope.data;
      const phone = await phoneOf(em, userId);
      if (!phone) {
        log.info({ orderNo, userId }, 'no phone for the user; no SMS');
        return;
      }
      const conn = em.getConnection();
      const now = new Date();
      try {
        await conn.execute('insert into `payment_sms` (`order_no`, `message_id`, `created_at`) values (?, null, ?)', [orderNo, now], 'run');
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const stale = new Date(now.getTime() - SMS_CLAIM_LEASE_MS);
        const r = await conn.execute<{ affectedRows: number }>('update `payment_sms` set `created_at` = ? where `order_no` = ? and `message_id` is null and `created_at` < ?', [now, orderNo, stale], 'run');
        if (r.affectedRows !== 1) return 'duplicate';
        log.warn({ orderNo }, 'taking over an abandoned SMS claim');
      }
      let messageId: string;
      try {
        ({ messageId } = await sms.send({ phone, templateId: PAY_SUCCESS_SMS_TEMPLATE, params: { orderNo, amount: (payableFen / 100).toFixed(2) } }));
      } catch (err) {
        await conn.execute('delete from `payment_sms` where `order_no` = ? and `message_id` is null', [orderNo], 'run').catch(() => undefined);
        throw err;
      }
      await conn.execute('update `payment_sms` set `message_id` = ? where `order_no` = ?', [messageId, orderNo], 'run');
      log.info({ orderNo, messageId }, 'pay success SMS sent');
    },
  };
}
