import { randomUUID } from 'node:crypto';
import type { CatalogService } from '../../../src/modules/catalog/catalog.service.js';
import type { OrderService } from '../../../src/modules/order/order.service.js';
import { gql, operation } from '../../helpers/graphql-client.js';
import type { TestApp } from '../../helpers/test-app.js';
import type { Customer } from '../../helpers/actors.js';
import { queryRow } from '../../helpers/test-db.js';

export const ops = {
  products: operation('products'),
  placeOrder: operation('place-order'),
  cancelOrder: operation('cancel-order'),
  order: operation('order'),
  orders: operation('orders'),
  confirmReceipt: operation('confirm-receipt'),
};

export function catalog(app: TestApp): CatalogService {
  return app.services.catalog as CatalogService;
}
export function orderService(app: TestApp): OrderService {
  return app.services.orders as OrderService;
}

/**
 * What payOrder records before it asks WeChat Pay for a prepay: from then on the order's deadline
 * asks the payment probe before closing it (an order never prepaid closes without asking).
 */
export async function requestPrepay(app: TestApp, owner: Pick<Customer, 'userId'>, orderNo: string): Promise<void> {
  if (!(await orderService(app).recordPrepayRequest(app.orm.em.fork(), orderNo, owner.userId))) throw new Error(`order ${orderNo} refused a prepay request`);
}

/** A product with one SKU per entry, in store `storeId`; returns the SKU ids (numbers). */
export async function createSkus(app: TestApp, storeId: number, skus: { priceFen: number; stock: number }[]): Promise<number[]> {
  const view = await catalog(app).createProduct(app.orm.em.fork(), {
    storeId,
    name: `P-${randomUUID().slice(0, 8)}`,
    skus: skus.map((s, i) => ({ name: `S${i}`, ...s })),
  });
  return view.skus.map((s) => s.id);
}

export async function skuRow(app: TestApp, skuId: number): Promise<{ stock: number; reserved: number; sold: number }> {
  const row = (await queryRow<{ stock: number; reserved: number; sold: number }>(app, 'select stock, reserved, sold from sku where id = ?', [skuId]))!;
  return { stock: Number(row.stock), reserved: Number(row.reserved), sold: Number(row.sold) };
}

export async function orderRow(app: TestApp, orderNo: string): Promise<Record<string, any> | undefined> {
  return queryRow(app, 'select * from orders where order_no = ?', [orderNo]);
}

export async function couponStatus(app: TestApp, userCouponId: string | number): Promise<{ status: string; used_order_no: string | null }> {
  return (await queryRow<{ status: string; used_order_no: string | null }>(app, 'select status, used_order_no from user_coupon where id = ?', [Number(userCouponId)]))!;
}

export function requestId(): string {
  return `req-${randomUUID()}`;
}

export async function placeOrder(app: TestApp, customer: Customer, input: Record<string, unknown>) {
  return gql(app.url, ops.placeOrder, { input: { clientRequestId: requestId(), ...input } }, customer.token);
}
