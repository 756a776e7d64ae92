import 'reflect-metadata';
import { buildSchema, type ContainerType, type PubSub } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { RESOLVERS } from '../modules/resolvers.js';

/**
 * Builds the executable schema from the module resolvers. `container` hands type-graphql the
 * resolver instances the composition root built (services injected by constructor).
 */
export async function buildAppSchema(options: { container?: ContainerType; pubSub?: PubSub } = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS as never,
    container: options.container,
    pubSub: options.pubSub,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Inputs are validated by the services (one function per input, with stable error reasons,
    // usable outside GraphQL too). type-graphql's class-validator pass would find no decorators
    // and still run `await import('class-validator')` for every object argument of every request.
    validate: false,
  });
}
