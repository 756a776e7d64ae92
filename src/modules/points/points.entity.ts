import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Why points moved: earned by a payment, taken back by its refund. */
export const PointsReasonValues = ['PAID', 'REFUNDED'] as const;
export type PointsReason = (typeof PointsReasonValues)[number];

/**
 * One row per points movement of an order. The unique (order_no, reason) index is the
 * exactly-once guard of the points consumers: a redelivered message hits a duplicate key.
 * The user's balance (`user.points`) is kept by the auth module, in the same transaction.
 */
export const PointsLedger = defineEntity({
  name: 'PointsLedger',
  tableName: 'points_ledger',
  uniques: [{ properties: ['orderNo', 'reason'] }],
  indexes: [{ properties: ['userId', 'id'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    userId: p.integer(),
    orderNo: p.string().length(32),
    reason: p.enum(PointsReasonValues),
    /** Signed: positive when earned, negative when reversed. */
    delta: p.integer(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
  },
});
export type PointsLedgerRow = InferEntity<typeof PointsLedger>;
