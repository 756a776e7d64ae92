import { AppError } from '../../shared/errors.js';

export const PaymentErrors = {
  /** Also for other users' orders: existence is never leaked. */
  orderNotFound: () => AppError.notFound('no such order', 'ORDER_NOT_FOUND'),
  notPayable: (status: string) => AppError.conflict(`an order in status ${status} cannot be paid`, 'ORDER_NOT_PAYABLE'),
  expired: () => AppError.conflict('the payment deadline of this order has passed', 'ORDER_PAYMENT_EXPIRED'),
  alreadyPaid: () => AppError.conflict('this order is already paid', 'ORDER_ALREADY_PAID'),
  providerUnavailable: () => AppError.unavailable('WeChat Pay is not reachable right now; try again shortly', 'PAYMENT_PROVIDER_UNAVAILABLE'),
  localModeOnly: () => AppError.forbidden('simulatePayment exists in local mode only', 'LOCAL_MODE_ONLY'),
  noOpenid: () => AppError.forbidden('this session has no WeChat openid; log in through the mini-program', 'OPENID_REQUIRED'),
};

/** Thrown inside the local payment transaction when the order no longer takes the payment: rolls both back. */
export class OrderNoLongerPayable extends Error {
  override name = 'OrderNoLongerPayable';
}
