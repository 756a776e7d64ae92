import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { CouponService } from './coupon.service.js';
import { CouponStatusGql, UserCouponType } from './coupon.types.js';

@Resolver()
export class CouponResolver {
  constructor(private readonly coupons: CouponService) {}

  @Query(() => [UserCouponType], { description: "The viewer's coupons, newest first." })
  async myCoupons(@Ctx() ctx: RequestContext, @Arg('status', () => CouponStatusGql, { nullable: true }) status?: CouponStatusGql): Promise<UserCouponType[]> {
    return (await this.coupons.myCoupons(ctx, status)).map(UserCouponType.from);
  }
}
