import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import type { OrderPaymentTimedOut } from './order-timeout-events.js';
import type { UnpaidOrderCloser } from './unpaid-order-closer.js';

/**
 * cg-order-timeout: the payment deadline of one order has come. Closes it only if it is still
 * PENDING_PAYMENT past its deadline and not paid; anything else (paid, cancelled by the user,
 * already closed) is left alone. Not `callsOutside`: most closes ask nobody (no prepay), and the
 * ones that ask WeChat Pay are bounded by the closer's probe limit (PAYMENT_PROBE_CONCURRENCY),
 * so a burst of deadlines is not held to the pace of the few that must ask.
 */
export function orderTimeoutConsumer(orders: UnpaidOrderCloser): ConsumerDefinition<OrderPaymentTimedOut> {
  return {
    name: 'order-timeout',
    group: ConsumerGroups.OrderTimeout,
    topic: Topics.OrderTimeout,
    idempotencyKey: (m) => m.envelope.data?.orderNo ?? m.envelope.key,
    async handle({ em, log }, message) {
      const orderNo = message.envelope.data?.orderNo;
      if (typeof orderNo !== 'string' || orderNo === '') {
        log.error({ data: message.envelope.data }, 'order timeout without an orderNo; dropped');
        return 'drop';
      }
      const outcome = await orders.handleTimeout(em, log, { orderNo, expiresAt: message.envelope.data.expiresAt });
      log.debug({ orderNo, outcome }, 'order timeout handled');
    },
  };
}
