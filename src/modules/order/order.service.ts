import type { EntityManager } from '@mikro-orm/mysql';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import type { Logger } from '../../infra/observability/logger.js';
import { retryOnLockConflict } from '../../infra/db/lock-retry.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RequestContext } from '../../shared/context.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CouponService } from '../coupon/coupon.service.js';
import { Order } from './order.entity.js';
import { OrderErrors } from './order.errors.js';
import type { HeldStockReturn, OrderView } from './order.model.js';
import { OrderPlacement } from './order-placement.js';
import { OrderReads } from './order-reads.js';
import { OrderTransitions } from './order-transitions.js';

export type * from './order.model.js';
export { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_REMARK_LENGTH, DEFAULT_MAX_PENDING_PER_STORE, DEFAULT_MAX_RESERVED_UNITS_PER_STORE, validatePlaceOrder } from './order-placement.js';

/**
 * The order module's door: what resolvers and other modules call. Placement, the state engine and
 * the reads live in their own files (order-placement.ts, order-transitions.ts, order-reads.ts) and
 * are handed on as they are; this class holds the owner's commands (cancel, confirm) and the
 * prepay flag.
 */
export class OrderService {
  private readonly reads = new OrderReads();
  private readonly transitions: OrderTransitions;
  private readonly placement: OrderPlacement;

  // Handed on as they are (bound methods of the parts, same signatures).
  placeOrder: OrderPlacement['placeOrder'];
  placeHeldOrder: OrderPlacement['placeHeldOrder'];
  /** THE order state transition (see OrderTransitions.transition). */
  transition: OrderTransitions['transition'];
  cancelInTransaction: OrderTransitions['cancelInTransaction'];
  getOrder: OrderReads['getOrder'];
  listOrders: OrderReads['listOrders'];
  findByOrderNo: OrderReads['findByOrderNo'];
  stockLines: OrderReads['stockLines'];

  constructor(
    private readonly deps: {
      outbox: TransactionalOutbox;
      catalog: CatalogService;
      coupons: CouponService;
      metrics: Metrics;
      logger: Logger;
      /** Locks the buyer until the transaction ends (the auth module's user row). */
      lockOwner?: (tx: EntityManager, userId: number) => Promise<void>;
      /** "This cancelled order's unit is mine": the seckill module's (see HeldStockReturn). */
      heldStockReturn?: HeldStockReturn;
    },
    options: { paymentTimeoutMs: number; instanceId: string; maxPendingPerStore?: number; maxReservedUnitsPerStore?: number },
  ) {
    this.transitions = new OrderTransitions({ catalog: deps.catalog, coupons: deps.coupons, logger: deps.logger, heldStockReturn: deps.heldStockReturn });
    this.placement = new OrderPlacement({ outbox: deps.outbox, catalog: deps.catalog, coupons: deps.coupons, reads: this.reads, lockOwner: deps.lockOwner }, options);
    this.placeOrder = this.placement.placeOrder.bind(this.placement);
    this.placeHeldOrder = this.placement.placeHeldOrder.bind(this.placement);
    this.transition = this.transitions.transition.bind(this.transitions);
    this.cancelInTransaction = this.transitions.cancelInTransaction.bind(this.transitions);
    this.getOrder = this.reads.getOrder.bind(this.reads);
    this.listOrders = this.reads.listOrders.bind(this.reads);
    this.findByOrderNo = this.reads.findByOrderNo.bind(this.reads);
    this.stockLines = this.reads.stockLines.bind(this.reads);
  }

  // ---------------------------------------------------------------- the owner's commands

  /** The viewer cancels their unpaid order: CONFLICT ORDER_NOT_CANCELLABLE once it is paid or closed. */
  async cancelOrder(ctx: RequestContext, orderNo: string): Promise<OrderView> {
    const viewer = requireCustomer(ctx);
    const order = await ctx.em.findOne(Order, { orderNo: String(orderNo), userId: viewer.userId });
    if (!order) throw OrderErrors.notFound();
    const cancelled = await this.deps.outbox.transactional(ctx.em, (tx, emit) => this.cancelInTransaction(tx, emit, order.orderNo, 'USER_CANCELLED', { userId: viewer.userId }));
    if (!cancelled) {
      const now = await ctx.em.fork().findOne(Order, { orderNo: order.orderNo });
      throw OrderErrors.notCancellable(now?.status ?? order.status);
    }
    ctx.log.info({ orderNo }, 'order cancelled by its owner');
    return this.reads.withItems(ctx.em.fork(), cancelled);
  }

  /** The viewer confirms a shipped order arrived: SHIPPED → COMPLETED. */
  async confirmReceipt(ctx: RequestContext, orderNo: string): Promise<OrderView> {
    const viewer = requireCustomer(ctx);
    const order = await ctx.em.findOne(Order, { orderNo: String(orderNo), userId: viewer.userId });
    if (!order) throw OrderErrors.notFound();
    const done = await this.deps.outbox.transactional(ctx.em, (tx, emit) =>
      this.transition(tx, emit, order.orderNo, ['SHIPPED'], 'COMPLETED', { userId: viewer.userId, reason: 'RECEIPT_CONFIRMED', patch: { completedAt: new Date() } }),
    );
    if (!done) throw OrderErrors.notConfirmable(order.status);
    return this.reads.withItems(ctx.em.fork(), done);
  }

  // ---------------------------------------------------------------- prepay flag

  /**
   * Records that the owner is about to ask WeChat Pay for a prepay of their unpaid order (before
   * the request goes out). False when the order is not theirs, no longer PENDING_PAYMENT or past
   * its deadline: then no prepay may be created. This and the no-prepay close in `closeIfUnpaid`
   * are conditional updates of the same row, so one of them sees the other: either the close
   * fails and asks WeChat Pay, or this finds the order closed and no prepay is ever created.
   */
  async recordPrepayRequest(em: EntityManager, orderNo: string, userId: number, now = new Date()): Promise<boolean> {
    // One idempotent statement: a deadlock against a concurrent transition of the row (seen under
    // load) is simply run again.
    const r = await retryOnLockConflict(() =>
      em.execute<{ affectedRows: number }>(
        "update `orders` set `prepay_requested_at` = coalesce(`prepay_requested_at`, ?) where `order_no` = ? and `user_id` = ? and `status` = 'PENDING_PAYMENT' and `expires_at` > ?",
        [now, orderNo, userId, now],
        'run',
      ),
    );
    // mysql2 reports matched rows (FOUND_ROWS): a second request for the same order counts too.
    return r.affectedRows === 1;
  }
}
