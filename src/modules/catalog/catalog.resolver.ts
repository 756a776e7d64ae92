import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { CatalogService } from './catalog.service.js';
import { ProductConnection } from './catalog.types.js';
import { DEFAULT_PAGE_SIZE, parseId } from '../../shared/pagination.js';

@Resolver()
export class CatalogResolver {
  constructor(private readonly catalog: CatalogService) {}

  @Query(() => ProductConnection, { description: 'Products on sale (optionally of one store) with their SKUs; cursor-paginated.' })
  async products(
    @Ctx() ctx: RequestContext,
    @Arg('storeId', () => ID, { nullable: true }) storeId?: string,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ProductConnection> {
    const page = await this.catalog.products(ctx, { storeId: storeId === undefined || storeId === null ? undefined : parseId(storeId, 'storeId'), first, after });
    return ProductConnection.from(page);
  }
}
