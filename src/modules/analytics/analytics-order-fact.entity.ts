import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The analytics store's copy of the order stream: one row per order transition, appended by
 * cg-analytics. Reports read this table only, never the order tables. The unique (order_no, seq)
 * index makes a redelivered or republished event a no-op.
 */
export const AnalyticsOrderFact = defineEntity({
  name: 'AnalyticsOrderFact',
  tableName: 'analytics_order_fact',
  uniques: [{ properties: ['orderNo', 'seq'] }],
  indexes: [{ properties: ['event', 'occurredAt'] }, { properties: ['occurredAt'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    orderNo: p.string().length(32),
    seq: p.integer(),
    /** CREATED, PAID, SHIPPED, COMPLETED, CANCELLED, REFUNDING, REFUNDED. */
    event: p.string().length(16),
    status: p.string().length(16),
    previousStatus: p.string().length(16).nullable(),
    userId: p.integer(),
    storeId: p.integer(),
    totalFen: p.integer(),
    payableFen: p.integer(),
    reason: p.string().length(64).nullable(),
    /** When the transition happened (the event's `at`), UTC. */
    occurredAt: p.datetime(3),
    /** When analytics recorded it, UTC. */
    recordedAt: p.datetime(3).onCreate(() => new Date()),
  },
});
export type AnalyticsOrderFactRow = InferEntity<typeof AnalyticsOrderFact>;
