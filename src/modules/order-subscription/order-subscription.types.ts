import { Field, Int, ObjectType } from 'type-graphql';
import type { OrderStatusChanged } from '../order/order-events.js';
import { OrderStatusGql } from '../order/order.types.js';

@ObjectType('OrderStatusEvent', { description: "One transition of the viewer's order, pushed in the order's own order." })
export class OrderStatusEventType {
  @Field() orderNo!: string;
  @Field(() => OrderStatusGql, { description: 'The status after the transition.' }) status!: OrderStatusGql;
  @Field({ description: "CREATED for the order's first event, else the new status." }) event!: string;
  @Field(() => OrderStatusGql, { nullable: true }) previousStatus!: OrderStatusGql | null;
  @Field(() => Int, { description: 'Grows by one per transition of this order: apply events with a higher seq than the state you hold.' }) seq!: number;
  @Field({ description: 'When the transition happened.' }) at!: Date;
  @Field(() => String, { nullable: true, description: 'Why it changed, e.g. USER_CANCELLED, PAYMENT_TIMEOUT.' }) reason!: string | null;

  static from(e: OrderStatusChanged): OrderStatusEventType {
    return Object.assign(new OrderStatusEventType(), {
      orderNo: e.orderNo,
      status: e.status as OrderStatusGql,
      event: e.event,
      previousStatus: (e.previousStatus as OrderStatusGql | null) ?? null,
      seq: e.seq,
      at: new Date(e.at),
      reason: e.reason ?? null,
    });
  }
}
