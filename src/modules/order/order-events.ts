/**
 * The order-status stream contract (FIFO `TopicOrderStatus`, message group = orderNo, tag = the
 * new status). Producers: order, payment, refund, shipping. Consumers: notify (`cg-notify`),
 * analytics (`cg-analytics`) and the per-instance subscription feeds.
 */
export const OrderStatusValues = ['PENDING_PAYMENT', 'PAID', 'SHIPPED', 'COMPLETED', 'CANCELLED', 'REFUNDING', 'REFUNDED'] as const;
export type OrderStatus = (typeof OrderStatusValues)[number];

/** Stream event for the order's first state, so consumers see the order's whole life. */
export const ORDER_CREATED_TAG = 'CREATED';

export interface OrderStatusChanged {
  orderNo: string;
  userId: number;
  storeId: number;
  /** 'CREATED' for the first event (status PENDING_PAYMENT), else the new status. */
  event: typeof ORDER_CREATED_TAG | OrderStatus;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  /** Increases by one per transition of this order (the order row's version): lets consumers spot gaps and replays. */
  seq: number;
  totalFen: number;
  payableFen: number;
  /** Why it changed, e.g. 'USER_CANCELLED', 'PAYMENT_TIMEOUT', 'PAID', 'SHIPPED'. */
  reason?: string;
  /** ISO time of the transition. */
  at: string;
}
