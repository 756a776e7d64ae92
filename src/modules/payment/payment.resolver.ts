import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { PaymentService } from './payment.service.js';
import { PaymentParamsType } from './payment.types.js';

@Resolver()
export class PaymentResolver {
  constructor(private readonly payments: PaymentService) {}

  @Mutation(() => PaymentParamsType, { description: "The wx.requestPayment parameters for the viewer's unpaid order (JSAPI prepay)." })
  async payOrder(@Ctx() ctx: RequestContext, @Arg('orderNo') orderNo: string): Promise<PaymentParamsType> {
    return PaymentParamsType.from(await this.payments.payOrder(ctx, orderNo));
  }

  @Mutation(() => Boolean, { description: 'Local mode only: the WeChat Pay simulator pays the order and sends the signed notification.' })
  async simulatePayment(@Ctx() ctx: RequestContext, @Arg('orderNo') orderNo: string): Promise<boolean> {
    return this.payments.simulatePayment(ctx, orderNo);
  }
}
