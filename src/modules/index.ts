import { authModule } from './auth/auth.module.js';
import { couponModule } from './coupon/coupon.module.js';
import type { ModuleFactory } from './module.js';
import { pointsModule } from './points/points.module.js';
import { paymentModule } from './payment/payment.module.js';
import { shippingModule } from './shipping/shipping.module.js';
import { refundModule } from './refund/refund.module.js';
import { notifyModule } from './notify/notify.module.js';
import { analyticsModule } from './analytics/analytics.module.js';
import { orderSubscriptionModule } from './order-subscription/order-subscription.module.js';
import { catalogModule } from './catalog/catalog.module.js';
import { orderModule } from './order/order.module.js';
import { storeModule } from './store/store.module.js';

/** Every module, in dependency order: a module may call the services of those before it. */
export const MODULES: ModuleFactory[] = [authModule, couponModule, storeModule, catalogModule, orderModule, pointsModule, paymentModule, shippingModule, refundModule, notifyModule, analyticsModule, orderSubscriptionModule];
