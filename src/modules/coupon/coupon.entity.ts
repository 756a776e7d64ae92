import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

export const CouponStatusValues = ['AVAILABLE', 'USED', 'EXPIRED'] as const;
export type CouponStatus = (typeof CouponStatusValues)[number];

/** A coupon template: what it is worth and for how long a granted copy stays valid. */
export const Coupon = defineEntity({
  name: 'Coupon',
  tableName: 'coupon',
  properties: {
    id: p.integer().primary().autoincrement(),
    code: p.string().length(64).unique(),
    name: p.string().length(128),
    discountFen: p.integer(),
    /** The order total (fen) from which the coupon applies; 0 = no threshold. */
    thresholdFen: p.integer().default(0),
    validDays: p.integer(),
    active: p.boolean().default(true),
    ...timestamps,
  },
});
export type CouponRow = InferEntity<typeof Coupon>;

/** A coupon granted to a user. The unique index makes every grant happen at most once. */
export const UserCoupon = defineEntity({
  name: 'UserCoupon',
  tableName: 'user_coupon',
  uniques: [{ properties: ['userId', 'couponId'] }],
  indexes: [{ properties: ['userId', 'status'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    userId: p.integer(),
    couponId: p.integer(),
    status: p.enum(CouponStatusValues).default('AVAILABLE'),
    /** Why it was granted: NEW_USER, PAY_REWARD, ... */
    source: p.string().length(32),
    /** The order that used it, while used. */
    usedOrderNo: p.string().length(32).nullable(),
    validFrom: p.datetime(3),
    validUntil: p.datetime(3),
    ...timestamps,
  },
});
export type UserCouponRow = InferEntity<typeof UserCoupon>;
