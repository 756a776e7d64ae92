import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';
import { OrderStatusValues } from './order-events.js';

/**
 * An order. `version` starts at 1 (CREATED) and grows by one on every status transition; it is
 * the `seq` of the order-status stream. Indexes: (user_id, client_request_id) makes a resubmit
 * return the same order; (status, expires_at) serves the unpaid-order sweep; (user_id, id) the
 * owner's newest-first listing.
 */
export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  uniques: [{ properties: ['userId', 'clientRequestId'] }],
  indexes: [{ properties: ['status', 'expiresAt'] }, { properties: ['userId', 'id'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    orderNo: p.string().length(32).unique(),
    userId: p.integer(),
    storeId: p.integer(),
    status: p.enum(OrderStatusValues),
    totalFen: p.integer(),
    discountFen: p.integer().default(0),
    payableFen: p.integer(),
    /** The coupon template and the user's coupon used, when any. */
    couponId: p.integer().nullable(),
    userCouponId: p.integer().nullable(),
    remark: p.string().length(200).nullable(),
    clientRequestId: p.string().length(64),
    version: p.integer().default(1),
    /** Payment deadline: the delay message and the sweep close the order after it. */
    expiresAt: p.datetime(3),
    /**
     * When the owner first asked for a WeChat Pay prepay (payOrder). Until then WeChat Pay has no
     * transaction for the order, so closing it at its deadline needs no query to WeChat Pay.
     */
    prepayRequestedAt: p.datetime(3).nullable(),
    paidAt: p.datetime(3).nullable(),
    shippedAt: p.datetime(3).nullable(),
    completedAt: p.datetime(3).nullable(),
    cancelledAt: p.datetime(3).nullable(),
    cancelReason: p.string().length(32).nullable(),
    ...timestamps,
  },
});
export type OrderRow = InferEntity<typeof Order>;

/** A line of an order, with the product/SKU names and the unit price frozen at placement. */
export const OrderItem = defineEntity({
  name: 'OrderItem',
  tableName: 'order_item',
  indexes: [{ properties: ['orderId'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.integer(),
    orderNo: p.string().length(32),
    skuId: p.integer(),
    productId: p.integer(),
    productName: p.string().length(128),
    skuName: p.string().length(128),
    unitPriceFen: p.integer(),
    quantity: p.integer(),
    subtotalFen: p.integer(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
  },
});
export type OrderItemRow = InferEntity<typeof OrderItem>;
