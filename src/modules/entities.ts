import { OutboxMessage } from '../infra/mq/outbox/outbox-message.entity.js';
import { AdminUser, User } from './auth/user.entity.js';
import { Coupon, UserCoupon } from './coupon/coupon.entity.js';

/** Every entity, listed explicitly (no folder discovery: it behaves the same under jest, tsc output and the CLI). */
export const ENTITIES = [OutboxMessage, User, AdminUser, Coupon, UserCoupon] as const;
