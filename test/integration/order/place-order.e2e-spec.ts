import { gql } from '../../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { queryRows, countRows } from '../../helpers/test-db.js';
import { couponStatus, createSkus, ops, orderRow, placeOrder, requestId, skuRow } from './helpers.js';
import { login, loginWithCoupon, type Customer } from '../../helpers/actors.js';

let app: TestApp;
let alice: Customer;

beforeAll(async () => {
  app = await startTestApp({ database: 'order_place' });
  alice = await login(app);
});
afterAll(async () => {
  await app?.close();
});

describe('products', () => {
  test('demo catalogue is seeded once and pages with opaque cursors', async () => {
    // The seed ran at start-up; running it again creates nothing.
    const { catalog } = app.services as { catalog: { seedDemo(em: unknown): Promise<number> } };
    expect(await catalog.seedDemo(app.orm.em.fork())).toBe(0);
    expect(await countRows(app, 'select count(*) as n from product where store_id between 1 and 10')).toBe(40);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const r: any = await gql(app.url, ops.products, { storeId: '2', first: 3, after });
      expect(r.errors).toBeUndefined();
      seen.push(...r.data.products.edges.map((e: any) => e.node.id));
      for (const e of r.data.products.edges) expect(e.node.skus.length).toBeGreaterThan(0);
      after = r.data.products.pageInfo.endCursor;
      if (!r.data.products.pageInfo.hasNextPage) break;
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  test('a bad cursor or page size is BAD_USER_INPUT', async () => {
    for (const variables of [{ after: 'not-a-cursor!' }, { after: Buffer.from('{"id":"x"}').toString('base64url') }, { first: 0 }, { first: 1000 }]) {
      const r = await gql(app.url, ops.products, variables);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('placeOrder', () => {
  test('prices come from the server; rows, items and stock agree', async () => {
    const [a, b] = await createSkus(app, 3, [
      { priceFen: 1234, stock: 10 },
      { priceFen: 99, stock: 10 },
    ]);
    const r = await placeOrder(app, alice, { storeId: '3', items: [{ skuId: String(a), quantity: 2 }, { skuId: String(b), quantity: 3 }], remark: 'less ice' });
    expect(r.errors).toBeUndefined();
    const order = r.data.placeOrder;
    expect(order.status).toBe('PENDING_PAYMENT');
    expect(order.totalFen).toBe(1234 * 2 + 99 * 3);
    expect(order.payableFen).toBe(order.totalFen);
    expect(order.orderNo.length).toBeLessThanOrEqual(32);
    const row = await orderRow(app, order.orderNo);
    expect(Number(row!.total_fen)).toBe(2765);
    expect(Number(row!.version)).toBe(1);
    expect(row!.remark).toBe('less ice');
    expect(await skuRow(app, a)).toEqual({ stock: 8, reserved: 2, sold: 0 });
    expect(await skuRow(app, b)).toEqual({ stock: 7, reserved: 3, sold: 0 });
    // Joined by order_id: the items reach their order's row (its id comes from the server, in the same round trip).
    const items = await queryRows<{ sku_id: number; unit_price_fen: number; subtotal_fen: number }>(
      app.databaseUrl,
      'select i.sku_id, i.unit_price_fen, i.subtotal_fen from order_item i join orders o on o.id = i.order_id and o.order_no = i.order_no where o.order_no = ? order by i.sku_id',
      [order.orderNo],
    );
    expect(items.map((i) => [Number(i.sku_id), Number(i.unit_price_fen), Number(i.subtotal_fen)])).toEqual([
      [a, 1234, 2468],
      [b, 99, 297],
    ]);
  });

  test('a price in the input is rejected by GraphQL (there is no such field)', async () => {
    const [sku] = await createSkus(app, 3, [{ priceFen: 5000, stock: 5 }]);
    const inline = await gql(
      app.url,
      `mutation { placeOrder(input: { storeId: "3", clientRequestId: "${requestId()}", items: [{ skuId: "${sku}", quantity: 1, priceFen: 1 }] }) { orderNo } }`,
      {},
      alice.token,
    );
    expect(inline.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Through variables the input is refused as the client's error too.
    const r = await placeOrder(app, alice, { storeId: '3', items: [{ skuId: String(sku), quantity: 1, priceFen: 1 }] });
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.data?.placeOrder).toBeUndefined();
    const r2 = await placeOrder(app, alice, { storeId: '3', totalFen: 1, items: [{ skuId: String(sku), quantity: 1 }] });
    expect(r2.errors).toHaveLength(1);
    expect(r2.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r2.data?.placeOrder).toBeUndefined();
    expect(await skuRow(app, sku)).toEqual({ stock: 5, reserved: 0, sold: 0 });
    expect(await countRows(app, 'select count(*) as n from order_item where sku_id = ?', [sku])).toBe(0);
  });

  test('invalid input is BAD_USER_INPUT with a reason, and changes nothing', async () => {
    const [sku] = await createSkus(app, 3, [{ priceFen: 100, stock: 5 }]);
    const line = { skuId: String(sku), quantity: 1 };
    const before = await countRows(app, 'select count(*) as n from orders');
    const cases: [Record<string, unknown>, string][] = [
      [{ storeId: '3', items: [] }, 'INVALID_ITEM_COUNT'],
      [{ storeId: '3', items: Array.from({ length: 21 }, (_, i) => ({ skuId: String(100000 + i), quantity: 1 })) }, 'INVALID_ITEM_COUNT'],
      [{ storeId: '3', items: [{ ...line, quantity: 0 }] }, 'INVALID_QUANTITY'],
      [{ storeId: '3', items: [{ ...line, quantity: 100 }] }, 'INVALID_QUANTITY'],
      [{ storeId: '3', items: [line, line] }, 'DUPLICATE_SKU'],
      [{ storeId: '3', items: [line], remark: 'x'.repeat(201) }, 'REMARK_TOO_LONG'],
      [{ storeId: '3', items: [line], clientRequestId: 'short' }, 'INVALID_CLIENT_REQUEST_ID'],
      [{ storeId: '3', items: [line], clientRequestId: 'has space in it' }, 'INVALID_CLIENT_REQUEST_ID'],
      [{ storeId: 'abc', items: [line] }, 'INVALID_ID'],
      [{ storeId: '3', items: [{ skuId: '-1', quantity: 1 }] }, 'INVALID_ID'],
    ];
    for (const [input, reason] of cases) {
      const r = await placeOrder(app, alice, input);
      expect([r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.reason]).toEqual(['BAD_USER_INPUT', reason]);
    }
    expect(await countRows(app, 'select count(*) as n from orders')).toBe(before);
    expect(await skuRow(app, sku)).toEqual({ stock: 5, reserved: 0, sold: 0 });
  });

  test('a SKU of another store or unknown is NOT_FOUND; nothing changes', async () => {
    const [mine, other] = await Promise.all([createSkus(app, 4, [{ priceFen: 100, stock: 5 }]), createSkus(app, 5, [{ priceFen: 100, stock: 5 }])]);
    const r = await placeOrder(app, alice, { storeId: '4', items: [{ skuId: String(mine[0]), quantity: 1 }, { skuId: String(other[0]), quantity: 1 }] });
    expect([r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.reason]).toEqual(['NOT_FOUND', 'SKU_NOT_FOUND']);
    const r2 = await placeOrder(app, alice, { storeId: '4', items: [{ skuId: '99999999', quantity: 1 }] });
    expect(r2.errors?.[0]?.extensions?.reason).toBe('SKU_NOT_FOUND');
    expect(await skuRow(app, mine[0])).toEqual({ stock: 5, reserved: 0, sold: 0 });
  });

  test('not logged in is UNAUTHENTICATED', async () => {
    const r = await gql(app.url, ops.placeOrder, { input: { storeId: '1', items: [{ skuId: '1', quantity: 1 }], clientRequestId: requestId() } });
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('out of stock on a later line rolls back the earlier lines', async () => {
    const [plenty, scarce] = await createSkus(app, 6, [
      { priceFen: 100, stock: 50 },
      { priceFen: 100, stock: 1 },
    ]);
    const r = await placeOrder(app, alice, { storeId: '6', items: [{ skuId: String(plenty), quantity: 5 }, { skuId: String(scarce), quantity: 2 }] });
    expect([r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.reason, r.errors?.[0]?.extensions?.field]).toEqual(['CONFLICT', 'OUT_OF_STOCK', `sku:${scarce}`]);
    expect(await skuRow(app, plenty)).toEqual({ stock: 50, reserved: 0, sold: 0 });
    expect(await skuRow(app, scarce)).toEqual({ stock: 1, reserved: 0, sold: 0 });
  });

  test('100 concurrent orders for a SKU with stock 10: exactly 10 orders, no oversell', async () => {
    const [sku] = await createSkus(app, 7, [{ priceFen: 500, stock: 10 }]);
    const buyers = await Promise.all(Array.from({ length: 20 }, () => login(app)));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => placeOrder(app, buyers[i % buyers.length], { storeId: '7', items: [{ skuId: String(sku), quantity: 1 }] })));
    const ok = results.filter((r) => r.data?.placeOrder);
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.reason === 'OUT_OF_STOCK');
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(90);
    expect(await skuRow(app, sku)).toEqual({ stock: 0, reserved: 10, sold: 0 });
    expect(await countRows(app, 'select count(*) as n from order_item where sku_id = ?', [sku])).toBe(10);
  });

  test('the same clientRequestId submitted 20 times concurrently makes one order', async () => {
    const [sku] = await createSkus(app, 8, [{ priceFen: 300, stock: 100 }]);
    const clientRequestId = requestId();
    const results = await Promise.all(Array.from({ length: 20 }, () => placeOrder(app, alice, { storeId: '8', clientRequestId, items: [{ skuId: String(sku), quantity: 2 }] })));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.data.placeOrder.orderNo)).size).toBe(1);
    expect(await countRows(app, 'select count(*) as n from orders where user_id = ? and client_request_id = ?', [alice.userId, clientRequestId])).toBe(1);
    expect(await skuRow(app, sku)).toEqual({ stock: 98, reserved: 2, sold: 0 });
    // Another user may use the same clientRequestId: it is per user.
    const bob = await login(app);
    const r = await placeOrder(app, bob, { storeId: '8', clientRequestId, items: [{ skuId: String(sku), quantity: 1 }] });
    expect(r.data.placeOrder.orderNo).not.toBe(results[0].data.placeOrder.orderNo);
  });

  test('a resubmit after the last unit sold or the product went off sale still returns its order', async () => {
    const [sku] = await createSkus(app, 9, [{ priceFen: 700, stock: 1 }]);
    const clientRequestId = requestId();
    const first = await placeOrder(app, alice, { storeId: '9', clientRequestId, items: [{ skuId: String(sku), quantity: 1 }] });
    const again = await placeOrder(app, alice, { storeId: '9', clientRequestId, items: [{ skuId: String(sku), quantity: 1 }] });
    expect(again.data.placeOrder.orderNo).toBe(first.data.placeOrder.orderNo);
    await queryRows(app.databaseUrl, "update product set status = 'OFF_SALE' where id = (select product_id from sku where id = ?)", [sku]);
    const late = await placeOrder(app, alice, { storeId: '9', clientRequestId, items: [{ skuId: String(sku), quantity: 1 }] });
    expect(late.data.placeOrder.orderNo).toBe(first.data.placeOrder.orderNo);
    expect(await skuRow(app, sku)).toEqual({ stock: 0, reserved: 1, sold: 0 });
    expect(await countRows(app, 'select count(*) as n from orders where user_id = ? and client_request_id = ?', [alice.userId, clientRequestId])).toBe(1);
  });
});

describe('coupons', () => {
  test("a valid coupon discounts and is marked USED; it returns to AVAILABLE on cancel, with the stock", async () => {
    const carol = await loginWithCoupon(app);
    const [sku] = await createSkus(app, 9, [{ priceFen: 3000, stock: 10 }]);
    const r = await placeOrder(app, carol, { storeId: '9', couponId: carol.couponId, items: [{ skuId: String(sku), quantity: 2 }] });
    expect(r.errors).toBeUndefined();
    const order = r.data.placeOrder;
    expect([order.totalFen, order.discountFen, order.payableFen, order.couponId]).toEqual([6000, 1000, 5000, carol.couponId]);
    expect(await couponStatus(app, carol.couponId)).toEqual({ status: 'USED', used_order_no: order.orderNo });

    // Used: a second order cannot use it.
    const again = await placeOrder(app, carol, { storeId: '9', couponId: carol.couponId, items: [{ skuId: String(sku), quantity: 2 }] });
    expect(again.errors?.[0]?.extensions?.reason).toBe('COUPON_NOT_USABLE');
    expect(await skuRow(app, sku)).toEqual({ stock: 8, reserved: 2, sold: 0 });

    const cancelled = await gql(app.url, ops.cancelOrder, { orderNo: order.orderNo }, carol.token);
    expect(cancelled.errors).toBeUndefined();
    expect([cancelled.data.cancelOrder.status, cancelled.data.cancelOrder.cancelReason]).toEqual(['CANCELLED', 'USER_CANCELLED']);
    expect(await couponStatus(app, carol.couponId)).toEqual({ status: 'AVAILABLE', used_order_no: null });
    expect(await skuRow(app, sku)).toEqual({ stock: 10, reserved: 0, sold: 0 });
    const row = await orderRow(app, order.orderNo);
    expect([row!.status, Number(row!.version), row!.cancel_reason]).toEqual(['CANCELLED', 2, 'USER_CANCELLED']);

    // Cancelling twice is a CONFLICT, and changes nothing.
    const twice = await gql(app.url, ops.cancelOrder, { orderNo: order.orderNo }, carol.token);
    expect([twice.errors?.[0]?.extensions?.code, twice.errors?.[0]?.extensions?.reason]).toEqual(['CONFLICT', 'ORDER_NOT_CANCELLABLE']);
    expect(await skuRow(app, sku)).toEqual({ stock: 10, reserved: 0, sold: 0 });
  });

  test("another user's coupon, a coupon below threshold and an expired coupon are refused; nothing changes", async () => {
    const dave = await loginWithCoupon(app);
    const erin = await login(app);
    const [sku] = await createSkus(app, 9, [{ priceFen: 3000, stock: 10 }]);
    const orders = () => countRows(app, 'select count(*) as n from orders');
    const before = await orders();

    const stolen = await placeOrder(app, erin, { storeId: '9', couponId: dave.couponId, items: [{ skuId: String(sku), quantity: 2 }] });
    expect([stolen.errors?.[0]?.extensions?.code, stolen.errors?.[0]?.extensions?.reason]).toEqual(['BAD_USER_INPUT', 'COUPON_NOT_FOUND']);

    const small = await placeOrder(app, dave, { storeId: '9', couponId: dave.couponId, items: [{ skuId: String(sku), quantity: 1 }] });
    expect([small.errors?.[0]?.extensions?.code, small.errors?.[0]?.extensions?.reason]).toEqual(['BAD_USER_INPUT', 'COUPON_THRESHOLD_NOT_MET']);

    await queryRows(app.databaseUrl, 'update user_coupon set valid_until = ? where id = ?', [new Date(Date.now() - 1000), Number(dave.couponId)]);
    const expired = await placeOrder(app, dave, { storeId: '9', couponId: dave.couponId, items: [{ skuId: String(sku), quantity: 2 }] });
    expect([expired.errors?.[0]?.extensions?.code, expired.errors?.[0]?.extensions?.reason]).toEqual(['BAD_USER_INPUT', 'COUPON_NOT_USABLE']);

    expect(await orders()).toBe(before);
    expect(await skuRow(app, sku)).toEqual({ stock: 10, reserved: 0, sold: 0 });
    expect((await couponStatus(app, dave.couponId)).status).toBe('AVAILABLE');
  });
});

describe('ownership', () => {
  test('order, orders and cancel only work for the owner', async () => {
    const owner = await login(app);
    const stranger = await login(app);
    const [sku] = await createSkus(app, 10, [{ priceFen: 100, stock: 10 }]);
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push((await placeOrder(app, owner, { storeId: '10', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo);

    const mine = await gql(app.url, ops.order, { orderNo: placed[0] }, owner.token);
    expect(mine.data.order.orderNo).toBe(placed[0]);
    const theirs = await gql(app.url, ops.order, { orderNo: placed[0] }, stranger.token);
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.order).toBeNull();

    const cancel = await gql(app.url, ops.cancelOrder, { orderNo: placed[0] }, stranger.token);
    expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await orderRow(app, placed[0]))!.status).toBe('PENDING_PAYMENT');
    expect(await skuRow(app, sku)).toEqual({ stock: 7, reserved: 3, sold: 0 });

    const strangerList = await gql(app.url, ops.orders, {}, stranger.token);
    expect(strangerList.data.orders.edges).toHaveLength(0);

    // Newest first, paginated.
    const page1 = await gql(app.url, ops.orders, { first: 2 }, owner.token);
    expect(page1.data.orders.edges.map((e: any) => e.node.orderNo)).toEqual([placed[2], placed[1]]);
    expect(page1.data.orders.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(app.url, ops.orders, { first: 2, after: page1.data.orders.pageInfo.endCursor }, owner.token);
    expect(page2.data.orders.edges.map((e: any) => e.node.orderNo)).toEqual([placed[0]]);
    expect(page2.data.orders.pageInfo.hasNextPage).toBe(false);

    await gql(app.url, ops.cancelOrder, { orderNo: placed[1] }, owner.token);
    const cancelledOnly = await gql(app.url, ops.orders, { status: 'CANCELLED' }, owner.token);
    expect(cancelledOnly.data.orders.edges.map((e: any) => e.node.orderNo)).toEqual([placed[1]]);

    const notShipped = await gql(app.url, ops.confirmReceipt, { orderNo: placed[0] }, owner.token);
    expect(notShipped.errors?.[0]?.extensions?.reason).toBe('ORDER_NOT_CONFIRMABLE');
  });
});
