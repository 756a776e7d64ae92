import type { EntityManager } from '@mikro-orm/mysql';
import type { RequestContext } from '../../shared/context.js';
import { isDuplicateKeyError } from '../../shared/errors.js';
import { CatalogErrors } from './catalog.errors.js';
import { Product, Sku, type ProductRow, type SkuRow } from './catalog.entity.js';
import { checkPageSize, decodeCursor, toPage, type Page } from '../../shared/pagination.js';

/** One line of a stock operation. */
export interface StockLine {
  skuId: number;
  quantity: number;
}

/** A SKU priced by the server for an order line (the client never sends a price). */
export interface QuotedLine extends StockLine {
  productId: number;
  productName: string;
  skuName: string;
  unitPriceFen: number;
  subtotalFen: number;
}

export interface ProductView {
  product: ProductRow;
  skus: SkuRow[];
}

export interface NewProduct {
  storeId: number;
  name: string;
  skus: { name: string; priceFen: number; stock: number }[];
}

interface QueryResult {
  affectedRows: number;
}

/** Demo catalogue for local mode: stores 1..10, each with these products. */
export const DEMO_STORE_IDS = Array.from({ length: 10 }, (_, i) => i + 1);
export const DEMO_PRODUCTS: { name: string; skus: { name: string; priceFen: number; stock: number }[] }[] = [
  { name: 'Americano', skus: [{ name: 'Tall', priceFen: 1500, stock: 1000 }, { name: 'Grande', priceFen: 1800, stock: 1000 }, { name: 'Venti', priceFen: 2100, stock: 1000 }] },
  { name: 'Latte', skus: [{ name: 'Tall', priceFen: 2200, stock: 1000 }, { name: 'Grande', priceFen: 2600, stock: 1000 }, { name: 'Venti', priceFen: 2900, stock: 1000 }] },
  { name: 'Croissant', skus: [{ name: 'Plain', priceFen: 1200, stock: 500 }, { name: 'Almond', priceFen: 1600, stock: 500 }] },
  { name: 'Coffee beans 250g', skus: [{ name: 'Medium roast', priceFen: 6800, stock: 200 }, { name: 'Dark roast', priceFen: 6800, stock: 200 }] },
];

interface QuoteRow {
  id: number;
  name: string;
  price_fen: number;
  product_id: number;
  product_name: string;
  store_id: number;
  status: string;
}

/**
 * Products, SKUs and stock. Stock methods take the caller's `em` so they run inside the order's
 * transaction; each is one conditional UPDATE whose affected-row count decides, so no
 * interleaving of concurrent orders can oversell or double-release.
 */
export class CatalogService {
  /** Products (on sale) with their SKUs, oldest first, keyset-paginated by id. */
  async products(ctx: RequestContext, args: { storeId?: number; first?: number | null; after?: string | null }): Promise<Page<ProductView>> {
    const limit = checkPageSize(args.first);
    const after = decodeCursor(args.after);
    const where: Record<string, unknown> = { status: 'ON_SALE' };
    if (args.storeId !== undefined) where.storeId = args.storeId;
    if (after) where.id = { $gt: after.id };
    const rows = await ctx.em.find(Product, where as never, { orderBy: { id: 'asc' }, limit: limit + 1 });
    const kept = rows.slice(0, limit);
    const skus = kept.length > 0 ? await ctx.em.find(Sku, { productId: { $in: kept.map((r) => r.id) } }, { orderBy: { id: 'asc' } }) : [];
    const byProduct = new Map<number, SkuRow[]>();
    for (const sku of skus) byProduct.set(sku.productId, [...(byProduct.get(sku.productId) ?? []), sku]);
    return toPage(rows, limit, (product) => ({ product, skus: byProduct.get(product.id) ?? [] }));
  }

  /**
   * Prices the lines from the database. Every SKU must exist, be on sale and belong to a product
   * of `storeId`; otherwise NOT_FOUND (SKU_NOT_FOUND) naming the first offending SKU.
   */
  async quote(em: EntityManager, storeId: number, lines: StockLine[]): Promise<QuotedLine[]> {
    const ids = [...new Set(lines.map((l) => l.skuId))];
    // One plain join: every placeOrder runs this, and the entities are not needed.
    const rows = await em.execute<QuoteRow[]>(
      `select s.id, s.name, s.price_fen, p.id as product_id, p.name as product_name, p.store_id, p.status from sku s join product p on p.id = s.product_id where s.id in (${ids.map(() => '?').join(',')})`,
      ids,
    );
    const skuById = new Map(rows.map((r) => [Number(r.id), r]));
    return lines.map((line) => {
      const sku = skuById.get(line.skuId);
      if (!sku || Number(sku.store_id) !== storeId || sku.status !== 'ON_SALE') throw CatalogErrors.skuNotFound(line.skuId);
      const unitPriceFen = Number(sku.price_fen);
      return {
        skuId: line.skuId,
        quantity: line.quantity,
        productId: Number(sku.product_id),
        productName: sku.product_name,
        skuName: sku.name,
        unitPriceFen,
        subtotalFen: unitPriceFen * line.quantity,
      };
    });
  }

