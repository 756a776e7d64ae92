import { OutboxMessage } from '../infra/mq/outbox/outbox-message.entity.js';
import { PointsLedger } from './points/points.entity.js';
import { Payment, PaymentSms } from './payment/payment.entity.js';
import { Shipment } from './shipping/shipment.entity.js';
import { Refund } from './refund/refund.entity.js';
import { AdminUser, User } from './auth/user.entity.js';
import { Coupon, UserCoupon } from './coupon/coupon.entity.js';
import { NotificationLog } from './notify/notification-log.entity.js';
import { AnalyticsOrderFact } from './analytics/analytics-order-fact.entity.js';
import { Product, Sku } from './catalog/catalog.entity.js';
import { Order, OrderItem } from './order/order.entity.js';
import { Store } from './store/store.entity.js';

/** Every entity, listed explicitly (no folder discovery: it behaves the same under jest, tsc output and the CLI). */
export const ENTITIES = [OutboxMessage, User, AdminUser, Coupon, UserCoupon, Product, Sku, Order, OrderItem, NotificationLog, AnalyticsOrderFact, Store, PointsLedger, Payment, PaymentSms, Shipment, Refund] as const;
