import { defineModule } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import { Shipment } from './shipment.entity.js';
import { shippingConsumer } from './shipping.consumer.js';
import { ShippingService } from './shipping.service.js';

/** Warehouse/shipping: the cg-shipping consumer of pay-success messages. */
export const shippingModule = defineModule({
  name: 'shipping',
  entities: [Shipment],
  resolvers: [],
  create: ({ config, outbox, externals, metrics }, { orders }: { orders: OrderService }) => {
    const shipping = new ShippingService({ outbox, orders, logistics: externals.logistics, metrics }, { autoShip: config.autoShip });
    return {
      services: { shipping },
      consumers: [shippingConsumer(shipping)],
    };
  },
});
