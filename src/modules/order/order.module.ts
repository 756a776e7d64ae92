import type { CatalogService } from '../catalog/catalog.service.js';
import type { CouponService } from '../coupon/coupon.service.js';
import type { ModuleFactory } from '../module.js';
import { orderTimeoutConsumer } from './order-timeout.consumer.js';
import { OrderResolver } from './order.resolver.js';
import { OrderService } from './order.service.js';

/** Needs the catalog and coupon modules before it (MODULES order). */
export const orderModule: ModuleFactory = ({ config, orm, outbox, metrics, logger, services, instanceId }) => {
  const catalog = services.catalog as CatalogService | undefined;
  const coupons = services.coupons as CouponService | undefined;
  if (!catalog || !coupons) throw new Error('the order module needs the catalog and coupon modules listed before it');
  const orders = new OrderService(
    { orm, outbox, catalog, coupons, metrics, logger: logger.child({ module: 'order' }) },
    { paymentTimeoutMs: config.order.paymentTimeoutMs, probeConcurrency: config.order.probeConcurrency, instanceId },
  );
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'order',
    services: { orders },
    resolvers: [[OrderResolver, new OrderResolver(orders)]],
    consumers: [orderTimeoutConsumer(orders)],
    start: () => {
      // The reconciliation sweep is worker work; several workers may run it (conditional updates).
      if (!config.runWorkers) return;
      timer = setInterval(() => void orders.sweep(), config.order.sweepIntervalMs);
      timer.unref();
    },
    close: async () => {
      if (timer) clearInterval(timer);
      await orders.stopSweeping();
    },
  };
};
