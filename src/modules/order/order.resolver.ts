import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { DEFAULT_PAGE_SIZE } from '../../shared/pagination.js';
import { OrderService } from './order.service.js';
import { OrderConnection, OrderStatusGql, OrderType, PlaceOrderInput } from './order.types.js';

@Resolver()
export class OrderResolver {
  constructor(private readonly service: OrderService) {}

  @Mutation(() => OrderType, { description: 'Places an order (pending payment). Resubmitting the same clientRequestId returns the same order.' })
  async placeOrder(@Ctx() ctx: RequestContext, @Arg('input', () => PlaceOrderInput) input: PlaceOrderInput): Promise<OrderType> {
    return OrderType.from(await this.service.placeOrder(ctx, input));
  }

  @Mutation(() => OrderType, { description: "Cancels the viewer's unpaid order; stock and coupon are returned." })
  async cancelOrder(@Ctx() ctx: RequestContext, @Arg('orderNo') orderNo: string): Promise<OrderType> {
    return OrderType.from(await this.service.cancelOrder(ctx, orderNo));
  }

  @Mutation(() => OrderType, { description: 'The viewer confirms a shipped order arrived (SHIPPED → COMPLETED).' })
  async confirmReceipt(@Ctx() ctx: RequestContext, @Arg('orderNo') orderNo: string): Promise<OrderType> {
    return OrderType.from(await this.service.confirmReceipt(ctx, orderNo));
  }

  @Query(() => OrderType, { nullable: true, description: "One of the viewer's orders; null when there is no such order of theirs." })
  async order(@Ctx() ctx: RequestContext, @Arg('orderNo') orderNo: string): Promise<OrderType | null> {
    const view = await this.service.getOrder(ctx, orderNo);
    return view && OrderType.from(view);
  }

  @Query(() => OrderConnection, { description: "The viewer's orders, newest first; cursor-paginated." })
  async orders(
    @Ctx() ctx: RequestContext,
    @Arg('status', () => OrderStatusGql, { nullable: true }) status?: OrderStatusGql,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<OrderConnection> {
    return OrderConnection.from(await this.service.listOrders(ctx, { status, first, after }));
  }
}
