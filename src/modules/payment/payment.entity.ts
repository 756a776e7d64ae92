import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

/**
 * - APPLIED: this payment moved its order PENDING_PAYMENT → PAID (the pay-success fan-out follows);
 * - UNAPPLIED: the money arrived for an order that could no longer take it (cancelled, or paid
 *   by another transaction): it is recorded and refunded automatically.
 */
export const PaymentOutcomeValues = ['APPLIED', 'UNAPPLIED'] as const;
export type PaymentOutcome = (typeof PaymentOutcomeValues)[number];

/**
 * One row per WeChat Pay transaction. The unique `transaction_id` is the exactly-once guard of
 * the pay notification: of concurrent copies, one inserts, the others hit a duplicate key.
 */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  indexes: [{ properties: ['orderNo'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    transactionId: p.string().length(32).unique(),
    orderNo: p.string().length(32),
    userId: p.integer(),
    amountFen: p.integer(),
    outcome: p.enum(PaymentOutcomeValues),
    /** NOTIFY (WeChat's notification) or QUERY (the timeout probe asked WeChat). */
    source: p.string().length(16),
    /** Which handling of the notification wrote this row (APPLIED); carried by its TopicOrderPaySuccess message. */
    attemptId: p.string().length(36).nullable(),
    successTime: p.datetime(3).nullable(),
    ...timestamps,
  },
});
export type PaymentRow = InferEntity<typeof Payment>;
