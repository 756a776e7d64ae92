import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The pay-success SMS of an order, claimed before the provider is called (unique order_no), so
 * concurrent or redelivered messages send it once.
 */
export const PaymentSms = defineEntity({
  name: 'PaymentSms',
  tableName: 'payment_sms',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderNo: p.string().length(32).unique(),
    messageId: p.string().length(64).nullable(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
  },
});
export type PaymentSmsRow = InferEntity<typeof PaymentSms>;
