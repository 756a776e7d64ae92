import { Field, Int, ObjectType } from 'type-graphql';
import type { SalesSummary } from './analytics.service.js';

@ObjectType('SalesSummary', { description: 'Order figures for a period, from the analytics store (never the order tables).' })
export class SalesSummaryType {
  @Field() from!: Date;
  @Field() to!: Date;
  @Field(() => Int, { description: 'Orders placed in the period.' }) ordersCreated!: number;
  @Field(() => Int, { description: 'Orders paid in the period.' }) ordersPaid!: number;
  @Field(() => Int, { description: 'Orders cancelled in the period (by the user or the payment timeout).' }) ordersCancelled!: number;
  @Field(() => Int, { description: 'Orders refunded in the period.' }) ordersRefunded!: number;
  @Field(() => Int, { description: 'Gross merchandise value: payable amounts of the orders paid in the period, in fen.' }) gmvFen!: number;
  @Field(() => Int, { description: 'Payable amounts of the orders refunded in the period, in fen.' }) refundedFen!: number;

  static from(summary: SalesSummary): SalesSummaryType {
    return Object.assign(new SalesSummaryType(), summary);
  }
}
