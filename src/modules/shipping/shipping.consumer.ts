import type { ConsumerDefinition } from '../../infra/mq/consumer-runner.js';
import { ConsumerGroups, Topics } from '../../infra/mq/topics.js';
import { PAY_SUCCESS_TAG, type OrderPaid } from '../payment/payment-events.js';
import type { ShippingService } from './shipping.service.js';

/** cg-shipping: a paid order gets its waybill and becomes SHIPPED, once (unique shipment.order_no). */
export function shippingConsumer(shipping: ShippingService): ConsumerDefinition<OrderPaid> {
  return {
    name: 'shipping',
    callsOutside: true,
    group: ConsumerGroups.Shipping,
    topic: Topics.OrderPaySuccess,
    tags: [PAY_SUCCESS_TAG],
    idempotencyKey: (m) => m.envelope.data.orderNo,
    async handle({ em, log }, message) {
      const outcome = await shipping.shipPaidOrder(em, log, message.envelope.data);
      if (outcome === 'duplicate') return 'duplicate';
    },
  };
}
