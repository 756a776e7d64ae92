import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../shared/errors.js';
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
const PASSED_EXTENSIONS = ['reason', 'retryable', 'field', 'cost', 'maxCost'];

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
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
