import { AuthResolver } from './auth/auth.resolver.js';
import { CouponResolver } from './coupon/coupon.resolver.js';

/** Every resolver class; the composition root provides their instances. */
export const RESOLVERS = [AuthResolver, CouponResolver] as const;
