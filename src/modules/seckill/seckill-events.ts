/**
 * The seckill contract (NORMAL topic `TopicSeckillOrder`, tags `ADMITTED` and `UNIT_RETURNED`,
 * key = attemptId). ADMITTED comes from the Redis stream relay, UNIT_RETURNED from the outbox of
 * the order cancellation that returned the unit; both are consumed by the seckill module itself.
 */
/** TopicSeckillOrder, tag ADMITTED (key attemptId): an admitted attempt to turn into an order. */
export interface SeckillAdmitted {
  attemptId: string;
  activityId: number;
  userId: number;
}

/** TopicSeckillOrder, tag UNIT_RETURNED (key attemptId): the attempt's order was cancelled, its unit is back in MySQL. */
export interface SeckillUnitReturned {
  attemptId: string;
  activityId: number;
  orderNo: string;
}
