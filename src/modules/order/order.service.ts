import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import pLimit, { type LimitFunction } from 'p-limit';
import { insertRows } from '../../infra/db/insert-rows.js';
import type { Orm } from '../../infra/db/orm.js';
import type { OutgoingMessage } from '../../infra/mq/message-bus.port.js';
import type { OutboxRelay } from '../../infra/mq/outbox/outbox.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { Metrics } from '../../infra/observability/metrics.js';
import type { RequestContext } from '../../shared/context.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { CatalogService, QuotedLine, StockLine } from '../catalog/catalog.service.js';
import { checkPageSize, decodeCursor, parseId, toPage, type Page } from '../catalog/pagination.js';
import type { CouponService } from '../coupon/coupon.service.js';
import { ORDER_CREATED_TAG, OrderStatusValues, type OrderStatus, type OrderStatusChangedEvent } from './order-events.js';
import { Order, OrderItem, type OrderItemRow, type OrderRow } from './order.entity.js';
import { OrderErrors } from './order.errors.js';
import { OrderNumberGenerator } from './order-number.js';
import { NEVER_PAID_PROBE, type PaymentStatusProbe } from './payment-status.port.js';

/** Input limits of placeOrder. */
export const MAX_ORDER_LINES = 20;
export const MAX_LINE_QUANTITY = 99;
export const MAX_REMARK_LENGTH = 200;
const CLIENT_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** The sweep leaves orders this recently expired to their delay message (30 s). */
export const DEFAULT_SWEEP_GRACE_MS = 30_000;
/** Orders the sweep handles per query. */
const SWEEP_BATCH_SIZE = 200;
/** A delay message that arrives this little before the deadline (clock skew) waits in place instead of retrying (5 s). */
const EARLY_DELIVERY_WAIT_MS = 5_000;
/** Placement retries after a deadlock or an order-number clash. */
const PLACE_ATTEMPTS = 3;

export interface OrderView {
  order: OrderRow;
  items: OrderItemRow[];
}

export interface PlaceOrderRequest {
  storeId: string | number;
  items: { skuId: string | number; quantity: number }[];
  couponId?: string | number | null;
  remark?: string | null;
  clientRequestId: string;
}

/** The body of a TopicOrderTimeout delay message (key = orderNo, deliverAt = expiresAt). */
export interface OrderTimeoutMessage {
  orderNo: string;
  expiresAt: string;
}

/** The outbox's `emit`, as `OutboxRelay.transactional` hands it to the caller's work. */
export type Emit = <T>(message: OutgoingMessage<T>) => void;

/** Columns a transition may set besides status/version. */
export interface TransitionPatch {
  paidAt?: Date;
  shippedAt?: Date;
  completedAt?: Date;
  cancelledAt?: Date;
  cancelReason?: string;
}
const PATCH_COLUMNS: Record<keyof TransitionPatch, string> = {
  paidAt: 'paid_at',
  shippedAt: 'shipped_at',
  completedAt: 'completed_at',
  cancelledAt: 'cancelled_at',
  cancelReason: 'cancel_reason',
};

export interface TransitionOptions {
  patch?: TransitionPatch;
  /** Goes into the stream event: 'USER_CANCELLED', 'PAYMENT_TIMEOUT', 'PAID', ... */
  reason?: string;
  /** Only if the order belongs to this user. */
  userId?: number;
  /** Only if the order's payment deadline is at or before this time. */
  expiredAtOrBefore?: Date;
  /** Only if its owner never asked for a WeChat Pay prepay (see `recordPrepayRequest`). */
  withoutPrepay?: boolean;
  /**
   * The order as the caller read it just before the transaction. The transition then tries one
   * conditional UPDATE on its status and version (no locking read first: one round trip less on
   * hot paths such as the pay notification) and falls back to the locking read if the row moved.
   */
  readBefore?: OrderRow;
}

/** What closing one unpaid order came to. */
export type CloseOutcome = 'cancelled' | 'not-pending' | 'missing' | 'not-expired' | 'paid' | 'unknown';

/**
 * Orders: placement (stock + coupon + order in one transaction, messages through the outbox),
 * cancellation, the owner's views, and the single state-transition function every module that
 * moves an order (payment, refund, shipping) must use.
 */
