import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { SkuRow } from './catalog.entity.js';
import type { ProductView } from './catalog.service.js';
import { PageInfoType, type Page } from '../../shared/pagination.js';

@ObjectType('Sku')
export class SkuType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => Int, { description: 'Unit price in fen (integer).' }) priceFen!: number;
  @Field(() => Int, { description: 'Quantity still available to order.' }) stock!: number;

  static from(row: SkuRow): SkuType {
    return Object.assign(new SkuType(), { id: String(row.id), name: row.name, priceFen: row.priceFen, stock: row.stock });
  }
}

@ObjectType('Product')
export class ProductType {
  @Field(() => ID) id!: string;
  @Field(() => ID) storeId!: string;
  @Field() name!: string;
  @Field(() => [SkuType]) skus!: SkuType[];

  static from({ product, skus }: ProductView): ProductType {
    return Object.assign(new ProductType(), { id: String(product.id), storeId: String(product.storeId), name: product.name, skus: skus.map(SkuType.from) });
  }
}

@ObjectType('ProductEdge')
export class ProductEdge {
  @Field() cursor!: string;
  @Field(() => ProductType) node!: ProductType;
}

@ObjectType('ProductConnection')
export class ProductConnection {
  @Field(() => [ProductEdge]) edges!: ProductEdge[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;

  static from(page: Page<ProductView>): ProductConnection {
    return Object.assign(new ProductConnection(), {
      edges: page.edges.map((e) => Object.assign(new ProductEdge(), { cursor: e.cursor, node: ProductType.from(e.node) })),
      pageInfo: Object.assign(new PageInfoType(), page.pageInfo),
    });
  }
}
