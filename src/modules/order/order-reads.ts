import type { EntityManager } from '@mikro-orm/mysql';
import type { RequestContext } from '../../shared/context.js';
import { requireCustomer } from '../auth/auth.service.js';
import type { StockLine } from '../catalog/catalog.service.js';
import { checkPageSize, decodeCursor, toPage, type Page } from '../../shared/pagination.js';
import { OrderStatusValues, type OrderStatus } from './order-events.js';
import { Order, OrderItem, type OrderItemRow, type OrderRow } from './order.entity.js';
import { OrderErrors } from './order.errors.js';
import type { OrderView } from './order.model.js';

/** Reads of orders: the owner's views and the lookups other modules make with a business reason. */
export class OrderReads {
  /** The viewer's order, or null: another user's order is indistinguishable from none. */
  async getOrder(ctx: RequestContext, orderNo: string): Promise<OrderView | null> {
    const viewer = requireCustomer(ctx);
    const order = await ctx.em.findOne(Order, { orderNo: String(orderNo), userId: viewer.userId });
    return order ? this.withItems(ctx.em, order) : null;
  }

  /** The viewer's orders, newest first, keyset-paginated by id. */
  async listOrders(ctx: RequestContext, args: { status?: OrderStatus | null; first?: number | null; after?: string | null }): Promise<Page<OrderView>> {
    const viewer = requireCustomer(ctx);
    const limit = checkPageSize(args.first);
    const after = decodeCursor(args.after);
    if (args.status && !OrderStatusValues.includes(args.status)) throw OrderErrors.invalid('unknown status', 'status');
    const where: Record<string, unknown> = { userId: viewer.userId };
    if (args.status) where.status = args.status;
    if (after) where.id = { $lt: after.id };
    const rows = await ctx.em.find(Order, where as never, { orderBy: { id: 'desc' }, limit: limit + 1 });
    const kept = rows.slice(0, limit);
    const items = kept.length > 0 ? await ctx.em.find(OrderItem, { orderId: { $in: kept.map((o) => o.id) } }, { orderBy: { id: 'asc' } }) : [];
    const byOrder = new Map<number, OrderItemRow[]>();
    for (const item of items) byOrder.set(item.orderId, [...(byOrder.get(item.orderId) ?? []), item]);
    return toPage(rows, limit, (order) => ({ order, items: byOrder.get(order.id) ?? [] }));
  }

  /** An order by number with its items, for any caller with a business reason (payment, refund); no owner check. */
  async findByOrderNo(em: EntityManager, orderNo: string): Promise<OrderView | null> {
    // Both reads at once (two pooled connections): this sits on the pay-notification path.
    const [order, itemRows] = await Promise.all([
      em.findOne(Order, { orderNo }),
      em.execute<Record<string, unknown>[]>('select i.* from `order_item` i join `orders` o on o.`id` = i.`order_id` where o.`order_no` = ? order by i.`id`', [orderNo]),
    ]);
    return order ? { order, items: itemRows.map((row) => em.map(OrderItem, row)) } : null;
  }

  /** The stock lines of an order (for `CatalogService.commitSold` on payment, `release` on refund). */
  async stockLines(em: EntityManager, orderId: number): Promise<StockLine[]> {
    const items = await em.find(OrderItem, { orderId });
    return items.map((i) => ({ skuId: i.skuId, quantity: i.quantity }));
  }

  async findByClientRequest(em: EntityManager, userId: number, clientRequestId: string): Promise<OrderView | null> {
    const order = await em.findOne(Order, { userId, clientRequestId });
    return order ? this.withItems(em, order) : null;
  }

  async withItems(em: EntityManager, order: OrderRow): Promise<OrderView> {
    return { order, items: await em.find(OrderItem, { orderId: order.id }, { orderBy: { id: 'asc' } }) };
  }
}
