import type { EntityManager } from '@mikro-orm/mysql';
import { insertRow, insertRows } from '../../infra/db/insert-rows.js';
import type { TransactionalOutbox } from '../../infra/mq/outbox/outbox.port.js';
import { Topics } from '../../infra/mq/topics.js';
import type { Logger } from '../../infra/observability/logger.js';
import type { RequestContext } from '../../shared/context.js';
import { isDuplicateKeyError, isTransientLockError } from '../../shared/errors.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { CatalogService, QuotedLine, StockLine } from '../catalog/catalog.service.js';
import { parseId } from '../../shared/pagination.js';
import type { CouponService } from '../coupon/coupon.service.js';
import { ORDER_CREATED_TAG, type OrderStatusChanged } from './order-events.js';
import { Order, OrderItem, type OrderItemRow, type OrderRow } from './order.entity.js';
import { OrderErrors } from './order.errors.js';
import type { HeldOrderRequest, OrderView, PlaceOrderRequest, StockHold } from './order.model.js';
import { OrderNumberGenerator } from './order-number.js';
import type { OrderReads } from './order-reads.js';
import type { OrderPaymentTimedOut } from './order-timeout-events.js';
import { statusMessage } from './order-transitions.js';

/** Input limits of placeOrder. */
export const MAX_ORDER_LINES = 20;
export const MAX_LINE_QUANTITY = 99;
export const MAX_REMARK_LENGTH = 200;
const CLIENT_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** Unpaid orders, and units reserved by them, one user may hold per store (config overrides). */
export const DEFAULT_MAX_PENDING_PER_STORE = 5;
export const DEFAULT_MAX_RESERVED_UNITS_PER_STORE = 200;
/** Placement retries after a deadlock or an order-number clash. */
const PLACE_ATTEMPTS = 3;

/**
 * Placing orders: validation, prices from the catalogue, stock reserved (or held by a flash sale),
 * the coupon used, the hoarding limits, and the order with its timeout and CREATED messages in one
 * transaction. Changes when the rules of buying change.
 */
export class OrderPlacement {
  private readonly numbers: OrderNumberGenerator;

  constructor(
    private readonly deps: {
      outbox: TransactionalOutbox;
      catalog: CatalogService;
      coupons: CouponService;
      reads: OrderReads;
      /** Locks the buyer until the transaction ends (the auth module's user row). */
      lockOwner?: (tx: EntityManager, userId: number) => Promise<void>;
    },
    private readonly options: { paymentTimeoutMs: number; instanceId: string; maxPendingPerStore?: number; maxReservedUnitsPerStore?: number },
  ) {
    this.numbers = new OrderNumberGenerator(options.instanceId);
  }

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
        const winner = await this.deps.reads.findByClientRequest(ctx.em.fork(), viewer.userId, request.clientRequestId);
        if (winner) return winner;
        if (attempt < PLACE_ATTEMPTS && (isTransientLockError(err) || isDuplicateKeyError(err))) {
          ctx.log.warn({ attempt, err: (err as Error).message }, 'order placement retried');
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Places an ordinary order (PENDING_PAYMENT, payment timeout, status stream) for one unit that
   * `hold` takes inside the order's transaction instead of the SKU's available stock, at the
   * holder's price (a flash sale). No coupon. Not idempotent by itself: the holder's own unique
   * row (written by `hold`) is.
   */
  async placeHeldOrder(em: EntityManager, log: Logger, request: HeldOrderRequest, hold: StockHold): Promise<OrderView> {
    const [line] = await this.deps.catalog.quote(em, request.storeId, [{ skuId: request.skuId, quantity: 1 }]);
    const quoted: QuotedLine[] = [{ ...line!, unitPriceFen: request.unitPriceFen, subtotalFen: request.unitPriceFen }];
    const valid: ValidPlaceOrder = { storeId: request.storeId, items: [{ skuId: request.skuId, quantity: 1 }], userCouponId: null, remark: null, clientRequestId: request.clientRequestId };
    return this.insertOrder({ em, log, requestId: request.clientRequestId }, request.userId, valid, quoted, hold);
  }

  private async insertOrder(ctx: RequestContext, userId: number, request: ValidPlaceOrder, quoted: QuotedLine[], hold?: StockHold): Promise<OrderView> {
    const orderNo = this.numbers.next();
    const totalFen = quoted.reduce((sum, line) => sum + line.subtotalFen, 0);
    return this.deps.outbox.transactional(ctx.em, async (tx, emit) => {
      // A held unit was already granted by its holder under its own per-user limit (a flash sale
      // admits at most limitPerUser per buyer): refusing it here would strand an admitted attempt.
      if (!hold) await this.checkHoardingLimits(tx, userId, request);
      // Timed after the buyer's lock: a placement that queued behind the same buyer's others
      // still gets its full payment window.
      const now = new Date();
      const expiresAt = new Date(now.getTime() + this.options.paymentTimeoutMs);
      // Lock order (coupon, then SKUs by id, then the new order row) is the same in every
      // transaction that touches them (placement and cancellation), so they cannot deadlock.
      let discountFen = 0;
      let couponId: number | null = null;
      if (request.userCouponId !== null) {
        ({ couponId, discountFen } = await this.deps.coupons.useForOrder(tx, userId, request.userCouponId, orderNo, totalFen));
      }
      if (hold) await hold(tx, orderNo, emit);
      else await this.deps.catalog.reserve(tx, quoted);
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
      const order = { ...row, id: await insertRow(tx, Order, row) } as OrderRow;
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
      emit<OrderPaymentTimedOut>({ topic: Topics.OrderTimeout, key: orderNo, deliverAt: expiresAt, data: { orderNo, expiresAt: expiresAt.toISOString() } });
      // The order is new in this transaction: no older message of its group can exist.
      emit<OrderStatusChanged>({ ...statusMessage(order, ORDER_CREATED_TAG, null, undefined, now), opensGroup: true });
      return { order, items };
    });
  }

  /**
   * One account may not hoard a store's stock for the payment window: at most
   * `maxPendingPerStore` unpaid orders and `maxReservedUnitsPerStore` units in them, per store.
   */
  private async checkHoardingLimits(tx: EntityManager, userId: number, request: ValidPlaceOrder): Promise<void> {
    const maxOrders = this.options.maxPendingPerStore ?? DEFAULT_MAX_PENDING_PER_STORE;
    const maxUnits = this.options.maxReservedUnitsPerStore ?? DEFAULT_MAX_RESERVED_UNITS_PER_STORE;
    // Serialise this user's placements on their user row (one row lock, taken first), so two
    // concurrent placements cannot both pass the count; a range lock on their orders deadlocked
    // with prepay and payment updates of those rows.
    await this.deps.lockOwner?.(tx, userId);
    // One statement for both counts (every order has at least one item, so the join drops none).
    const [pending] = await tx.execute<{ orders: number; units: number | null }[]>(
      "select count(distinct o.`id`) as `orders`, sum(i.`quantity`) as `units` from `orders` o join `order_item` i on i.`order_id` = o.`id` where o.`user_id` = ? and o.`status` = 'PENDING_PAYMENT' and o.`store_id` = ?",
      [userId, request.storeId],
    );
    if (Number(pending?.orders ?? 0) >= maxOrders) throw OrderErrors.tooManyPending(maxOrders);
    const asked = request.items.reduce((sum, item) => sum + item.quantity, 0);
    const held = Number(pending?.units ?? 0);
    if (held + asked > maxUnits) throw OrderErrors.tooManyUnits(maxUnits, held);
  }
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
