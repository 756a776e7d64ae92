import { AppError } from '../../shared/errors.js';

export const MAX_REFUND_REASON_LENGTH = 200;

export const RefundErrors = {
  /** Also for other users' orders: existence is never leaked. */
  orderNotFound: () => AppError.notFound('no such order', 'ORDER_NOT_FOUND'),
  notRefundable: (status: string) => AppError.conflict(`an order in status ${status} cannot be refunded`, 'ORDER_NOT_REFUNDABLE'),
  noPayment: () => AppError.conflict('no payment is recorded for this order', 'PAYMENT_NOT_FOUND'),
  invalidReason: () => AppError.badInput(`reason must be 1..${MAX_REFUND_REASON_LENGTH} characters`, 'INVALID_REFUND_REASON', 'reason'),
  /** The half message could not be sent: nothing was changed, the user may try again. */
  /** The database went away mid-request; the refund may or may not exist: asking again returns it if it does. */
  databaseUnavailable: () => AppError.unavailable('refunds cannot be confirmed right now; please try again shortly', 'REFUND_UNAVAILABLE'),
  brokerUnavailable: () => AppError.unavailable('refunds cannot be accepted right now; nothing was changed, please try again shortly', 'REFUND_UNAVAILABLE'),
};
