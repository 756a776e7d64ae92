import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { createSkus, skuRow } from '../order/helpers.js';
import { attempt, createActivity, ops, seckillOrders, stats } from './helpers.js';
import { type Customer, adminToken, loginRetrying } from '../../helpers/actors.js';

/** The payment timeout closes an unpaid seckill order like any order; its unit goes back to the sale once. */
describe('seckill: an unpaid seckill order times out', () => {
  let app: TestApp;
  let admin: string;
  let users: Customer[];

  beforeAll(async () => {
    app = await startTestApp({ database: 'seckill_timeout', env: { ORDER_PAYMENT_TIMEOUT: '2s', SECKILL_IP_RATE_LIMIT: '0' } });
    admin = await adminToken(app);
    users = await Promise.all([loginRetrying(app), loginRetrying(app)]);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it("returns the timed-out order's unit to Redis, and it is sold again", async () => {
    const [skuId] = await createSkus(app, 1, [{ priceFen: 5000, stock: 5 }]);
    const activity = await createActivity(app, admin, { skuId: skuId!, stock: 1 });
    const [a, b] = users as [Customer, Customer];
    expect((await attempt(app, a.token, activity.id)).data.seckill.status).toBe('QUEUED');
    expect((await attempt(app, b.token, activity.id)).data.seckill.status).toBe('SOLD_OUT');
    const [first] = await eventually(async () => {
      const rows = await seckillOrders(app, activity.id);
      return rows.length === 1 ? rows : undefined;
    }, { what: 'the order', timeoutMs: 30_000 });

    // Nobody pays: the delay message closes it (PAYMENT_TIMEOUT) and the unit comes back.
    const order = await eventually(async () => {
      const r = await gql(app.url, ops.order, { orderNo: first!.order_no }, a.token);
      return r.data?.order?.status === 'CANCELLED' ? r.data.order : undefined;
    }, { what: 'payment timeout', timeoutMs: 30_000 });
    expect(order.cancelReason).toBe('PAYMENT_TIMEOUT');
    const back = await eventually(async () => {
      const s = await stats(app, admin, activity.id);
      return s.redisStock === 1 ? s : undefined;
    }, { what: 'unit back in redis', timeoutMs: 30_000 });
    expect(back).toMatchObject({ sold: 0, returned: 1, available: 1, redisReturned: 1, consistent: true });
    expect(await skuRow(app, skuId!)).toEqual({ stock: 4, reserved: 1, sold: 0 });

    // B's earlier SOLD_OUT is final; a new attempt of B's gets the returned unit.
    const again = (await attempt(app, b.token, activity.id)).data.seckill;
    expect(again.status).toBe('QUEUED');
    const second = await eventually(async () => (await seckillOrders(app, activity.id)).find((r) => r.attempt_id === again.id), { what: 'sold again', timeoutMs: 30_000 });
    expect(second.order_no).toBeTruthy();
    // That order times out in turn (2 s): whichever side of it this reads, the numbers add up.
    const s = await eventually(async () => {
      const n = await stats(app, admin, activity.id);
      return n.consistent && n.pending === 0 ? n : undefined;
    }, { what: 'consistent numbers' });
    expect(s.sold + s.available).toBe(1);
    expect(s.sold + s.returned).toBe(2);
  }, 120_000);
});
