import { AppError } from '../../shared/errors.js';

/** Apollo reads `extensions.http` of a resolver's error for the response's HTTP status. */
function withHttpStatus(error: AppError, status: number): AppError {
  return Object.assign(error, { extensions: { http: { status } } });
}

export const SeckillErrors = {
  invalid: (message: string, field: string, reason = 'INVALID_SECKILL_INPUT') => AppError.badInput(message, reason, field),
  activityNotFound: () => AppError.notFound('no such flash sale', 'SECKILL_ACTIVITY_NOT_FOUND'),
  /** Also for another user's attempt: existence is never leaked. */
  attemptNotFound: () => AppError.notFound('no such flash-sale attempt', 'SECKILL_ATTEMPT_NOT_FOUND'),
  /** The SKU cannot set aside the activity's stock (CONFLICT: nothing was changed). */
  notEnoughStock: (skuId: number) => new AppError('CONFLICT', `sku ${skuId} does not have enough available stock for this flash sale`, { reason: 'OUT_OF_STOCK', field: 'stock' }),
  /** Redis (the admission) is down, slow or the activity is not loaded yet: retry with the same clientRequestId (it returns the attempt if one was admitted). HTTP 503. */
  unavailable: () => withHttpStatus(AppError.unavailable('flash-sale admission is temporarily unavailable; retry shortly', 'SECKILL_UNAVAILABLE'), 503),
};
