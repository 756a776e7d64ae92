import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

export const SeckillActivityStatusValues = ['ACTIVE', 'SETTLED'] as const;
export type SeckillActivityStatus = (typeof SeckillActivityStatusValues)[number];

/**
 * A flash sale of one SKU. Its `stock` units are moved from the SKU's available stock to its
 * `reserved` column when the activity is created, so regular orders cannot take them and a seckill
 * order needs no SKU update on its hot path (payment then commits reserved → sold as for any order).
 *
 * Counters, all changed by conditional updates only:
 * - `available`: units not yet turned into orders. The seckill order consumer's
 *   `available = available - 1 where available > 0` is the last guard against oversell.
 * - `ordered`: orders that currently hold a unit (created, not cancelled).
 * - `returned`: units given back by cancelled / timed-out seckill orders (they go back to `available`).
 * - `failed`: admitted attempts MySQL refused (only when Redis and MySQL disagreed).
 * A SETTLED activity has given its leftover `available` units back to the SKU.
 */
export const SeckillActivity = defineEntity({
  name: 'SeckillActivity',
  tableName: 'seckill_activity',
  indexes: [{ properties: ['status', 'endsAt'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    skuId: p.integer(),
    productId: p.integer(),
    storeId: p.integer(),
    stock: p.integer(),
    priceFen: p.integer(),
    startsAt: p.datetime(3),
    endsAt: p.datetime(3),
    limitPerUser: p.integer().default(1),
    available: p.integer(),
    ordered: p.integer().default(0),
    returned: p.integer().default(0),
    failed: p.integer().default(0),
    status: p.enum(SeckillActivityStatusValues).default('ACTIVE'),
    settledAt: p.datetime(3).nullable(),
    /** Units the settlement gave back to the SKU's available stock. */
    releasedToSku: p.integer().default(0),
    /** The last reconciliation: when, and its numbers as JSON (Redis vs MySQL). */
    reconciledAt: p.datetime(3).nullable(),
    reconcileReport: p.text().nullable(),
    ...timestamps,
  },
});
export type SeckillActivityRow = InferEntity<typeof SeckillActivity>;

export const SeckillOrderStatusValues = ['ORDERED', 'RETURNED', 'SOLD_OUT'] as const;
export type SeckillOrderStatus = (typeof SeckillOrderStatusValues)[number];

/**
 * What the order consumer made of one admitted attempt: the unique `attempt_id` makes it
 * idempotent per attempt (a redelivery finds the row), `order_no` links the ordinary order.
 * RETURNED: its order was cancelled and the unit went back to the activity.
 */
export const SeckillOrder = defineEntity({
  name: 'SeckillOrder',
  tableName: 'seckill_order',
  indexes: [{ properties: ['activityId', 'userId'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    attemptId: p.string().length(40).unique(),
    activityId: p.integer(),
    userId: p.integer(),
    orderNo: p.string().length(32).nullable().unique(),
    status: p.enum(SeckillOrderStatusValues),
    ...timestamps,
  },
});
export type SeckillOrderRow = InferEntity<typeof SeckillOrder>;
