import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errorCode, gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually, sleep } from '../../helpers/wait.js';
import { newSku, ops, placeOrder, publishStatus, statusEvent, type PlacedOrder } from './helpers.js';
import { adminToken, login, type Customer } from '../../helpers/actors.js';

interface FactRow {
  order_no: string;
  seq: number;
  event: string;
  status: string;
  user_id: number;
  store_id: number;
  total_fen: number;
  payable_fen: number;
}

describe('analytics store (cg-analytics) and salesSummary', () => {
  let app: TestApp;
  let alice: Customer;
  let sku: number;
  const startedAt = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    app = await startTestApp({ database: 'status_stream_analytics' });
    alice = await login(app);
    sku = await newSku(app, 2_000);
  });
  afterAll(async () => {
    await app?.close();
  });

  const facts = async (order: PlacedOrder) =>
    (await queryRows<FactRow>(app.databaseUrl, 'select order_no, seq, event, status, user_id, store_id, total_fen, payable_fen from analytics_order_fact where order_no = ? order by seq', [order.orderNo])).map((r) => ({
      ...r,
      seq: Number(r.seq),
      user_id: Number(r.user_id),
      total_fen: Number(r.total_fen),
      payable_fen: Number(r.payable_fen),
    }));

  it('records one fact per event even when events are published twice, and reports from the facts alone', async () => {
    const paid = await placeOrder(app, alice, sku, 2);
    const cancelled = await placeOrder(app, alice, sku, 1);
    await publishStatus(app, statusEvent(paid, alice.userId, 'PAID', 2));
    await publishStatus(app, statusEvent(paid, alice.userId, 'PAID', 2));
    await publishStatus(app, statusEvent(paid, alice.userId, 'CREATED', 1));
    // A real cancellation through the order module.
    const r = await gql(app.url, ops.cancelOrder, { orderNo: cancelled.orderNo }, alice.token);
    expect(r.errors).toBeUndefined();
    // Redis forgets (expiry, outage): the unique (order_no, seq) index still makes the repeat a no-op.
    await eventually(async () => (await facts(paid)).length === 2, { what: 'facts of the paid order' });
    await app.redis.del(`idem:analytics-order-fact:${paid.orderNo}:2`);
    await publishStatus(app, statusEvent(paid, alice.userId, 'PAID', 2));

    await eventually(async () => (await facts(cancelled)).length === 2, { what: 'facts of the cancelled order' });
    await sleep(800); // let the duplicates drain

    expect((await facts(paid)).map((f) => [f.seq, f.event, f.status, f.user_id, f.total_fen, f.payable_fen])).toEqual([
      [1, 'CREATED', 'PENDING_PAYMENT', alice.userId, 4_000, paid.payableFen],
      [2, 'PAID', 'PAID', alice.userId, 4_000, paid.payableFen],
    ]);
    expect((await facts(cancelled)).map((f) => [f.seq, f.event, f.status])).toEqual([
      [1, 'CREATED', 'PENDING_PAYMENT'],
      [2, 'CANCELLED', 'CANCELLED'],
    ]);

    const admin = await adminToken(app);
    const vars = { from: startedAt.toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const summary = await gql(app.url, ops.salesSummary, vars, admin);
    expect(summary.errors).toBeUndefined();
    expect(summary.data.salesSummary).toMatchObject({ ordersCreated: 2, ordersPaid: 1, ordersCancelled: 1, ordersRefunded: 0, gmvFen: paid.payableFen, refundedFen: 0 });

    // An empty period.
    const before = await gql(app.url, ops.salesSummary, { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }, admin);
    expect(before.data.salesSummary).toMatchObject({ ordersCreated: 0, ordersPaid: 0, gmvFen: 0 });
  });

  it('is for admins only and checks the period', async () => {
    const vars = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };
    expect(errorCode(await gql(app.url, ops.salesSummary, vars))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(app.url, ops.salesSummary, vars, alice.token))).toBe('FORBIDDEN');
    const admin = await adminToken(app);
    expect(errorCode(await gql(app.url, ops.salesSummary, { from: vars.to, to: vars.from }, admin))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(app.url, ops.salesSummary, { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, admin))).toBe('BAD_USER_INPUT');
  });
});
