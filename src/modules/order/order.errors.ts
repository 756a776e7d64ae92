import { AppError } from '../../shared/errors.js';

export const OrderErrors = {
  /** Also for other users' orders: existence is never leaked. */
  notFound: () => AppError.notFound('no such order', 'ORDER_NOT_FOUND'),
  notCancellable: (status: string) => AppError.conflict(`an order in status ${status} cannot be cancelled`, 'ORDER_NOT_CANCELLABLE'),
  notConfirmable: (status: string) => AppError.conflict(`an order in status ${status} cannot be confirmed as received`, 'ORDER_NOT_CONFIRMABLE'),
  tooManyPending: (max: number) => AppError.conflict(`at most ${max} unpaid orders per store: pay or cancel one first`, 'PENDING_ORDER_LIMIT'),
  tooManyUnits: (max: number, held: number) => AppError.conflict(`at most ${max} units may wait for payment per store (${held} already do): pay or cancel first`, 'RESERVED_UNITS_LIMIT'),
  invalid: (message: string, field: string, reason = 'INVALID_ORDER_INPUT') => AppError.badInput(message, reason, field),
};
