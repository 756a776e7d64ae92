import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Each item of a list field requested with `first` costs as much as the field's children. */
function paginationEstimator(args: { args: Record<string, unknown>; childComplexity: number }): number | void {
  const first = args.args.first;
  if (typeof first === 'number') return 1 + first * Math.max(args.childComplexity, 1);
  return undefined;
}

export function depthLimitRule(maxDepth: number) {
  return depthLimit(maxDepth);
}

/** Rejects an operation whose estimated cost exceeds `maxCost`, before any resolver runs. */
export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let cost: number;
          try {
            cost = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables,
            estimators: [fieldExtensionsEstimator(), paginationEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (err) {
            // Estimating needs the variables; invalid ones (unknown input fields, wrong types) are the client's error.
            throw new GraphQLError((err as Error).message, { extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_VARIABLES' } });
          }
          if (cost > maxCost) {
            throw new GraphQLError(`query cost ${cost} exceeds the limit of ${maxCost}`, {
              extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY', cost, maxCost },
            });
          }
        },
      };
    },
  };
}
