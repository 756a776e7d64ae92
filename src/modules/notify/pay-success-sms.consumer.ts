import type { EntityManager } from '@mikro-orm/mysql';
import { retryOnConnectionLoss } from '../../infra/db/lock-retry.js';
import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import { DEFAULT_LEASE_MS } from '../../infra/redis/idempotency-guard.js';
import type { SmsSender } from '../../infra/wechat/providers/sms.port.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import { PAY_SUCCESS_TAG, type OrderPaid } from '../payment/payment-events.js';

export const PAY_SUCCESS_SMS_TEMPLATE = 'PAY_SUCCESS';

/**
 * The phone an SMS goes to. The user model has no verified phone yet, so local mode derives a
 * stable simulator number from the user id; production plugs in the real lookup.
 */
export type PhoneLookup = (em: EntityManager, userId: number) => Promise<string | null>;
export const simulatedPhone: PhoneLookup = async (_em, userId) => `139${String(userId).padStart(8, '0').slice(-8)}`;

/**
 * A claim without a message id older than this belongs to a worker that died mid-send: it may be
 * taken over. The same lease as the idempotency guard's (30 s), so the redelivery that finds the
 * guard free also finds the claim free, or one retry later.
 */
export const SMS_CLAIM_LEASE_MS = DEFAULT_LEASE_MS;

/** A live claim of another worker (or of a dead one, still inside its lease): the message must come back, not be acked. */
export class SmsClaimHeldError extends Error {
  constructor(orderNo: string) {
    super(`the SMS for ${orderNo} is claimed by another worker; retrying later`);
  }
}

/**
 * cg-push: the "payment received" SMS. A payment_sms row (unique order_no) is claimed before
 * the provider is called (no DB transaction is held across the call), then completed with the
 * provider's message id. A concurrent copy finds the claim taken and retries later (never acks
 * an unsent claim); a provider failure releases the claim and the message retries; a claim
 * abandoned by a crashed worker is taken over after its lease (the only case that may send
 * twice: at-least-once, never lost).
 */
export function paySuccessSmsConsumer(sms: SmsSender, phoneOf: PhoneLookup): ConsumerDefinition<OrderPaid> {
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
        if (r.affectedRows !== 1) {
          // Only a claim with a message id is "sent"; an unfinished one is not acked, or a crash
          // inside its lease would lose the SMS.
          const [row] = await conn.execute<{ message_id: string | null }[]>('select `message_id` from `payment_sms` where `order_no` = ?', [orderNo]);
          if (row?.message_id) return 'duplicate';
          throw new SmsClaimHeldError(orderNo);
        }
        log.warn({ orderNo }, 'taking over an abandoned SMS claim');
      }
      let messageId: string;
      try {
        ({ messageId } = await sms.send({ phone, templateId: PAY_SUCCESS_SMS_TEMPLATE, params: { orderNo, amount: (payableFen / 100).toFixed(2) } }));
      } catch (err) {
        await conn.execute('delete from `payment_sms` where `order_no` = ? and `message_id` is null', [orderNo], 'run').catch(() => undefined);
        throw err;
      }
      // The SMS is out: its record must land, or the redelivery would take the claim over after its
      // lease and send it again (a dropped connection did exactly that in the chaos suite).
      await retryOnConnectionLoss(() => conn.execute('update `payment_sms` set `message_id` = ? where `order_no` = ?', [messageId, orderNo], 'run'));
      log.info({ orderNo, messageId }, 'pay success SMS sent');
    },
  };
}
