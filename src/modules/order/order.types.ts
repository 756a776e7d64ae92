import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType, type Page } from '../../shared/pagination.js';
import type { OrderItemRow } from './order.entity.js';
import type { OrderView } from './order.service.js';

/** The GraphQL `OrderStatus` enum (same values as order-events.ts); reuse it, do not register another. */
export enum OrderStatusGql {
  PENDING_PAYMENT = 'PENDING_PAYMENT',
  PAID = 'PAID',
  SHIPPED = 'SHIPPED',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
  REFUNDING = 'REFUNDING',
  REFUNDED = 'REFUNDED',
}
registerEnumType(OrderStatusGql, { name: 'OrderStatus' });

@ObjectType('OrderItem')
export class OrderItemType {
  @Field(() => ID) skuId!: string;
  @Field() productName!: string;
  @Field() skuName!: string;
  @Field(() => Int) unitPriceFen!: number;
  @Field(() => Int) quantity!: number;
  @Field(() => Int) subtotalFen!: number;

  static from(row: OrderItemRow): OrderItemType {
    return Object.assign(new OrderItemType(), {
      skuId: String(row.skuId),
      productName: row.productName,
      skuName: row.skuName,
      unitPriceFen: row.unitPriceFen,
      quantity: row.quantity,
      subtotalFen: row.subtotalFen,
    });
  }
}

@ObjectType('Order')
export class OrderType {
  @Field() orderNo!: string;
  @Field(() => ID) storeId!: string;
  @Field(() => OrderStatusGql) status!: OrderStatusGql;
  @Field(() => Int, { description: 'Sum of the items at server prices, in fen.' }) totalFen!: number;
  @Field(() => Int) discountFen!: number;
  @Field(() => Int, { description: 'What the user pays: totalFen - discountFen.' }) payableFen!: number;
  @Field(() => ID, { nullable: true, description: 'The UserCoupon used, if any.' }) couponId!: string | null;
  @Field(() => String, { nullable: true }) remark!: string | null;
  @Field(() => [OrderItemType]) items!: OrderItemType[];
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) paidAt!: Date | null;
  @Field({ description: 'Payment deadline: an unpaid order is cancelled after it.' }) expiresAt!: Date;
  @Field(() => Date, { nullable: true }) cancelledAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'USER_CANCELLED or PAYMENT_TIMEOUT.' }) cancelReason!: string | null;

  static from({ order, items }: OrderView): OrderType {
    return Object.assign(new OrderType(), {
      orderNo: order.orderNo,
      storeId: String(order.storeId),
      status: order.status as OrderStatusGql,
      totalFen: order.totalFen,
      discountFen: order.discountFen,
      payableFen: order.payableFen,
      couponId: order.userCouponId ? String(order.userCouponId) : null,
      remark: order.remark ?? null,
      items: items.map(OrderItemType.from),
      createdAt: order.createdAt,
      paidAt: order.paidAt ?? null,
      expiresAt: order.expiresAt,
      cancelledAt: order.cancelledAt ?? null,
      cancelReason: order.cancelReason ?? null,
    });
  }
}

@ObjectType('OrderEdge')
export class OrderEdge {
  @Field() cursor!: string;
  @Field(() => OrderType) node!: OrderType;
}

@ObjectType('OrderConnection')
export class OrderConnection {
  @Field(() => [OrderEdge]) edges!: OrderEdge[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;

  static from(page: Page<OrderView>): OrderConnection {
    return Object.assign(new OrderConnection(), {
      edges: page.edges.map((e) => Object.assign(new OrderEdge(), { cursor: e.cursor, node: OrderType.from(e.node) })),
      pageInfo: Object.assign(new PageInfoType(), page.pageInfo),
    });
  }
}

@InputType('PlaceOrderItemInput')
export class PlaceOrderItemInput {
  @Field(() => ID) skuId!: string;
  @Field(() => Int, { description: '1..99' }) quantity!: number;
}

@InputType('PlaceOrderInput', { description: 'No prices: the server prices every line.' })
export class PlaceOrderInput {
  @Field(() => ID) storeId!: string;
  @Field(() => [PlaceOrderItemInput], { description: '1..20 distinct SKUs.' }) items!: PlaceOrderItemInput[];
  @Field(() => ID, { nullable: true, description: 'A UserCoupon id from myCoupons.' }) couponId?: string | null;
  @Field(() => String, { nullable: true, description: 'At most 200 characters.' }) remark?: string | null;
  @Field({ description: '8..64 characters [A-Za-z0-9_-], generated once per checkout: a resubmit returns the same order.' }) clientRequestId!: string;
}
