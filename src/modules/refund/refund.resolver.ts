import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { RefundService } from './refund.service.js';
import { RefundType } from './refund.types.js';

@Resolver()
export class RefundResolver {
  constructor(private readonly refunds: RefundService) {}

  @Mutation(() => RefundType, { description: "Full refund of the viewer's PAID, SHIPPED or COMPLETED order; asking again returns the same refund." })
  async requestRefund(@Ctx() ctx: RequestContext, @Arg('orderNo') orderNo: string, @Arg('reason') reason: string): Promise<RefundType> {
    return RefundType.from(await this.refunds.requestRefund(ctx, orderNo, reason));
  }
}
