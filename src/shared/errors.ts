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
