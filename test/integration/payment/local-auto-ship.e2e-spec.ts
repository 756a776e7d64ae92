import { afterEach, describe, expect, it } from '@jest/globals';
import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { eventually } from '../../helpers/wait.js';
import { orderStatus, payOps, sim, unpaidOrder } from './helpers.js';
import { countRows } from '../../helpers/test-db.js';

/** simulatePayment (local mode's "the user paid") for a fresh order; returns its number. */
async function paidOrder(app: TestApp): Promise<string> {
  const { customer, orderNo } = await unpaidOrder(app, 1_500);
  const r = await gql(app.url, payOps.simulatePayment, { orderNo }, customer.token);
  expect(r.errors).toBeUndefined();
  expect(r.data.simulatePayment).toBe(true);
  return orderNo;
}

describe('LOCAL_AUTO_SHIP: local mode holds paid orders in PAID when it is false', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('false: the shipping consumer takes the paid order and leaves it PAID; logistics is never called', async () => {
    app = await startTestApp({ database: 'payment_auto_ship_off', env: { LOCAL_AUTO_SHIP: 'false' } });
    const orderNo = await paidOrder(app);
    const a = app;
    // The pay-success message reached cg-shipping, which decided not to ship (an event, not a pause).
    await eventually(() => a.logs.lines.some((l) => l.includes('LOCAL_AUTO_SHIP=false') && l.includes(orderNo)), { what: 'the shipping consumer holding the order' });
    // The rest of the fan-out still happens: the order is paid in every other respect.
    await eventually(async () => (await countRows(a, 'select count(*) as n from points_ledger where order_no = ?', [orderNo])) === 1, { what: 'points awarded' });
    expect(await orderStatus(app, orderNo)).toBe('PAID');
    expect(await countRows(app, 'select count(*) as n from shipment where order_no = ?', [orderNo])).toBe(0);
    expect(sim(app).callsTo('waybill')).toBe(0);
  });

  it('true (the default): the same payment ships the order through the logistics simulator', async () => {
    app = await startTestApp({ database: 'payment_auto_ship_on', env: { LOCAL_AUTO_SHIP: 'true' } });
    const orderNo = await paidOrder(app);
    const a = app;
    await eventually(async () => (await orderStatus(a, orderNo)) === 'SHIPPED', { what: 'order shipped' });
    expect(await countRows(app, 'select count(*) as n from shipment where order_no = ?', [orderNo])).toBe(1);
    expect(sim(app).waybills().map((w) => w.orderNo)).toEqual([orderNo]);
    expect(app.logs.text()).not.toContain('LOCAL_AUTO_SHIP=false');
  });
});
