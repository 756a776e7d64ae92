import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

/** PROCESSING until WeChat Pay reports the money back (SUCCESS) or gives up (FAILED). */
export const RefundStatusValues = ['PROCESSING', 'SUCCESS', 'FAILED'] as const;
export type RefundStatus = (typeof RefundStatusValues)[number];

/** USER: the owner asked (order → REFUNDING → REFUNDED); LATE_PAYMENT: money for an order that could not take it. */
export const RefundSourceValues = ['USER', 'LATE_PAYMENT'] as const;
export type RefundSource = (typeof RefundSourceValues)[number];

/**
 * A full refund of one payment. `refund_no` (our out_refund_no) is unique, and so is the
 * payment's `transaction_id`: a payment is refunded at most once, whoever asks how often.
 */
export const Refund = defineEntity({
  name: 'Refund',
  tableName: 'refund',
  indexes: [{ properties: ['orderNo'] }, { properties: ['status', 'updatedAt'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    refundNo: p.string().length(64).unique(),
    orderNo: p.string().length(32),
    userId: p.integer(),
    transactionId: p.string().length(32).unique(),
    amountFen: p.integer(),
    totalFen: p.integer(),
    reason: p.string().length(200),
    source: p.enum(RefundSourceValues),
    status: p.enum(RefundStatusValues),
    /** WeChat's refund_id, once WeChat accepted the refund. */
    wxRefundId: p.string().length(64).nullable(),
    succeededAt: p.datetime(3).nullable(),
    ...timestamps,
  },
});
export type RefundRow = InferEntity<typeof Refund>;
