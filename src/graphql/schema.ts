import 'reflect-metadata';
import { buildSchema, type ContainerType, type PubSub } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { rememberContainer } from './subscribe-on.js';

/**
 * Builds the executable schema from the modules' resolver classes (the composition root collects
 * them). `container` hands type-graphql the resolver instances the modules built (services
 * injected by constructor); subscriptions reach them through `subscribeOn`.
 */
export async function buildAppSchema(options: { resolvers: readonly Function[]; container?: ContainerType; pubSub?: PubSub }): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...options.resolvers] as never,
    container: options.container,
    pubSub: options.pubSub,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Inputs are validated by the services (one function per input, with stable error reasons,
    // usable outside GraphQL too). type-graphql's class-validator pass would find no decorators
    // and still run `await import('class-validator')` for every object argument of every request.
    validate: false,
  });
  if (options.container) rememberContainer(schema, options.container);
  return schema;
}
