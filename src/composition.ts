// Resolver and GraphQL type classes are decorated at import: the metadata polyfill comes first.
import 'reflect-metadata';
// The schema prints types in the order their classes are decorated, that is in import order:
// these imports keep the order the resolvers always had (schema/ stays byte-identical).
import type { Entities } from './infra/db/orm.js';
import type { BuiltModule, Infra } from './modules/module.js';
import { authModule } from './modules/auth/auth.module.js';
import { paymentLedger, paymentModule } from './modules/payment/payment.module.js';
import { refundModule } from './modules/refund/refund.module.js';
import { couponModule } from './modules/coupon/coupon.module.js';
import { analyticsModule } from './modules/analytics/analytics.module.js';
import { orderSubscriptionModule } from './modules/order-subscription/order-subscription.module.js';
import { catalogModule } from './modules/catalog/catalog.module.js';
import { orderModule, unpaidOrdersModule } from './modules/order/order.module.js';
import { storeModule } from './modules/store/store.module.js';
import { seckillModule } from './modules/seckill/seckill.module.js';
import { returnHeldSeckillStock } from './modules/seckill/seckill-stock-return.js';
import { pointsModule } from './modules/points/points.module.js';
import { shippingModule } from './modules/shipping/shipping.module.js';
import { notifyModule } from './modules/notify/notify.module.js';

/**
 * Every module. The ORM's entity list and the schema's resolver list come from here (tools read
 * them without building anything), resolvers in the order they always had.
 */
export const MODULES = [
  authModule,
  couponModule,
  catalogModule,
  orderModule,
  analyticsModule,
  orderSubscriptionModule,
  storeModule,
  paymentModule,
  refundModule,
  seckillModule,
  unpaidOrdersModule,
  pointsModule,
  shippingModule,
  notifyModule,
] as const;

export type ModuleName = (typeof MODULES)[number]['name'];

export function moduleEntities(): Entities {
  return MODULES.flatMap((m) => m.entities);
}

export function moduleResolvers(): Function[] {
  return MODULES.flatMap((m) => [...m.resolvers]);
}

/**
 * Builds every module, each from the services it needs: a module's factory takes them as typed
 * parameters, so it cannot be called before the modules that provide them. The result is keyed
 * by module name and must name every module of MODULES (the type says so).
 */
export function buildModules(infra: Infra) {
  const auth = authModule.create(infra, {});
  const coupon = couponModule.create(infra, {});
  const store = storeModule.create(infra, {});
  const catalog = catalogModule.create(infra, {});
  const { auth: authService } = auth.services;
  const { coupons } = coupon.services;
  const { catalog: catalogService } = catalog.services;
  const order = orderModule.create(infra, { catalog: catalogService, coupons, auth: authService, heldStockReturn: returnHeldSeckillStock });
  const { orders } = order.services;
  const refund = refundModule.create(infra, { orders, coupons, payments: paymentLedger });
  const payment = paymentModule.create(infra, { orders, catalog: catalogService, refunds: refund.services.refunds });
  const unpaidOrders = unpaidOrdersModule.create(infra, { orders, probe: payment.services.paymentProbe });
  const points = pointsModule.create(infra, { auth: authService });
  const shipping = shippingModule.create(infra, { orders });
  const notify = notifyModule.create(infra, { auth: authService });
  const analytics = analyticsModule.create(infra, {});
  const orderSubscription = orderSubscriptionModule.create(infra, { orders });
  const seckill = seckillModule.create(infra, { catalog: catalogService, orders });

  // Build order: seeds, consumers and start hooks run in it.
  const built = {
    auth,
    coupon,
    store,
    catalog,
    order,
    refund,
    payment,
    'unpaid-orders': unpaidOrders,
    points,
    shipping,
    notify,
    analytics,
    'order-subscription': orderSubscription,
    seckill,
  } satisfies Record<ModuleName, BuiltModule>;
  const services = {
    ...auth.services,
    ...coupon.services,
    ...store.services,
    ...catalog.services,
    ...order.services,
    ...refund.services,
    ...payment.services,
    ...unpaidOrders.services,
    ...points.services,
    ...shipping.services,
    ...notify.services,
    ...analytics.services,
    ...orderSubscription.services,
    ...seckill.services,
  };
  return { modules: built, services };
}

export type Modules = ReturnType<typeof buildModules>;
export type AppServices = Modules['services'];