export class OrderService {
  private readonly numbers: OrderNumberGenerator;
  private probe: PaymentStatusProbe = NEVER_PAID_PROBE;
  private readonly probeSlots: LimitFunction;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly deps: { orm: Orm; outbox: OutboxRelay; catalog: CatalogService; coupons: CouponService; metrics: Metrics; logger: Logger },
    private readonly options: { paymentTimeoutMs: number; instanceId: string; sweepGraceMs?: number; probeConcurrency?: number },
  ) {
    this.numbers = new OrderNumberGenerator(options.instanceId);
    this.probeSlots = pLimit(options.probeConcurrency ?? 64);
  }

  /** The payment module plugs in "ask WeChat Pay whether it was paid" here (see PaymentStatusProbe). */
  setPaymentStatusProbe(probe: PaymentStatusProbe): void {
    this.probe = probe;
  }

  // ---------------------------------------------------------------- placement

  /**
   * Places an order for the viewer. Prices come from the catalogue; stock is reserved with
   * conditional updates and the coupon marked used, all in one transaction with the order, its
   * items, the payment-timeout delay message and the CREATED stream event (outbox). The same
   * `clientRequestId` from the same user always yields the same order, however many concurrent
   * submits there are (unique index; the losers return the winner's order).
   */
  async placeOrder(ctx: RequestContext, input: PlaceOrderRequest): Promise<OrderView> {
    const viewer = requireCustomer(ctx);
    const request = validatePlaceOrder(input);
    // No lookup of the clientRequestId first: the unique (user_id, client_request_id) index
    // refuses a resubmit inside the transaction, and the failure path below returns the order
    // that holds it. The common path saves a query.
    for (let attempt = 1; ; attempt++) {
      try {
        const quoted = await this.deps.catalog.quote(ctx.em, request.storeId, request.items);
        const view = await this.insertOrder(ctx, viewer.userId, request, quoted);
        ctx.log.info({ orderNo: view.order.orderNo, payableFen: view.order.payableFen, lines: quoted.length }, 'order placed');
        return view;
      } catch (err) {
        // This checkout already has an order (a resubmit, or a concurrent submit that committed
        // first): that order is the answer, whatever this attempt failed on (duplicate key, its
        // stock or coupon taken by the winner, the product gone since).
        const winner = await this.findByClientRequest(ctx.em.fork(), viewer.userId, request.clientRequestId);
        if (winner) return winner;
        if (attempt < PLACE_ATTEMPTS && (isDeadlock(err) || isDuplicateKeyError(err))) {
          ctx.log.warn({ attempt, err: (err as Error).message }, 'order placement retried');
          continue;
        }
        throw err;
      }
    }
  }

  private async insertOrder(ctx: RequestContext, userId: number, request: ValidPlaceOrder, quoted: QuotedLine[]): Promise<OrderView> {
    const orderNo = this.numbers.next();
    const totalFen = quoted.reduce((sum, line) => sum + line.subtotalFen, 0);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.options.paymentTimeoutMs);
    return this.deps.outbox.transactional(ctx.em, async (tx, emit) => {
      // Lock order (coupon, then SKUs by id, then the new order row) is the same in every
      // transaction that touches them (placement and cancellation), so they cannot deadlock.
      let discountFen = 0;
      let couponId: number | null = null;
      if (request.userCouponId !== null) {
        ({ couponId, discountFen } = await this.deps.coupons.useForOrder(tx, userId, request.userCouponId, orderNo, totalFen));
      }
      await this.deps.catalog.reserve(tx, quoted);
      // Plain inserts, not the unit of work: placement is the hottest write path, and the rows
      // are returned as built (nothing else in this transaction reads them back).
      const row = {
        orderNo,
        userId,
        storeId: request.storeId,
        status: 'PENDING_PAYMENT' as const,
        totalFen,
        discountFen,
        payableFen: totalFen - discountFen,
        couponId,
        userCouponId: request.userCouponId,
        remark: request.remark,
        clientRequestId: request.clientRequestId,
        version: 1,
        expiresAt,
        prepayRequestedAt: null,
        paidAt: null,
        shippedAt: null,
        completedAt: null,
        cancelledAt: null,
        cancelReason: null,
        createdAt: now,
        updatedAt: now,
      };
      const order = { ...row, id: Number(await tx.insert(Order, row)) } as OrderRow;
      const itemRows = quoted.map((line) => ({
        orderId: order.id,
        orderNo,
        skuId: line.skuId,
        productId: line.productId,
        productName: line.productName,
        skuName: line.skuName,
        unitPriceFen: line.unitPriceFen,
        quantity: line.quantity,
        subtotalFen: line.subtotalFen,
        createdAt: now,
      }));
      const itemIds = await insertRows(tx, OrderItem, itemRows);
      const items = itemRows.map((item, i) => ({ ...item, id: itemIds[i]! }) as OrderItemRow);
      emit<OrderTimeoutMessage>({ topic: Topics.OrderTimeout, key: orderNo, deliverAt: expiresAt, data: { orderNo, expiresAt: expiresAt.toISOString() } });
      emit<OrderStatusChangedEvent>(statusMessage(order, ORDER_CREATED_TAG, null, undefined, now));
      return { order, items };
    });
  }

  // ---------------------------------------------------------------- transitions

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
    emit<OrderStatusChangedEvent>(statusMessage(updated, to, current.status, options.reason, now));
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
    const items = readBefore?.order.id === cancelled.id ? readBefore.items : await tx.find(OrderItem, { orderId: cancelled.id });
    const released = await this.deps.catalog.release(tx, items);
    if (released !== items.length) {
      this.deps.logger.error({ orderNo, lines: items.length, released }, 'cancelled order had stock lines that were no longer reserved');
    }
    return cancelled;
  }

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
    return this.withItems(ctx.em.fork(), cancelled);
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
    return this.withItems(ctx.em.fork(), done);
  }

  // ---------------------------------------------------------------- closing unpaid orders

  /**
   * Records that the owner is about to ask WeChat Pay for a prepay of their unpaid order (before
   * the request goes out). False when the order is not theirs, no longer PENDING_PAYMENT or past
   * its deadline: then no prepay may be created. This and the no-prepay close in `closeIfUnpaid`
   * are conditional updates of the same row, so one of them sees the other: either the close
   * fails and asks WeChat Pay, or this finds the order closed and no prepay is ever created.
   */
  async recordPrepayRequest(em: EntityManager, orderNo: string, userId: number, now = new Date()): Promise<boolean> {
    const r = await em.execute<{ affectedRows: number }>(
      "update `orders` set `prepay_requested_at` = coalesce(`prepay_requested_at`, ?) where `order_no` = ? and `user_id` = ? and `status` = 'PENDING_PAYMENT' and `expires_at` > ?",
      [now, orderNo, userId, now],
      'run',
    );
    // mysql2 reports matched rows (FOUND_ROWS): a second request for the same order counts too.
    return r.affectedRows === 1;
  }

  /**
   * Closes one order if it is still PENDING_PAYMENT past its deadline and not paid (reason
   * PAYMENT_TIMEOUT; stock and coupon return). An order whose owner never asked for a prepay
   * cannot have been paid and closes at once; otherwise WeChat Pay is asked first (the payment
   * probe). Used by the timeout consumer and the sweep; safe to run concurrently from several
   * instances.
   */
  async closeIfUnpaid(em: EntityManager, log: Logger, orderNo: string, now = new Date()): Promise<CloseOutcome> {
    const outcome = await this.closeOnce(em, log, orderNo, now);
    if (outcome !== 'prepay-requested') return outcome;
    // The unprobed close failed: a prepay was asked for since the read (or the order moved).
    // Judge again on a fresh read (a fork: nothing of the first read is reused), which probes.
    // Once is enough: a prepay request is never undone.
    const again = await this.closeOnce(em.fork(), log, orderNo, now);
    return again === 'prepay-requested' ? 'not-pending' : again;
  }

  private async closeOnce(em: EntityManager, log: Logger, orderNo: string, now: Date): Promise<CloseOutcome | 'prepay-requested'> {
    const view = await this.findByOrderNo(em, orderNo);
    if (!view) return 'missing';
    const { order } = view;
    if (order.status !== 'PENDING_PAYMENT') return 'not-pending';
    if (order.expiresAt > now) return 'not-expired';
    const probed = Boolean(order.prepayRequestedAt);
    if (probed) {
      // Never inside a DB transaction: this calls WeChat Pay.
      const paid = await this.probeSlots(() => this.probe.check({ orderNo, userId: order.userId, payableFen: order.payableFen }));
      if (paid === 'PAID') {
        log.warn({ orderNo }, 'unpaid order past its deadline was paid according to the payment provider; left open');
        return 'paid';
      }
      if (paid === 'UNKNOWN') return 'unknown';
    }
    const cancelled = await this.deps.outbox.transactional(em, (tx, emit) =>
      this.cancelInTransaction(tx, emit, orderNo, 'PAYMENT_TIMEOUT', { expiredAtOrBefore: now, withoutPrepay: !probed }, view),
    );
    if (!cancelled) return probed ? 'not-pending' : 'prepay-requested';
    log.info({ orderNo, lateMs: now.getTime() - order.expiresAt.getTime(), probed }, 'unpaid order closed');
    return 'cancelled';
  }

  /**
   * Handles a TopicOrderTimeout delivery. A message that arrives a little early (clock skew)
   * waits for the deadline; one that cannot be decided now throws so the broker redelivers it.
   */
  async handleTimeout(em: EntityManager, log: Logger, message: OrderTimeoutMessage): Promise<CloseOutcome> {
    let outcome = await this.closeIfUnpaid(em, log, message.orderNo);
    if (outcome === 'not-expired') {
      const order = await em.findOne(Order, { orderNo: message.orderNo });
      const waitMs = order ? order.expiresAt.getTime() - Date.now() : 0;
      if (waitMs > EARLY_DELIVERY_WAIT_MS) throw new Error(`order ${message.orderNo} timeout arrived ${waitMs} ms early; retry later`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs) + 1));
      outcome = await this.closeIfUnpaid(em, log, message.orderNo);
    }
    if (outcome === 'unknown' || outcome === 'not-expired') throw new Error(`order ${message.orderNo}: payment status unknown; retry later`);
    return outcome;
  }

  /**
   * Reconciliation: closes every PENDING_PAYMENT order whose deadline passed more than the grace
   * period ago (its delay message was lost or failed), through the (status, expires_at) index.
   * Counts closures in `order_sweep_closed_total`. Returns how many it closed. Concurrent runs
   * in one process share one pass; across instances the conditional updates keep it safe.
   */
  sweep(options: { now?: Date; graceMs?: number; em?: EntityManager } = {}): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.sweeping ??= this.runSweep(options).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Stops future sweeps and waits for a running one (module shutdown). */
  async stopSweeping(): Promise<void> {
    this.stopped = true;
    await this.sweeping;
  }

  private async runSweep(options: { now?: Date; graceMs?: number; em?: EntityManager }): Promise<number> {
    const log = this.deps.logger.child({ component: 'order-sweep' });
    const now = options.now ?? new Date();
    const cutoff = new Date(now.getTime() - (options.graceMs ?? this.options.sweepGraceMs ?? DEFAULT_SWEEP_GRACE_MS));
    const em = options.em ?? this.deps.orm.em.fork();
    const closed = this.deps.metrics.counter('order_sweep_closed_total', 'Unpaid orders closed by the reconciliation sweep (their delay message did not)');
    const skipped = new Set<string>();
    let total = 0;
    try {
      for (;;) {
        const rows = await em.fork().find(
          Order,
          { status: 'PENDING_PAYMENT', expiresAt: { $lt: cutoff }, ...(skipped.size > 0 ? { orderNo: { $nin: [...skipped] } } : {}) },
          { orderBy: { expiresAt: 'asc' }, limit: SWEEP_BATCH_SIZE, fields: ['orderNo'] },
        );
        for (const row of rows) {
          const outcome = await this.closeIfUnpaid(em.fork(), log, row.orderNo, now).catch((err: Error) => {
            log.warn({ orderNo: row.orderNo, err: err.message }, 'sweep could not close an order');
            return 'unknown' as const;
          });
          if (outcome === 'cancelled') {
            total++;
            closed.inc();
          } else if (outcome !== 'not-pending') {
            skipped.add(row.orderNo);
          }
        }
        if (rows.length < SWEEP_BATCH_SIZE) break;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'order sweep failed');
    }
    if (total > 0) log.warn({ closed: total }, 'sweep closed unpaid orders whose delay message did not');
    return total;
  }

  // ---------------------------------------------------------------- reads

  /** The viewer's order, or null: another user's order is indistinguishable from none. */
  async getOrder(ctx: RequestContext, orderNo: string): Promise<OrderView | null> {
    const viewer = requireCustomer(ctx);
    const order = await ctx.em.findOne(Order, { orderNo: String(orderNo), userId: viewer.userId });
    return order ? this.withItems(ctx.em, order) : null;
  }

  /** The viewer's orders, newest first, keyset-paginated by id. */
  async listOrders(ctx: RequestContext, args: { status?: OrderStatus | null; first?: number | null; after?: string | null }): Promise<Page<OrderView>> {
    const viewer = requireCustomer(ctx);
    const limit = checkPageSize(args.first);
    const after = decodeCursor(args.after);
    if (args.status && !OrderStatusValues.includes(args.status)) throw OrderErrors.invalid('unknown status', 'status');
    const where: Record<string, unknown> = { userId: viewer.userId };
    if (args.status) where.status = args.status;
    if (after) where.id = { $lt: after.id };
    const rows = await ctx.em.find(Order, where as never, { orderBy: { id: 'desc' }, limit: limit + 1 });
    const kept = rows.slice(0, limit);
    const items = kept.length > 0 ? await ctx.em.find(OrderItem, { orderId: { $in: kept.map((o) => o.id) } }, { orderBy: { id: 'asc' } }) : [];
    const byOrder = new Map<number, OrderItemRow[]>();
    for (const item of items) byOrder.set(item.orderId, [...(byOrder.get(item.orderId) ?? []), item]);
    return toPage(rows, limit, (order) => ({ order, items: byOrder.get(order.id) ?? [] }));
  }

  /** An order by number with its items, for any caller with a business reason (payment, refund); no owner check. */
  async findByOrderNo(em: EntityManager, orderNo: string): Promise<OrderView | null> {
    // Both reads at once (two pooled connections): this sits on the pay-notification path.
    const [order, itemRows] = await Promise.all([
      em.findOne(Order, { orderNo }),
      em.execute<Record<string, unknown>[]>('select i.* from `order_item` i join `orders` o on o.`id` = i.`order_id` where o.`order_no` = ? order by i.`id`', [orderNo]),
    ]);
    return order ? { order, items: itemRows.map((row) => em.map(OrderItem, row)) } : null;
  }

  /** The stock lines of an order (for `CatalogService.commitSold` on payment, `release` on refund). */
  async stockLines(em: EntityManager, orderId: number): Promise<StockLine[]> {
    const items = await em.find(OrderItem, { orderId });
    return items.map((i) => ({ skuId: i.skuId, quantity: i.quantity }));
  }

  private async findByClientRequest(em: EntityManager, userId: number, clientRequestId: string): Promise<OrderView | null> {
    const order = await em.findOne(Order, { userId, clientRequestId });
    return order ? this.withItems(em, order) : null;
  }

  private async withItems(em: EntityManager, order: OrderRow): Promise<OrderView> {
    return { order, items: await em.find(OrderItem, { orderId: order.id }, { orderBy: { id: 'asc' } }) };
  }
}