  /**
   * Moves `quantity` from available to reserved for every line, in SKU id order (so concurrent
   * orders lock rows in the same order and cannot deadlock). Throws CONFLICT/OUT_OF_STOCK naming
   * the SKU when one line cannot be served; the caller's transaction then rolls back every line.
   */
  async reserve(em: EntityManager, lines: readonly StockLine[]): Promise<void> {
    for (const line of sortedBySku(lines)) {
      const r = await em.execute<QueryResult>(
        'update `sku` set `stock` = `stock` - ?, `reserved` = `reserved` + ?, `version` = `version` + 1, `updated_at` = ? where `id` = ? and `stock` >= ?',
        [line.quantity, line.quantity, new Date(), line.skuId, line.quantity],
        'run',
      );
      if (r.affectedRows !== 1) throw CatalogErrors.outOfStock(line.skuId);
    }
  }

  /**
   * Returns reserved quantity to available (order cancelled or timed out). Returns the number of
   * lines applied; a line whose reservation is already gone is skipped (never goes negative).
   */
  async release(em: EntityManager, lines: readonly StockLine[]): Promise<number> {
    let applied = 0;
    for (const line of sortedBySku(lines)) {
      const r = await em.execute<QueryResult>(
        'update `sku` set `stock` = `stock` + ?, `reserved` = `reserved` - ?, `version` = `version` + 1, `updated_at` = ? where `id` = ? and `reserved` >= ?',
        [line.quantity, line.quantity, new Date(), line.skuId, line.quantity],
        'run',
      );
      applied += r.affectedRows;
    }
    return applied;
  }

  /** Converts reserved quantity to sold (payment succeeded). Returns the number of lines applied. */
  async commitSold(em: EntityManager, lines: readonly StockLine[]): Promise<number> {
    let applied = 0;
    for (const line of sortedBySku(lines)) {
      const r = await em.execute<QueryResult>(
        'update `sku` set `reserved` = `reserved` - ?, `sold` = `sold` + ?, `version` = `version` + 1, `updated_at` = ? where `id` = ? and `reserved` >= ?',
        [line.quantity, line.quantity, new Date(), line.skuId, line.quantity],
        'run',
      );
      applied += r.affectedRows;
    }
    return applied;
  }

  /** Creates a product with its SKUs in one transaction (admin tooling, seeds, tests). */
  async createProduct(em: EntityManager, input: NewProduct): Promise<ProductView> {
    return em.fork().transactional(async (tx) => {
      const product = tx.create(Product, { storeId: input.storeId, name: input.name, status: 'ON_SALE' });
      await tx.flush();
      const skus = input.skus.map((s) => tx.create(Sku, { productId: product.id, name: s.name, priceFen: s.priceFen, stock: s.stock, reserved: 0, sold: 0, version: 1 }));
      await tx.flush();
      return { product, skus };
    });
  }

  /** Idempotent demo seed: every missing demo product of stores 1..10 is created (safe to run from several instances). */
  async seedDemo(em: EntityManager): Promise<number> {
    const existing = await em.find(Product, { storeId: { $in: DEMO_STORE_IDS } });
    const have = new Set(existing.map((p) => `${p.storeId}:${p.name}`));
    let created = 0;
    for (const storeId of DEMO_STORE_IDS) {
      for (const demo of DEMO_PRODUCTS) {
        if (have.has(`${storeId}:${demo.name}`)) continue;
        try {
          await this.createProduct(em, { storeId, name: demo.name, skus: demo.skus });
          created++;
        } catch (err) {
          // Another instance seeded it first: the unique (store_id, name) index says so.
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
    }
    return created;
  }
}

function sortedBySku(lines: readonly StockLine[]): StockLine[] {
  return [...lines].sort((a, b) => a.skuId - b.skuId);
}
