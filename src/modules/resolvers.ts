import { AuthResolver } from './auth/auth.resolver.js';
import { PaymentResolver } from './payment/payment.resolver.js';
import { RefundResolver } from './refund/refund.resolver.js';
import { CouponResolver } from './coupon/coupon.resolver.js';
import { AnalyticsResolver } from './analytics/analytics.resolver.js';
import { OrderSubscriptionResolver } from './order-subscription/order-subscription.resolver.js';
import { CatalogResolver } from './catalog/catalog.resolver.js';
import { OrderResolver } from './order/order.resolver.js';
import { StoreResolver } from './store/store.resolver.js';

/** Every resolver class; the composition root provides their instances. */
export const RESOLVERS = [AuthResolver, CouponResolver, CatalogResolver, OrderResolver, AnalyticsResolver, OrderSubscriptionResolver, StoreResolver, PaymentResolver, RefundResolver] as const;
