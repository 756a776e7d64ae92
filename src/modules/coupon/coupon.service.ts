import type { EntityManager } from '@mikro-orm/mysql';
import type { RequestContext } from '../../shared/context.js';
import { AppError } from '../../shared/errors.js';
import { requireCustomer } from '../auth/auth.service.js';
import { Coupon, UserCoupon, type CouponRow, type CouponStatus, type UserCouponRow } from './coupon.entity.js';

const DAY_MS = 86_400_000;

export interface UserCouponView {
  coupon: UserCouponRow;
  template: CouponRow;
}

export class CouponService {
  /** The viewer's coupons, newest first; an AVAILABLE coupon past its end shows as EXPIRED. */
  async myCoupons(ctx: RequestContext, status?: CouponStatus): Promise<UserCouponView[]> {
    const viewer = requireCustomer(ctx);
    const now = new Date();
    const rows = await ctx.em.find(UserCoupon, { userId: viewer.userId }, { orderBy: { id: 'desc' } });
    const templates = await ctx.em.find(Coupon, { id: { $in: [...new Set(rows.map((r) => r.couponId))] } });
    const byId = new Map(templates.map((t) => [t.id, t]));
    return rows
      .map((coupon) => {
        const effective: CouponStatus = coupon.status === 'AVAILABLE' && coupon.validUntil < now ? 'EXPIRED' : coupon.status;
        return { coupon: Object.assign(coupon, { status: effective }), template: byId.get(coupon.couponId)! };
      })
      .filter((v) => v.template && (!status || v.coupon.status === status));
  }

  /**
   * Grants the coupon with this code to the user. The unique (user_id, coupon_id) index makes a
   * second grant a duplicate-key error, which the consumer runner reads as "already done".
   */
  async grant(em: EntityManager, userId: number, couponCode: string, source: string): Promise<UserCouponRow> {
    const template = await em.findOne(Coupon, { code: couponCode, active: true });
    if (!template) throw new Error(`coupon ${couponCode} is not configured or not active`);
    const now = new Date();
    const granted = em.create(UserCoupon, {
      userId,
      couponId: template.id,
      status: 'AVAILABLE',
      source,
      usedOrderNo: null,
      validFrom: now,
      validUntil: new Date(now.getTime() + template.validDays * DAY_MS),
    });
    await em.flush();
    return granted;
  }

  /**
   * Marks the viewer's coupon used by `orderNo`, inside the order's transaction (`em`), and
   * returns the discount for an order total of `totalFen`. The conditional update (owner,
   * AVAILABLE, inside its validity window) is what decides, so two orders can never use one
   * coupon. Throws BAD_USER_INPUT: COUPON_NOT_FOUND (no such coupon of this user),
   * COUPON_THRESHOLD_NOT_MET, COUPON_NOT_USABLE (used, expired or not yet valid).
   * The discount never exceeds `totalFen - 1`: an order always has something to pay.
   */
  async useForOrder(em: EntityManager, userId: number, userCouponId: number, orderNo: string, totalFen: number): Promise<{ couponId: number; discountFen: number }> {
    const owned = await em.findOne(UserCoupon, { id: userCouponId, userId });
    const template = owned && (await em.findOne(Coupon, { id: owned.couponId }));
    if (!owned || !template) throw AppError.badInput('no such coupon', 'COUPON_NOT_FOUND', 'couponId');
    if (totalFen < template.thresholdFen) throw AppError.badInput(`the coupon applies from ${template.thresholdFen} fen`, 'COUPON_THRESHOLD_NOT_MET', 'couponId');
    const now = new Date();
    const r = await em.execute<{ affectedRows: number }>(
      "update `user_coupon` set `status` = 'USED', `used_order_no` = ?, `updated_at` = ? where `id` = ? and `user_id` = ? and `status` = 'AVAILABLE' and `valid_from` <= ? and `valid_until` > ?",
      [orderNo, now, userCouponId, userId, now, now],
      'run',
    );
    if (r.affectedRows !== 1) throw AppError.badInput('the coupon is used, expired or not yet valid', 'COUPON_NOT_USABLE', 'couponId');
    return { couponId: template.id, discountFen: Math.max(0, Math.min(template.discountFen, totalFen - 1)) };
  }

  /**
   * Returns the coupon `orderNo` used to AVAILABLE (order cancelled), inside the caller's
   * transaction. Conditional on still being used by that order, so a replay is a no-op.
   * Returns true when it changed the coupon.
   */
  async releaseForOrder(em: EntityManager, userCouponId: number, orderNo: string): Promise<boolean> {
    const r = await em.execute<{ affectedRows: number }>(
      "update `user_coupon` set `status` = 'AVAILABLE', `used_order_no` = null, `updated_at` = ? where `id` = ? and `used_order_no` = ? and `status` = 'USED'",
      [new Date(), userCouponId, orderNo],
      'run',
    );
    return r.affectedRows === 1;
  }

  async ensureTemplate(em: EntityManager, template: { code: string; name: string; discountFen: number; thresholdFen: number; validDays: number }): Promise<void> {
    if (await em.findOne(Coupon, { code: template.code })) return;
    em.create(Coupon, { ...template, active: true });
    await em.flush();
  }
}
