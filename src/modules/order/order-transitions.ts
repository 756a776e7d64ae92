import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import type { OutgoingMessage } from '../../infra/mq/message-bus.port.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CouponService } from '../coupon/coupon.service.js';
import type { OrderStatus, OrderStatusChanged } from './order-events.js';
import { Order, OrderItem, type OrderRow } from './order.entity.js';
import type { Emit, HeldStockReturn, OrderView, TransitionOptions, TransitionPatch } from './order.model.js';

const PATCH_COLUMNS: Record<keyof TransitionPatch, string> = {
  paidAt: 'paid_at',
  shippedAt: 'shipped_at',
  completedAt: 'completed_at',
  cancelledAt: 'cancelled_at',
  cancelReason: 'cancel_reason',
};

/**
 * The order state engine: THE transition every module that moves an order (payment, refund,
 * shipping, the closer) goes through, and the cancellation that gives back what an unpaid order
 * held. Changes when the life of an order changes.
 */
export class OrderTransitions {
  constructor(
    private readonly deps: {
      catalog: CatalogService;
      coupons: CouponService;
      logger: Logger;
      /** "This cancelled order's unit is mine": the seckill module's (see HeldStockReturn). */
      heldStockReturn?: HeldStockReturn;
    },
  ) {}

  /**
   * THE order state transition. Every status change of an order goes through here, inside the
   * caller's outbox transaction: `outbox.transactional(em, (tx, emit) => orders.transition(tx,
   * emit, orderNo, ['PENDING_PAYMENT'], 'PAID', { patch: { paidAt }, reason: 'PAID' }))`.
   *
   * It locks the row, and moves it only if its status is one of `from` (and the optional
   * guards hold), with a conditional UPDATE (`where order_no = ? and status = ? and version =
   * ?`) that also increments `version`; then it stages the status event on the FIFO
   * TopicOrderStatus stream (message group = orderNo, tag = the new status, seq = the new
   * version). Returns the updated order, or null when the order does not exist or is not in an
   * expected state (a late or duplicate message never moves an order backwards). Side effects
   * of the new state (stock, coupon, points...) are the caller's, in the same transaction.
   */
  async transition(tx: EntityManager, emit: Emit, orderNo: string, from: readonly OrderStatus[], to: OrderStatus, options: TransitionOptions = {}): Promise<OrderRow | null> {
    const guardsHold = (row: OrderRow) =>
      from.includes(row.status) &&
      (options.userId === undefined || row.userId === options.userId) &&
      !(options.expiredAtOrBefore && row.expiresAt > options.expiredAtOrBefore) &&
      !(options.withoutPrepay && row.prepayRequestedAt);
    const seen = options.readBefore;
    if (seen && seen.orderNo === orderNo && guardsHold(seen)) {
      const updated = await this.applyTransition(tx, emit, seen, to, options);
      if (updated) return updated;
    }
    const current = await tx.findOne(Order, { orderNo }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!current || !guardsHold(current)) return null;
    return this.applyTransition(tx, emit, current, to, options);
  }

  /** The conditional UPDATE of a transition from `current` (matched on status and version) and its stream event. */
  private async applyTransition(tx: EntityManager, emit: Emit, current: OrderRow, to: OrderStatus, options: TransitionOptions): Promise<OrderRow | null> {
    const now = new Date();
    const patch = Object.fromEntries(Object.entries(options.patch ?? {}).filter(([, value]) => value !== undefined)) as TransitionPatch;
    const sets = ['`status` = ?', '`version` = `version` + 1', '`updated_at` = ?'];
    const params: unknown[] = [to, now];
    for (const [key, value] of Object.entries(patch) as [keyof TransitionPatch, unknown][]) {
      sets.push(`\`${PATCH_COLUMNS[key]}\` = ?`);
      params.push(value);
    }
    params.push(current.orderNo, current.status, current.version);
    // A prepay request does not move the version (it is not a transition): it has its own condition.
    const noPrepay = options.withoutPrepay ? ' and `prepay_requested_at` is null' : '';
    const r = await tx.execute<{ affectedRows: number }>(`update \`orders\` set ${sets.join(', ')} where \`order_no\` = ? and \`status\` = ? and \`version\` = ?${noPrepay}`, params, 'run');
    if (r.affectedRows !== 1) return null;

    // The row is locked until commit: what it now holds is exactly what was just written.
    const updated: OrderRow = { ...current, ...patch, status: to, version: current.version + 1, updatedAt: now };
    emit<OrderStatusChanged>(statusMessage(updated, to, current.status, options.reason, now));
    return updated;
  }

  /**
   * Cancels a PENDING_PAYMENT order inside the caller's transaction and gives back what it held
   * (coupon first, then stock in SKU order: the placement lock order). Null when it was not
   * (or no longer) cancellable under the given guards.
   */
  async cancelInTransaction(
    tx: EntityManager,
    emit: Emit,
    orderNo: string,
    reason: 'USER_CANCELLED' | 'PAYMENT_TIMEOUT',
    guards: Pick<TransitionOptions, 'userId' | 'expiredAtOrBefore' | 'withoutPrepay'> = {},
    readBefore?: OrderView,
  ): Promise<OrderRow | null> {
    const cancelled = await this.transition(tx, emit, orderNo, ['PENDING_PAYMENT'], 'CANCELLED', { ...guards, reason, patch: { cancelledAt: new Date(), cancelReason: reason }, readBefore: readBefore?.order });
    if (!cancelled) return null;
    if (cancelled.userCouponId !== null && cancelled.userCouponId !== undefined) {
      await this.deps.coupons.releaseForOrder(tx, cancelled.userCouponId, orderNo);
    }
    // Order lines never change after placement: lines read with the order are still its lines.
    if (this.deps.heldStockReturn && (await this.deps.heldStockReturn(tx, emit, cancelled))) return cancelled;
    const items = readBefore?.order.id === cancelled.id ? readBefore.items : await tx.find(OrderItem, { orderId: cancelled.id });
    const released = await this.deps.catalog.release(tx, items);
    if (released !== items.length) {
      this.deps.logger.error({ orderNo, lines: items.length, released }, 'cancelled order had stock lines that were no longer reserved');
    }
    return cancelled;
  }
}

export function statusMessage(order: OrderRow, event: OrderStatusChanged['event'], previousStatus: OrderStatus | null, reason: string | undefined, at: Date): OutgoingMessage<OrderStatusChanged> {
  return {
    topic: Topics.OrderStatus,
    tag: event,
    key: order.orderNo,
    messageGroup: order.orderNo,
    data: {
      orderNo: order.orderNo,
      userId: order.userId,
      storeId: order.storeId,
      event,
      status: order.status,
      previousStatus,
      seq: order.version,
      totalFen: order.totalFen,
      payableFen: order.payableFen,
      ...(reason ? { reason } : {}),
      at: at.toISOString(),
    },
  };
}
