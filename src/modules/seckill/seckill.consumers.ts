import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, SeckillTags, Topics } from '../../infra/mq/topics.js';
import type { SeckillAdmitted, SeckillUnitReturned } from './seckill-events.js';
import type { SeckillService } from './seckill.service.js';

/**
 * cg-seckill-order: one admitted attempt becomes an ordinary order. The service bounds how many
 * run at once (SECKILL_ORDER_CONCURRENCY): that, not the sale's peak, is the rate MySQL sees.
 */
export function seckillOrderConsumer(seckill: SeckillService): ConsumerDefinition<SeckillAdmitted> {
  return {
    name: 'seckill-order',
    group: ConsumerGroups.SeckillOrder,
    topic: Topics.SeckillOrder,
    tags: [SeckillTags.Admitted],
    idempotencyKey: (m) => m.envelope.data?.attemptId ?? m.envelope.key,
    async handle({ em, log }, message) {
      const data = message.envelope.data;
      if (!data || typeof data.attemptId !== 'string' || !Number.isInteger(data.activityId) || !Number.isInteger(data.userId)) {
        log.error({ data }, 'malformed seckill order message; dropped');
        return 'drop';
      }
      const outcome = await seckill.placeOrder(em, log, data);
      return outcome === 'duplicate' ? 'duplicate' : undefined;
    },
  };
}

/** cg-seckill-return: a cancelled seckill order's unit goes back to the activity's Redis stock (once per attempt, in the script). */
export function seckillReturnConsumer(seckill: SeckillService): ConsumerDefinition<SeckillUnitReturned> {
  return {
    name: 'seckill-return',
    group: ConsumerGroups.SeckillReturn,
    topic: Topics.SeckillOrder,
    tags: [SeckillTags.UnitReturned],
    // The script's SADD of the attempt id makes a repeat harmless; no guard needed.
    idempotencyKey: null,
    async handle({ log }, message) {
      const data = message.envelope.data;
      if (!data || typeof data.attemptId !== 'string' || !Number.isInteger(data.activityId)) {
        log.error({ data }, 'malformed seckill return message; dropped');
        return 'drop';
      }
      await seckill.returnUnit(log, data);
    },
  };
}
