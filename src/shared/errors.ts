/**
 * The one error type the domain throws for expected failures. `code` is the stable transport
 * code the mini-program switches on; `reason` is the stable domain detail (e.g. OUT_OF_STOCK).
 * Transport mapping happens in one place (src/graphql/errors.ts); domain code never imports
 * GraphQL types.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { reason?: string; retryable?: boolean; field?: string } = {},
  ) {
    super(message);
  }

  static badInput(message: string, reason = 'INVALID_INPUT', field?: string): AppError {
    return new AppError('BAD_USER_INPUT', message, { reason, field });
  }
  static unauthenticated(message = 'authentication required', reason = 'UNAUTHENTICATED'): AppError {
    return new AppError('UNAUTHENTICATED', message, { reason });
  }
  static forbidden(message = 'not allowed', reason = 'FORBIDDEN'): AppError {
    return new AppError('FORBIDDEN', message, { reason });
  }
  static notFound(message: string, reason = 'NOT_FOUND'): AppError {
    return new AppError('NOT_FOUND', message, { reason });
  }
  static conflict(message: string, reason = 'CONFLICT'): AppError {
    return new AppError('CONFLICT', message, { reason });
  }
  static unavailable(message: string, reason = 'DEPENDENCY_UNAVAILABLE'): AppError {
    return new AppError('SERVICE_UNAVAILABLE', message, { reason, retryable: true });
  }
}

/** True for MySQL's duplicate-key error, whichever layer wrapped it. */
export function isDuplicateKeyError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; name?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.name === 'UniqueConstraintViolationException' || e.code === 'ER_DUP_ENTRY' || e.errno === 1062) return true;
  return e.cause !== undefined && e.cause !== err && isDuplicateKeyError(e.cause);
}

/**
 * True when MySQL gave up on a statement because of lock contention: a deadlock (1213, InnoDB
 * rolled the transaction back) or a lock wait timeout (1205). Nothing was applied; running the
 * same work again is what MySQL asks for ("try restarting transaction").
 */
export function isTransientLockError(err: unknown, depth = 0): boolean {
  const e = err as { code?: string; errno?: number; name?: string; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object' || depth > 5) return false;
  if (e.name === 'DeadlockException' || e.name === 'LockWaitTimeoutException') return true;
  if (e.code === 'ER_LOCK_DEADLOCK' || e.code === 'ER_LOCK_WAIT_TIMEOUT' || e.errno === 1213 || e.errno === 1205) return true;
  return e.cause !== undefined && e.cause !== err && isTransientLockError(e.cause, depth + 1);
}

/** Error codes of a connection to MySQL (or Redis) that was refused, dropped or timed out. */
const CONNECTION_ERROR_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN']);

/**
 * True when a dependency's connection failed (not the query): the caller may retry, so the
 * client gets a retryable SERVICE_UNAVAILABLE rather than an internal error.
 */
export function isConnectionError(err: unknown, depth = 0): boolean {
  const e = err as { code?: string; name?: string; fatal?: boolean; message?: string; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object' || depth > 5) return false;
  if (e.name === 'ConnectionException') return true;
  if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && /Connection lost|connection is in closed state|Can't add new command when connection is in closed state|read ECONNRESET|connect ECONNREFUSED|Pool is closed/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isConnectionError(e.cause, depth + 1);
}
