import { randomUUID } from 'node:crypto';
import type { CatalogService } from '../../../src/modules/catalog/catalog.service.js';
import type { OrderService } from '../../../src/modules/order/order.service.js';
import { gql, operation } from '../../helpers/graphql-client.js';
import type { TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually } from '../../helpers/wait.js';

export const ops = {
  login: operation('login'),
  myCoupons: operation('my-coupons'),
  products: operation('products'),
  placeOrder: operation('place-order'),
  cancelOrder: operation('cancel-order'),
  order: operation('order'),
  orders: operation('orders'),
  confirmReceipt: operation('confirm-receipt'),
};

export interface Customer {
  token: string;
  userId: number;
}

export async function login(app: TestApp, code = `code-${randomUUID()}`): Promise<Customer> {
  const r = await gql(app.url, ops.login, { code });
  if (!r.data) throw new Error(`login failed: ${JSON.stringify(r.errors)}`);
  return { token: r.data.login.token, userId: Number(r.data.login.user.id) };
}

/** A customer whose new-user coupon (1000 off from 5000 fen) has arrived through the broker. */
export async function loginWithCoupon(app: TestApp): Promise<Customer & { couponId: string }> {
  const customer = await login(app);
  const couponId = await eventually(
    async () => {
      const r = await gql(app.url, ops.myCoupons, {}, customer.token);
      return r.data?.myCoupons?.[0]?.id as string | undefined;
    },
    { what: 'new-user coupon' },
  );
  return { ...customer, couponId };
}

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
  const [row] = await queryRows<{ stock: number; reserved: number; sold: number }>(app.databaseUrl, 'select stock, reserved, sold from sku where id = ?', [skuId]);
  return { stock: Number(row.stock), reserved: Number(row.reserved), sold: Number(row.sold) };
}

export async function orderRow(app: TestApp, orderNo: string): Promise<Record<string, any> | undefined> {
  const [row] = await queryRows(app.databaseUrl, 'select * from orders where order_no = ?', [orderNo]);
  return row;
}

export async function couponStatus(app: TestApp, userCouponId: string | number): Promise<{ status: string; used_order_no: string | null }> {
  const [row] = await queryRows<{ status: string; used_order_no: string | null }>(app.databaseUrl, 'select status, used_order_no from user_coupon where id = ?', [Number(userCouponId)]);
  return row;
}

export async function countRows(app: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await queryRows<{ n: number }>(app.databaseUrl, sql, params);
  return Number(row.n);
}

export function requestId(): string {
  return `req-${randomUUID()}`;
}

export async function placeOrder(app: TestApp, customer: Customer, input: Record<string, unknown>) {
  return gql(app.url, ops.placeOrder, { input: { clientRequestId: requestId(), ...input } }, customer.token);
}
