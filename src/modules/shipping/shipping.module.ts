import type { ModuleFactory } from '../module.js';
import type { OrderService } from '../order/order.service.js';
import { shippingConsumer } from './shipping.consumer.js';
import { ShippingService } from './shipping.service.js';

/** Warehouse/shipping: the cg-shipping consumer of pay-success messages. Needs the order module before it. */
export const shippingModule: ModuleFactory = ({ outbox, externals, metrics, services }) => {
  const orders = services.orders as OrderService | undefined;
  if (!orders) throw new Error('the shipping module needs the order module listed before it');
  const shipping = new ShippingService({ outbox, orders, logistics: externals.logistics, metrics });
  return {
    name: 'shipping',
    services: { shipping },
    consumers: [shippingConsumer(shipping)],
  };
};
