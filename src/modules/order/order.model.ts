import type { EntityManager } from '@mikro-orm/mysql';
import type { Emit } from '../../infra/mq/outbox/outbox.port.js';
import type { OrderItemRow, OrderRow } from './order.entity.js';

/** The order module's shared types: its parts (placement, transitions, reads) and other modules speak them. */
export type { OrderItemRow, OrderRow };

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


/** The outbox's `emit`, as `TransactionalOutbox.transactional` hands it to the caller's work. */
export type { Emit };

/** Columns a transition may set besides status/version. */
export interface TransitionPatch {
  paidAt?: Date;
  shippedAt?: Date;
  completedAt?: Date;
  cancelledAt?: Date;
  cancelReason?: string;
}
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

/**
 * Something other than the SKU's available stock holds the units of an order (a flash sale
 * reserved them up front): at placement it takes the order's unit inside the order's transaction
 * instead of `CatalogService.reserve`; its conditional updates are the guard, and throwing rolls
 * the order back.
 */
export type StockHold = (tx: EntityManager, orderNo: string, emit: Emit) => Promise<void>;

/**
 * Called inside the cancel transaction of every cancelled order. Returns true when a holder (a
 * flash sale) took the order's units back itself, so they are not released to the SKU's
 * available stock.
 */
export type HeldStockReturn = (tx: EntityManager, emit: Emit, order: OrderRow) => Promise<boolean>;

/** An order whose single unit is held by someone else (a flash sale), at that holder's price. */
export interface HeldOrderRequest {
  userId: number;
  storeId: number;
  skuId: number;
  unitPriceFen: number;
  clientRequestId: string;
}
