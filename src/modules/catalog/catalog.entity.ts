import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

export const ProductStatusValues = ['ON_SALE', 'OFF_SALE'] as const;
export type ProductStatus = (typeof ProductStatusValues)[number];

/** A product of one store. The unique (store_id, name) index keeps the local seed idempotent across instances. */
export const Product = defineEntity({
  name: 'Product',
  tableName: 'product',
  uniques: [{ properties: ['storeId', 'name'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    storeId: p.integer(),
    name: p.string().length(128),
    status: p.enum(ProductStatusValues).default('ON_SALE'),
    ...timestamps,
  },
});
export type ProductRow = InferEntity<typeof Product>;

/**
 * A sellable variant. `stock` is what can still be sold (available); `reserved` is held by unpaid
 * orders; `sold` is paid. Every change is a conditional SQL update (see CatalogService), never a
 * read-modify-write, so concurrent orders can never oversell.
 */
export const Sku = defineEntity({
  name: 'Sku',
  tableName: 'sku',
  uniques: [{ properties: ['productId', 'name'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    productId: p.integer(),
    name: p.string().length(128),
    priceFen: p.integer(),
    stock: p.integer(),
    reserved: p.integer().default(0),
    sold: p.integer().default(0),
    version: p.integer().default(1),
    ...timestamps,
  },
});
export type SkuRow = InferEntity<typeof Sku>;
