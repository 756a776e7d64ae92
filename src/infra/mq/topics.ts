/**
 * The message catalogue of DESIGN.md: every topic with its RocketMQ message type, and the
 * consumer groups that must be FIFO (in RocketMQ, ordering is a property of the group).
 * The embedded broker declares these by default; a real cluster must have them created with
 * the same types (see README).
 */
export type TopicMessageType = 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION';

export const Topics = {
  UserLogin: 'TopicUserLogin',
  StoreChanged: 'TopicStoreChanged',
  OrderTimeout: 'TopicOrderTimeout',
  OrderStatus: 'TopicOrderStatus',
  OrderPaySuccess: 'TopicOrderPaySuccess',
  OrderRefund: 'TopicOrderRefund',
  SeckillOrder: 'TopicSeckillOrder',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

export const TOPIC_TYPES: Record<TopicName, TopicMessageType> = {
  TopicUserLogin: 'NORMAL',
  TopicStoreChanged: 'NORMAL',
  TopicOrderTimeout: 'DELAY',
  TopicOrderStatus: 'FIFO',
  // Normal, through the outbox: its row commits with the payment transaction, so a crash can
  // neither lose nor invent it.
  TopicOrderPaySuccess: 'NORMAL',
  TopicOrderRefund: 'TRANSACTION',
  TopicSeckillOrder: 'NORMAL',
};

export const ConsumerGroups = {
  CouponNewUser: 'cg-coupon-new-user',
  OrderTimeout: 'cg-order-timeout',
  Notify: 'cg-notify',
  Analytics: 'cg-analytics',
  Points: 'cg-points',
  CouponPay: 'cg-coupon-pay',
  Push: 'cg-push',
  Shipping: 'cg-shipping',
  CouponRefund: 'cg-coupon-refund',
  PointsRefund: 'cg-points-refund',
  RefundPay: 'cg-refund-pay',
  SeckillOrder: 'cg-seckill-order',
  /** Units of cancelled seckill orders go back to the activity's Redis stock (tag UNIT_RETURNED of TopicSeckillOrder). */
  SeckillReturn: 'cg-seckill-return',
} as const;

/** Tags of TopicSeckillOrder: an admitted attempt to turn into an order; a cancelled seckill order's unit. */
export const SeckillTags = { Admitted: 'ADMITTED', UnitReturned: 'UNIT_RETURNED' } as const;

/** Prefix of the per-instance groups that feed order-status subscriptions (FIFO, one per instance). */
export const ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX = 'cg-order-sub-';
/** Prefix of the per-instance groups that receive store invalidations (broadcast by one group per instance). */
export const STORE_CHANGED_INSTANCE_GROUP_PREFIX = 'cg-store-l1-';

/** Groups declared FIFO by default; any group whose name starts with a prefix here is FIFO too. */
export const FIFO_CONSUMER_GROUPS: readonly string[] = [ConsumerGroups.Notify, ConsumerGroups.Analytics];
export const FIFO_CONSUMER_GROUP_PREFIXES: readonly string[] = [ORDER_STATUS_SUBSCRIPTION_GROUP_PREFIX];
