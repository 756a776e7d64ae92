import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { UserCouponView } from './coupon.service.js';

export enum CouponStatusGql {
  AVAILABLE = 'AVAILABLE',
  USED = 'USED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(CouponStatusGql, { name: 'CouponStatus' });

@ObjectType('UserCoupon')
export class UserCouponType {
  @Field(() => ID) id!: string;
  @Field() code!: string;
  @Field() name!: string;
  @Field(() => Int) discountFen!: number;
  @Field(() => Int) thresholdFen!: number;
  @Field(() => CouponStatusGql) status!: CouponStatusGql;
  @Field() source!: string;
  @Field() validFrom!: Date;
  @Field() validUntil!: Date;
  @Field() createdAt!: Date;

  static from({ coupon, template }: UserCouponView): UserCouponType {
    return Object.assign(new UserCouponType(), {
      id: String(coupon.id),
      code: template.code,
      name: template.name,
      discountFen: template.discountFen,
      thresholdFen: template.thresholdFen,
      status: coupon.status as CouponStatusGql,
      source: coupon.source,
      validFrom: coupon.validFrom,
      validUntil: coupon.validUntil,
      createdAt: coupon.createdAt,
    });
  }
}