function statusMessage(order: OrderRow, event: OrderStatusChangedEvent['event'], previousStatus: OrderStatus | null, reason: string | undefined, at: Date): OutgoingMessage<OrderStatusChangedEvent> {
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

interface ValidPlaceOrder {
  storeId: number;
  items: StockLine[];
  userCouponId: number | null;
  remark: string | null;
  clientRequestId: string;
}

/** Checks placeOrder's input; BAD_USER_INPUT naming the field otherwise. */
export function validatePlaceOrder(input: PlaceOrderRequest): ValidPlaceOrder {
  const clientRequestId = String(input.clientRequestId ?? '');
  if (!CLIENT_REQUEST_ID_PATTERN.test(clientRequestId)) {
    throw OrderErrors.invalid('clientRequestId must be 8..64 characters of A-Z a-z 0-9 _ -', 'clientRequestId', 'INVALID_CLIENT_REQUEST_ID');
  }
  const storeId = parseId(input.storeId, 'storeId');
  const lines = input.items ?? [];
  if (lines.length < 1 || lines.length > MAX_ORDER_LINES) throw OrderErrors.invalid(`an order has 1..${MAX_ORDER_LINES} items`, 'items', 'INVALID_ITEM_COUNT');
  const seen = new Set<number>();
  const items = lines.map((line, i) => {
    const skuId = parseId(line.skuId, `items[${i}].skuId`);
    if (seen.has(skuId)) throw OrderErrors.invalid(`sku ${skuId} appears twice; send one line per SKU`, `items[${i}].skuId`, 'DUPLICATE_SKU');
    seen.add(skuId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      throw OrderErrors.invalid(`quantity must be 1..${MAX_LINE_QUANTITY}`, `items[${i}].quantity`, 'INVALID_QUANTITY');
    }
    return { skuId, quantity: line.quantity };
  });
  const remark = input.remark ?? null;
  if (remark !== null && [...remark].length > MAX_REMARK_LENGTH) throw OrderErrors.invalid(`remark is at most ${MAX_REMARK_LENGTH} characters`, 'remark', 'REMARK_TOO_LONG');
  const userCouponId = input.couponId === undefined || input.couponId === null ? null : parseId(input.couponId, 'couponId');
  return { storeId, items, userCouponId, remark: remark === '' ? null : remark, clientRequestId };
}

function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; name?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.name === 'DeadlockException' || e.code === 'ER_LOCK_DEADLOCK' || e.errno === 1213 || e.errno === 1205) return true;
  return e.cause !== undefined && e.cause !== err && isDeadlock(e.cause);
}
