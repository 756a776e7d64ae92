import { SeckillTags, Topics } from '../../infra/mq/topics.js';
import type { HeldStockReturn } from '../order/order.service.js';
import type { SeckillUnitReturned } from './seckill-events.js';
import { SECKILL_CLIENT_REQUEST_PREFIX } from './seckill.service.js';

/**
 * OrderService's HeldStockReturn: inside the cancel transaction of a seckill order, its unit goes
 * back to the activity (available + 1) and a UNIT_RETURNED message (outbox, same transaction)
 * gives it back to Redis. Once: the seckill_order row moves ORDERED → RETURNED conditionally.
 * After settlement the unit goes to the SKU's available stock like any order's (returns false).
 */
export const returnHeldSeckillStock: HeldStockReturn = async (tx, emit, order) => {
  if (!order.clientRequestId.startsWith(SECKILL_CLIENT_REQUEST_PREFIX)) return false;
  const [row] = await tx.execute<{ id: number; attempt_id: string; activity_id: number }[]>(
    "select `id`, `attempt_id`, `activity_id` from `seckill_order` where `order_no` = ? and `status` = 'ORDERED'",
    [order.orderNo],
  );
  if (!row) return false;
  const now = new Date();
  const moved = await tx.execute<{ affectedRows: number }>("update `seckill_order` set `status` = 'RETURNED', `updated_at` = ? where `id` = ? and `status` = 'ORDERED'", [now, row.id], 'run');
  if (moved.affectedRows !== 1) return false;
  const back = await tx.execute<{ affectedRows: number }>(
    "update `seckill_activity` set `available` = `available` + 1, `ordered` = `ordered` - 1, `returned` = `returned` + 1, `updated_at` = ? where `id` = ? and `status` = 'ACTIVE'",
    [now, row.activity_id],
    'run',
  );
  if (back.affectedRows === 1) {
    const activityId = Number(row.activity_id);
    emit<SeckillUnitReturned>({ topic: Topics.SeckillOrder, tag: SeckillTags.UnitReturned, key: row.attempt_id, data: { attemptId: row.attempt_id, activityId, orderNo: order.orderNo } });
    return true;
  }
  await tx.execute(
    'update `seckill_activity` set `ordered` = `ordered` - 1, `returned` = `returned` + 1, `released_to_sku` = `released_to_sku` + 1, `updated_at` = ? where `id` = ?',
    [now, row.activity_id],
    'run',
  );
  return false;
};
