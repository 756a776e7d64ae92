import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { createSkus, placeOrder } from '../order/helpers.js';
import { attempt, createActivity, seckillOrders } from './helpers.js';
import { adminToken, loginRetrying } from '../../helpers/actors.js';

/**
 * The per-store pending-order limit guards a store's ordinary stock; a flash-sale unit was granted
 * by the sale's own per-user limit. A buyer at the pending limit who wins a unit still gets the
 * order (the bench found admitted attempts stuck behind PENDING_ORDER_LIMIT, retried forever).
 */
describe('seckill: an admitted attempt is ordered even when its buyer is at the pending-order limit', () => {
  let app: TestApp;
  let admin: string;
  beforeAll(async () => {
    app = await startTestApp({ database: 'seckill_pending_limit', env: { ORDER_MAX_PENDING_PER_STORE: '1', SECKILL_IP_RATE_LIMIT: '0' } });
    admin = await adminToken(app);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('orders the seckill unit while ordinary placements stay refused', async () => {
    const buyer = await loginRetrying(app);
    const [plainSku, saleSku] = await createSkus(app, 1, [{ priceFen: 1000, stock: 10 }, { priceFen: 5000, stock: 10 }]);
    const first = await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(plainSku), quantity: 1 }] });
    expect(first.errors).toBeUndefined();
    const refused = await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(plainSku), quantity: 1 }] });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'PENDING_ORDER_LIMIT' });

    const activity = await createActivity(app, admin, { skuId: saleSku!, stock: 1 });
    const won = (await attempt(app, buyer.token, activity.id)).data.seckill;
    expect(won.status).toBe('QUEUED');
    const [row] = await eventually(async () => {
      const rows = await seckillOrders(app, activity.id);
      return rows.length === 1 && rows[0]!.order_no ? rows : undefined;
    }, { what: 'the seckill order', timeoutMs: 30_000 });
    expect(row).toMatchObject({ attempt_id: won.id, user_id: buyer.userId, status: 'ORDERED' });

    // The limit still holds for ordinary orders: the buyer now has two pending, and a third is refused.
    const again = await placeOrder(app, buyer, { storeId: '1', items: [{ skuId: String(plainSku), quantity: 1 }] });
    expect(again.errors?.[0]?.extensions).toMatchObject({ reason: 'PENDING_ORDER_LIMIT' });
  }, 120_000);
});
