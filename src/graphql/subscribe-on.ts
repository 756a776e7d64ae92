import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { ContainerType, SubscribeResolverData } from 'type-graphql';
import type { RequestContext } from '../shared/context.js';
import { formatError } from './errors.js';

/** Each built schema's container (buildAppSchema records it): a process running several apps (tests) has one schema each. */
const containers = new WeakMap<GraphQLSchema, ContainerType>();

export function rememberContainer(schema: GraphQLSchema, container: ContainerType): void {
  containers.set(schema, container);
}

/**
 * A `@Subscription({ subscribe })` function that runs on the resolver instance, as every other
 * resolver method does. type-graphql calls `subscribe` statically, without the instance: this
 * asks the same container type-graphql asks for the other fields (the instances the module
 * factories built with their services) for the schema the operation runs on.
 *
 * The WebSocket server sends a refused subscription's errors as they are (Apollo's formatError
 * covers HTTP only), so they are mapped here with the same function: an AppError keeps its code
 * and reason (NOT_FOUND / ORDER_NOT_FOUND), anything else is logged and masked.
 */
export function subscribeOn<R extends object, Args extends Record<string, unknown>, T>(
  resolverClass: new (...args: never[]) => R,
  open: (resolver: R, ctx: RequestContext, args: Args) => Promise<AsyncIterable<T>>,
): (data: SubscribeResolverData<unknown, Args, RequestContext>) => Promise<AsyncIterable<T>> {
  return async ({ source, args, context, info }) => {
    try {
      const resolver: unknown = await containers.get(info.schema)?.get(resolverClass, { root: source, args, context, info });
      if (!(resolver instanceof resolverClass)) throw new Error(`no ${resolverClass.name} instance was built for this schema`);
      return await open(resolver, context, args);
    } catch (err) {
      const formatted = formatError(context.log)(new GraphQLError((err as Error).message ?? 'error', { originalError: err as Error }).toJSON(), err);
      throw new GraphQLError(formatted.message, { extensions: formatted.extensions });
    }
  };
}
