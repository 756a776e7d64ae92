import type { AuthService } from '../auth/auth.service.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CouponService } from '../coupon/coupon.service.js';
import { defineModule } from '../module.js';
import { orderTimeoutConsumer } from './order-timeout.consumer.js';
import { Order, OrderItem } from './order.entity.js';
import { OrderResolver } from './order.resolver.js';
import { OrderService, type HeldStockReturn } from './order.service.js';
import type { PaymentStatusProbe } from './payment-status.port.js';
import { UnpaidOrderCloser } from './unpaid-order-closer.js';

/** Orders: placement, the state-transition engine every module moves orders with, cancel/confirm and reads. */
export const orderModule = defineModule({
  name: 'order',
  entities: [Order, OrderItem],
  resolvers: [OrderResolver],
  create: (
    { config, outbox, metrics, logger, instanceId },
    { catalog, coupons, auth, heldStockReturn }: { catalog: CatalogService; coupons: CouponService; auth: AuthService; heldStockReturn: HeldStockReturn },
  ) => {
    const orders = new OrderService(
      { outbox, catalog, coupons, metrics, logger: logger.child({ module: 'order' }), lockOwner: (tx, userId) => auth.lockUser(tx, userId), heldStockReturn },
      { paymentTimeoutMs: config.order.paymentTimeoutMs, instanceId, maxPendingPerStore: config.order.maxPendingPerStore, maxReservedUnitsPerStore: config.order.maxReservedUnitsPerStore },
    );
    return {
      services: { orders },
      resolvers: [new OrderResolver(orders)],
    };
  },
});

/**
 * Closing unpaid orders past their deadline: the TopicOrderTimeout consumer and the sweep. Built
 * after the payment module, whose probe asks WeChat Pay before an order that may be paid closes.
 */
export const unpaidOrdersModule = defineModule({
  name: 'unpaid-orders',
  entities: [],
  resolvers: [],
  create: ({ config, orm, outbox, metrics, logger }, { orders, probe }: { orders: OrderService; probe: PaymentStatusProbe }) => {
    const unpaidOrders = new UnpaidOrderCloser(
      { orm, outbox, orders, probe, metrics, logger: logger.child({ module: 'order' }) },
      { probeConcurrency: config.order.probeConcurrency },
    );
    let timer: NodeJS.Timeout | undefined;
    return {
      services: { unpaidOrders },
      consumers: [orderTimeoutConsumer(unpaidOrders)],
      start: () => {
        // The reconciliation sweep is worker work; several workers may run it (conditional updates).
        if (!config.runWorkers) return;
        timer = setInterval(() => void unpaidOrders.sweep(), config.order.sweepIntervalMs);
        timer.unref();
      },
      close: async () => {
        if (timer) clearInterval(timer);
        await unpaidOrders.stopSweeping();
      },
    };
  },
});
