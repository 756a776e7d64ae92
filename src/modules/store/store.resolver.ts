import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { DEFAULT_PAGE_SIZE } from '../../shared/pagination.js';
import { parseStoreId } from './store.model.js';
import { StoreService } from './store.service.js';
import { StoreConnection, StoreFilter, StoreInput, StoreType } from './store.types.js';

@Resolver()
export class StoreResolver {
  constructor(private readonly service: StoreService) {}

  @Query(() => StoreConnection, { description: 'Stores in id order, or nearest first with filter.near; cursor-paginated (first: 1 to 100).' })
  async stores(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => StoreFilter, { nullable: true }) filter?: StoreFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<StoreConnection> {
    return StoreConnection.from(await this.service.listStores(ctx, { filter, first, after }));
  }

  @Query(() => StoreType, { nullable: true, description: 'One store; null when there is no such store.' })
  async store(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<StoreType | null> {
    const store = await this.service.getStore(ctx, parseStoreId(id, 'id'));
    return store && StoreType.from(store);
  }

  @Mutation(() => StoreType, { description: 'Admin: creates a store.' })
  async createStore(@Ctx() ctx: RequestContext, @Arg('input', () => StoreInput) input: StoreInput): Promise<StoreType> {
    return StoreType.from(await this.service.createStore(ctx, input));
  }

  @Mutation(() => StoreType, { description: 'Admin: changes the given fields of a store (status CLOSED closes it). NOT_FOUND for an unknown id.' })
  async updateStore(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string, @Arg('input', () => StoreInput) input: StoreInput): Promise<StoreType> {
    return StoreType.from(await this.service.updateStore(ctx, parseStoreId(id, 'id'), input));
  }
}
