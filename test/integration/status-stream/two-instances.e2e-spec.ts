import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows } from '../../helpers/test-db.js';
import { eventually, sleep } from '../../helpers/wait.js';
import { feed, newSku, placeOrder, publishStatus, statusEvent, watch, wsClient } from './helpers.js';
import { login, type Customer } from '../../helpers/actors.js';

/** Two BFF instances on one broker and one database, like two pods behind the load balancer. */
describe('order status stream across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let alice: Customer;
  let sku: number;
  const clients: Client[] = [];

  beforeAll(async () => {
    a = await startTestApp({ database: 'status_stream_two', env: { INSTANCE_ID: 'stream-a' } });
    b = await startTestApp({ database: 'status_stream_two', fresh: false, env: { INSTANCE_ID: 'stream-b', ROCKETMQ_ENDPOINTS: a.broker!.endpoint } });
    alice = await login(a);
    sku = await newSku(a);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await b?.close();
    await a?.close();
  });

  it('pushes every event to subscribers on each instance, while cg-notify and cg-analytics handle each event once in total', async () => {
    const order = await placeOrder(a, alice, sku);
    const onA = wsClient(a, `Bearer ${alice.token}`);
    const onB = wsClient(b, `Bearer ${alice.token}`); // a second device, connected to the other instance
    clients.push(onA, onB);
    const wa = watch(onA, order.orderNo);
    const wb = watch(onB, order.orderNo);
    await eventually(() => feed(a).watchers(order.orderNo) === 1 && feed(b).watchers(order.orderNo) === 1, { what: 'subscriptions on both instances' });

    await publishStatus(a, statusEvent(order, alice.userId, 'PAID', 2));
    await publishStatus(b, statusEvent(order, alice.userId, 'SHIPPED', 3));
    await publishStatus(a, statusEvent(order, alice.userId, 'COMPLETED', 4));
    await publishStatus(b, statusEvent(order, alice.userId, 'PAID', 2)); // a duplicate

    await eventually(() => wa.events.length >= 3 && wb.events.length >= 3, { what: 'events on both instances', timeoutMs: 20_000 });
    for (const w of [wa, wb]) expect(w.events.map((e) => [e.event, e.seq])).toEqual([['PAID', 2], ['SHIPPED', 3], ['COMPLETED', 4]]);

    await eventually(async () => (await queryRows(a.databaseUrl, "select 1 from notification_log where order_no = ? and status = 'SENT'", [order.orderNo])).length === 4, { what: 'notifications sent' });
    await eventually(async () => (await queryRows(a.databaseUrl, 'select 1 from analytics_order_fact where order_no = ?', [order.orderNo])).length === 4, { what: 'facts recorded' });
    await sleep(800);
    // Each instance has its own WeChat simulator: together they received each message once.
    const sent = [a, b].flatMap((app) => app.externals.simulator!.sentSubscribeMessages()).filter((m) => m.page?.endsWith(`orderNo=${order.orderNo}`));
    expect(sent).toHaveLength(4);
    expect((await queryRows(a.databaseUrl, 'select 1 from analytics_order_fact where order_no = ?', [order.orderNo])).length).toBe(4);
    wa.stop();
    wb.stop();
  });
});
