import { AppError } from '../../shared/errors.js';

export const CatalogErrors = {
  skuNotFound: (skuId: number) => AppError.notFound(`sku ${skuId} does not exist in this store or is not on sale`, 'SKU_NOT_FOUND'),
  /** CONFLICT: the request was valid, the shelf just does not have it any more. Nothing was changed. */
  outOfStock: (skuId: number) => new AppError('CONFLICT', `sku ${skuId} does not have enough stock`, { reason: 'OUT_OF_STOCK', field: `sku:${skuId}` }),
};
