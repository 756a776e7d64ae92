import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, isConnectionError, isTransientLockError } from '../shared/errors.js';
import type { Logger } from '../infra/observability/logger.js';

/** Codes GraphQL itself and Apollo produce that are safe to pass through unchanged. */
const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  // Our own codes, when raised as GraphQLErrors outside resolvers (context creation, limits).
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
]);
const PASSED_EXTENSIONS = ['reason', 'retryable', 'field', 'cost', 'maxCost', 'limit'];

/**
 * The one place domain errors become GraphQL errors. AppError keeps its code and reason;
 * GraphQL's own errors keep theirs; anything else is logged with the request id and masked,
 * so no stack trace or internal message ever reaches the client.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: {
          code: original.code,
          reason: original.details.reason,
          ...(original.details.field ? { field: original.details.field } : {}),
          ...(original.details.retryable ? { retryable: true } : {}),
        },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PASS_THROUGH.has(code)) {
      const extensions: Record<string, unknown> = { code };
      for (const k of PASSED_EXTENSIONS) if (formatted.extensions?.[k] !== undefined) extensions[k] = formatted.extensions[k];
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    if (original instanceof GraphQLError && !original.originalError && typeof code !== 'string') {
      // A GraphQL-level error without a code (e.g. a variable coercion problem): the client's input.
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
    }
    if (isConnectionError(original)) {
      // A dependency's connection dropped (MySQL restarted, a proxy cut it): the client may retry.
      logger.warn({ err: original, path: formatted.path }, 'a dependency connection failed during a GraphQL operation');
      return { message: 'a service this operation needs is temporarily unavailable, please retry', path: formatted.path, locations: formatted.locations, extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'DEPENDENCY_UNAVAILABLE', retryable: true } };
    }
    if (isTransientLockError(original)) {
      // MySQL rolled this operation back on lock contention (deadlock, lock wait timeout) after
      // the service's own retries: nothing was applied, and the same request again may pass.
      logger.warn({ err: original, path: formatted.path }, 'a GraphQL operation lost a lock conflict in MySQL');
      return { message: 'the service is busy with a conflicting change, please retry', path: formatted.path, locations: formatted.locations, extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_CONTENTION', retryable: true } };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** True when a GraphQL error (or what it wraps) means "a dependency is down, retry": answered with HTTP 503. */
export function isUnavailableError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original.code === 'SERVICE_UNAVAILABLE';
  if ((error as GraphQLError | undefined)?.extensions?.code === 'SERVICE_UNAVAILABLE') return true;
  return isConnectionError(original) || isTransientLockError(original);
}
