import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually, sleep } from '../../helpers/wait.js';
import { feed, newSku, ops, placeOrder, publishStatus, statusEvent, watch, wsClient } from './helpers.js';
import { login, type Customer } from '../../helpers/actors.js';

describe('orderStatusChanged over graphql-ws', () => {
  let app: TestApp;
  let alice: Customer;
  let bob: Customer;
  let sku: number;
  const clients: Client[] = [];
  const client = (authorization?: string) => {
    const c = wsClient(app, authorization);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    app = await startTestApp({ database: 'status_stream_subscription' });
    [alice, bob] = await Promise.all([login(app), login(app)]);
    sku = await newSku(app);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await app?.close();
  });

  it("delivers every status of the viewer's order, in stream order, interleaved with another order's events", async () => {
    const mine = await placeOrder(app, alice, sku, 2);
    const theirs = await placeOrder(app, bob, sku, 1);
    const a = watch(client(`Bearer ${alice.token}`), mine.orderNo);
    const b = watch(client(bob.token), theirs.orderNo); // the bare token works too
    await eventually(() => feed(app).watchers(mine.orderNo) === 1 && feed(app).watchers(theirs.orderNo) === 1, { what: 'subscriptions open' });

    // Interleaved across two message groups; within each group the broker keeps send order.
    // The orders exist (seq 1) when the subscriptions open, so CREATED is history to them: a
    // subscription pushes the transitions after the state the client then reads.
    await publishStatus(app, statusEvent(mine, alice.userId, 'CREATED', 1));
    await publishStatus(app, statusEvent(theirs, bob.userId, 'CREATED', 1));
    await publishStatus(app, statusEvent(mine, alice.userId, 'PAID', 2));
    await publishStatus(app, statusEvent(theirs, bob.userId, 'CANCELLED', 2, { reason: 'USER_CANCELLED' }));
    await publishStatus(app, statusEvent(mine, alice.userId, 'SHIPPED', 3));
    await publishStatus(app, statusEvent(mine, alice.userId, 'COMPLETED', 4));

    await eventually(() => a.events.length >= 3 && b.events.length >= 1, { what: 'events pushed', timeoutMs: 20_000 });
    await sleep(300); // nothing more may come
    expect(a.error).toBeUndefined();
    expect(a.events.map((e) => [e.orderNo, e.event, e.status, e.previousStatus, e.seq])).toEqual([
      [mine.orderNo, 'PAID', 'PAID', 'PENDING_PAYMENT', 2],
      [mine.orderNo, 'SHIPPED', 'SHIPPED', 'PAID', 3],
      [mine.orderNo, 'COMPLETED', 'COMPLETED', 'SHIPPED', 4],
    ]);
    expect(b.events.map((e) => [e.orderNo, e.event, e.seq, e.reason])).toEqual([[theirs.orderNo, 'CANCELLED', 2, 'USER_CANCELLED']]);
    expect(typeof a.events[0].at).toBe('string');

    // A redelivered (republished) event does not reach the subscriber twice.
    await publishStatus(app, statusEvent(mine, alice.userId, 'COMPLETED', 4));
    await sleep(500);
    expect(a.events).toHaveLength(3);

    a.stop();
    b.stop();
    await eventually(() => feed(app).watchers(mine.orderNo) === 0 && feed(app).watchers(theirs.orderNo) === 0, { what: 'subscriptions closed' });
  });

  it('pushes a real cancelOrder as it happens (order module → outbox → broker → subscription)', async () => {
    const order = await placeOrder(app, alice, sku);
    const w = watch(client(`Bearer ${alice.token}`), order.orderNo);
    await eventually(() => feed(app).watchers(order.orderNo) === 1, { what: 'subscription open' });

    const r = await gql(app.url, ops.cancelOrder, { orderNo: order.orderNo }, alice.token);
    expect(r.errors).toBeUndefined();
    await eventually(() => w.events.length > 0, { what: 'CANCELLED pushed' });
    await sleep(300);
    expect(w.events.map((e) => [e.event, e.status, e.previousStatus, e.seq, e.reason])).toEqual([['CANCELLED', 'CANCELLED', 'PENDING_PAYMENT', 2, 'USER_CANCELLED']]);
    w.stop();
  });

  it("refuses another user's order and an unknown order with NOT_FOUND, and keeps the socket usable", async () => {
    const alices = await placeOrder(app, alice, sku);
    const c = client(`Bearer ${bob.token}`);
    const other = watch(c, alices.orderNo);
    await other.done;
    const unknown = watch(c, 'NO-SUCH-ORDER-0001');
    await unknown.done;
    for (const w of [other, unknown]) {
      expect(w.events).toEqual([]);
      const errors = w.error as { message: string; extensions?: Record<string, unknown> }[];
      expect(Array.isArray(errors)).toBe(true);
      expect(errors[0].extensions).toEqual({ code: 'NOT_FOUND', reason: 'ORDER_NOT_FOUND' });
    }
    expect(feed(app).watchers(alices.orderNo)).toBe(0);

    // The same connection still serves Bob's own orders.
    const own = await placeOrder(app, bob, sku);
    const ok = watch(c, own.orderNo);
    await eventually(() => feed(app).watchers(own.orderNo) === 1, { what: "Bob's own subscription" });
    ok.stop();
  });

  it('refuses a connection without a valid session', async () => {
    const order = await placeOrder(app, alice, sku);
    for (const authorization of [undefined, 'Bearer not-a-real-token']) {
      const w = watch(client(authorization), order.orderNo);
      await w.done;
      expect(w.events).toEqual([]);
      // 4401 "log in again" (README, Errors): no session, or one that is unknown or expired.
      expect((w.error as { code?: number }).code).toBe(4401);
    }
    expect(feed(app).watchers(order.orderNo)).toBe(0);
  });
});
