import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Client, ClientError, ClientOptions } from '../../clients/miniprogram/src/index.js';
import type { OrderStatusFeed } from '../../src/modules/order-subscription/order-status-feed.js';
import { createWxShim, type WxShim } from '../fakes/wx-runtime.js';
import { loadBuiltKit, type Kit } from '../helpers/miniprogram-kit.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { TEST_NAMESPACE } from '../helpers/test-db.js';
import { eventually } from '../helpers/wait.js';

const DATABASE = 'client_kit';
/** Short backoff so failure paths finish quickly; the rules are the same as the defaults'. */
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 400, httpAttempts: 2, socketAttempts: 60 };

describe('mini-program client kit (built dist/index.js) against the real server', () => {
  let kit: Kit;
  let app: TestApp;
  let redis: Redis;
  const clients: Client[] = [];
  const shims: WxShim[] = [];

  const newClient = (extra: Partial<ClientOptions> & { shim?: WxShim } = {}) => {
    // One wx user per shim: every wx.login of it yields the same openid, as on one phone.
    const user = `kit-${randomUUID()}`;
    const shim = extra.shim ?? createWxShim({ code: () => user });
    shims.push(shim);
    const client = kit.createClient({ endpoint: `${app.url}/graphql`, wx: shim, retry: FAST_RETRY, ...extra });
    clients.push(client);
    return { client, shim };
  };
  const feed = (a: TestApp) => a.services.orderStatusFeed as OrderStatusFeed;
  /** The session's Redis key, as src/modules/auth/session.store.ts names it, under the suite's prefix. */
  const sessionKey = (token: string) => `${TEST_NAMESPACE}${DATABASE}:sess:${createHash('sha256').update(token).digest('base64url')}`;

  async function skuInFirstStore(client: Client): Promise<{ storeId: string; skuId: string }> {
    const stores = await client.request(kit.StoresDocument, { first: 5 });
    const storeId = stores.stores.edges[0]!.node.id;
    const products = await client.request(kit.ProductsDocument, { storeId, first: 20 });
    const sku = products.products.edges.flatMap((e) => e.node.skus).find((s) => s.stock > 10);
    if (!sku) throw new Error('no SKU with stock in the demo store');
    return { storeId, skuId: sku.id };
  }

  async function placeOrder(client: Client) {
    const { storeId, skuId } = await skuInFirstStore(client);
    const placed = await client.request(kit.PlaceOrderDocument, { input: { clientRequestId: `kit-${randomUUID()}`, storeId, items: [{ skuId, quantity: 1 }] } });
    return placed.placeOrder;
  }

  beforeAll(async () => {
    kit = await loadBuiltKit();
    app = await startTestApp({ database: DATABASE });
    redis = new Redis('redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    shims.forEach((s) => s.closeAll());
    redis?.disconnect();
    await app?.close();
  });

  it('login → stores → placeOrder → payOrder → simulatePayment, with a subscription seeing PAID then SHIPPED', async () => {
    const { client, shim } = newClient();
    const payload = await client.login();
    expect(payload.firstLogin).toBe(true);
    expect(shim.storage.get('wxshop.session')).toEqual({ token: payload.token, expiresAt: payload.expiresAt });
    expect(await redis.exists(sessionKey(payload.token))).toBe(1);

    const order = await placeOrder(client);
    expect(order.status).toBe('PENDING_PAYMENT');
    expect(shim.requests.filter((r) => r.operation !== 'Login').every((r) => r.authorization === `Bearer ${payload.token}`)).toBe(true);

    const events: { status: string; seq: number }[] = [];
    const reads: string[] = [];
    let connected!: () => void;
    const opened = new Promise<void>((r) => (connected = r));
    const stop = client.subscribe(kit.OrderStatusChangedDocument, { orderNo: order.orderNo }, {
      next: (data) => events.push({ status: data.orderStatusChanged.status, seq: data.orderStatusChanged.seq }),
      error: (err) => events.push({ status: `error:${err.code}`, seq: -1 }),
      // Subscribe, then read: what the page does.
      connected: ({ resumed }) => {
        expect(resumed).toBe(false);
        void client.request(kit.OrderDocument, { orderNo: order.orderNo }).then((r) => reads.push(r.order!.status)).then(connected);
      },
    });
    await opened;
    expect(reads).toEqual(['PENDING_PAYMENT']);
    expect(feed(app).watchers(order.orderNo)).toBe(1);

    // The socket: graphql-transport-ws, and the token as lowercase connectionParams.authorization.
    expect(shim.sockets).toHaveLength(1);
    expect(shim.sockets[0]!.url).toBe(`${app.url.replace(/^http/, 'ws')}/graphql`);
    expect(shim.sockets[0]!.protocols).toEqual(['graphql-transport-ws']);
    expect(JSON.parse(shim.sockets[0]!.sent[0]!)).toEqual({ type: 'connection_init', payload: { authorization: `Bearer ${payload.token}` } });

    const pay = await client.request(kit.PayOrderDocument, { orderNo: order.orderNo });
    expect(pay.payOrder).toMatchObject({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=/) });
    expect(pay.payOrder.paySign.length).toBeGreaterThan(0);
    expect(await client.request(kit.SimulatePaymentDocument, { orderNo: order.orderNo })).toEqual({ simulatePayment: true });

    await eventually(() => events.length >= 2, { what: 'PAID and SHIPPED pushed', timeoutMs: 30_000 });
    expect(events).toEqual([
      { status: 'PAID', seq: 2 },
      { status: 'SHIPPED', seq: 3 },
    ]);
    const now = await client.request(kit.OrderDocument, { orderNo: order.orderNo });
    expect(now.order).toMatchObject({ status: 'SHIPPED', paidAt: expect.any(String) });

    // The returned function unsubscribes: the server drops the watcher.
    stop();
    await eventually(() => feed(app).watchers(order.orderNo) === 0, { what: 'watcher released' });
  });

  it('connected() fires once the server has the subscription, not at connection_ack (the subscribe frame held back 300 ms)', async () => {
    const user = `kit-${randomUUID()}`;
    // Stands in for a server slow to open the subscription (its session re-check, its order lookup).
    const { client } = newClient({ shim: createWxShim({ code: () => user, holdSent: (frame) => (JSON.parse(frame).type === 'subscribe' ? 300 : 0) }) });
    await client.login();
    const order = await placeOrder(client);
    const seen = await new Promise<{ resumed: boolean; watchers: number }>((resolve, reject) => {
      client.subscribe(kit.OrderStatusChangedDocument, { orderNo: order.orderNo }, {
        next: () => undefined,
        error: reject,
        connected: ({ resumed }) => resolve({ resumed, watchers: feed(app).watchers(order.orderNo) }),
      });
    });
    expect(seen).toEqual({ resumed: false, watchers: 1 });
  });

  it('an expired session (its Redis key deleted): the next request logs in again by itself and succeeds', async () => {
    const code = `kit-${randomUUID()}`;
    const expired: ClientError[] = [];
    const { client, shim } = newClient({ shim: createWxShim({ code: () => code }), onSessionExpired: (e) => expired.push(e) });
    const first = await client.login();
    expect(await redis.del(sessionKey(first.token))).toBe(1);

    const me = await client.request(kit.MeDocument);
    expect(me.me.id).toBe(first.user?.id); // same wx user, new session
    const second = client.session()!;
    expect(second.token).not.toBe(first.token);
    expect(await redis.exists(sessionKey(second.token))).toBe(1);
    expect(shim.requests.map((r) => [r.operation, r.status, r.errorReason])).toEqual([
      ['Login', 200, undefined],
      ['Me', 401, 'SESSION_INVALID'],
      ['Login', 200, undefined],
      ['Me', 200, undefined],
    ]);
    expect(shim.logins).toBe(2);
    expect(expired).toEqual([]);
  });

  it('a subscription with an expired session: the refused socket (4401, log in again) logs in once and the subscription opens', async () => {
    const { client, shim } = newClient();
    const first = await client.login();
    const order = await placeOrder(client);
    await redis.del(sessionKey(first.token));

    const errors: ClientError[] = [];
    const opened = new Promise<void>((resolve) => {
      client.subscribe(kit.OrderStatusChangedDocument, { orderNo: order.orderNo }, { next: () => undefined, error: (e) => errors.push(e), connected: () => resolve() });
    });
    await opened;
    const second = client.session()!;
    expect(second.token).not.toBe(first.token);
    expect(shim.logins).toBe(2);
    expect(shim.sockets).toHaveLength(2);
    expect(shim.sockets[0]!.closed?.code).toBe(4401);
    expect(JSON.parse(shim.sockets[1]!.sent[0]!).payload).toEqual({ authorization: `Bearer ${second.token}` });
    await eventually(() => feed(app).watchers(order.orderNo) === 1, { what: 'subscription open after the re-login' });
    expect(errors).toEqual([]);
  });

  it('a request with no session at all logs in first; concurrent requests share one login', async () => {
    const { client, shim } = newClient();
    const [a, b, c] = await Promise.all([client.request(kit.MeDocument), client.request(kit.MeDocument), client.request(kit.MyCouponsDocument, {})]);
    expect(a.me.id).toBe(b.me.id);
    expect(Array.isArray(c.myCoupons)).toBe(true); // the new-user coupon arrives later, through the queue
    expect(shim.logins).toBe(1);
    expect(shim.requests.filter((r) => r.operation === 'Login')).toHaveLength(1);
  });

  it('re-login that fails: the request rejects with the login error, onSessionExpired is told, no loop', async () => {
    let n = 0;
    // The first login works; every later wx.login code is one the server refuses.
    const shim = createWxShim({ code: () => (n++ === 0 ? `kit-${randomUUID()}` : `invalid-${randomUUID()}`) });
    const expired: ClientError[] = [];
    const { client } = newClient({ shim, onSessionExpired: (e) => expired.push(e) });
    const first = await client.login();
    await redis.del(sessionKey(first.token));

    const err = (await client.request(kit.MeDocument).catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(kit.ClientError);
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'WECHAT_CODE_INVALID', retryable: false });
    expect(expired).toEqual([err]);
    expect(shim.requests.map((r) => r.operation)).toEqual(['Login', 'Me', 'Login']);
  });

  it('a retryable error (WeChat briefly down) is retried with backoff, and the retries are bounded', async () => {
    const sim = app.externals.simulator!;
    const { client, shim } = newClient();
    sim.failNext('miniProgram', 1, 'http500');
    const payload = await client.login();
    expect(payload.token).toBeTruthy();
    const logins = shim.requests.filter((r) => r.operation === 'Login');
    expect(logins.map((r) => r.errorReason)).toEqual(['WECHAT_UNAVAILABLE', undefined]);

    // Down for longer than the kit retries: 1 try + httpAttempts (2) retries, then the error.
    const other = newClient();
    sim.setFailureRate('miniProgram', 1, 'http500');
    try {
      const err = (await other.client.login().catch((e: unknown) => e)) as ClientError;
      expect(err).toMatchObject({ reason: 'WECHAT_UNAVAILABLE', retryable: true });
      expect(other.shim.requests.map((r) => r.errorReason)).toEqual(['WECHAT_UNAVAILABLE', 'WECHAT_UNAVAILABLE', 'WECHAT_UNAVAILABLE']);
    } finally {
      sim.setFailureRate('miniProgram', 0);
    }
  });

  it('a GraphQL error rejects with code, reason and retryable from extensions', async () => {
    const { client } = newClient();
    await client.login();
    const err = (await client.request(kit.CancelOrderDocument, { orderNo: 'NO-SUCH-ORDER-0001' }).catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(kit.ClientError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'NOT_FOUND', reason: 'ORDER_NOT_FOUND', retryable: false, status: 200 });
    expect(err.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(err.message).not.toMatch(/at .*\.ts/); // never a stack trace
  });

  it("a subscription to someone else's order fails with NOT_FOUND / ORDER_NOT_FOUND", async () => {
    const alice = newClient();
    const bob = newClient();
    await alice.client.login();
    const order = await placeOrder(alice.client);
    const err = await new Promise<ClientError>((resolve, reject) => {
      bob.client.subscribe(kit.OrderStatusChangedDocument, { orderNo: order.orderNo }, { next: () => reject(new Error('unexpected event')), error: resolve });
    });
    expect(err).toMatchObject({ code: 'NOT_FOUND', reason: 'ORDER_NOT_FOUND' });
  });

  it('a socket the server keeps refusing: one re-login, then an error, not a silent spin', async () => {
    // A proxy that drops connectionParams: the server refuses every connection (4401) however fresh the token.
    const user = `kit-${randomUUID()}`;
    const shim = createWxShim({
      code: () => user,
      rewriteSent: (data) => (JSON.parse(data).type === 'connection_init' ? JSON.stringify({ type: 'connection_init' }) : data),
    });
    const expired: ClientError[] = [];
    const { client } = newClient({ shim, onSessionExpired: (e) => expired.push(e) });
    await client.login();
    const order = await placeOrder(client);
    const events: unknown[] = [];
    const err = await new Promise<ClientError>((resolve) => {
      client.subscribe(kit.OrderStatusChangedDocument, { orderNo: order.orderNo }, { next: (d) => events.push(d), error: resolve });
    });
    expect(err).toBeInstanceOf(kit.ClientError);
    expect(err).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_INVALID', closeCode: 4401 });
    expect(expired).toEqual([err]);
    expect(events).toEqual([]);
    // Refused, logged in again once, refused again: two sockets, two logins in all.
    expect(shim.sockets.map((s) => s.closed?.code)).toEqual([4401, 4401]);
    expect(shim.logins).toBe(2);
  });

  it('no server at all: the socket retries a bounded number of times, then the subscription errors', async () => {
    const { client, shim } = newClient({ endpoint: 'http://127.0.0.1:1/graphql', retry: { ...FAST_RETRY, socketAttempts: 2 } });
    shim.storage.set('wxshop.session', { token: 'x'.repeat(43), expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const err = await new Promise<ClientError>((resolve) => {
      client.subscribe(kit.OrderStatusChangedDocument, { orderNo: 'ANY' }, { next: () => undefined, error: resolve });
    });
    expect(err).toMatchObject({ code: 'SOCKET_CLOSED', closeCode: 1006, retryable: true });
    expect(shim.sockets).toHaveLength(3);
    expect(shim.sockets.every((s) => !s.opened)).toBe(true);

    const httpErr = (await client.request(kit.StoresDocument, {}).catch((e: unknown) => e)) as ClientError;
    expect(httpErr).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(shim.requests).toHaveLength(3); // a query: 1 try + 2 retries
  });

  it('the server restarted mid-subscription: the subscription resumes, the client re-reads the order, and later pushes arrive', async () => {
    const { client, shim } = newClient();
    await client.login();
    const order = await placeOrder(client);
    const events: string[] = [];
    const reads: { resumed: boolean; status: string }[] = [];
    const errors: ClientError[] = [];
    client.subscribe(kit.OrderStatusChangedDocument, { orderNo: order.orderNo }, {
      next: (data) => events.push(data.orderStatusChanged.status),
      error: (e) => errors.push(e),
      connected: ({ resumed }) => {
        void client.request(kit.OrderDocument, { orderNo: order.orderNo }).then((r) => reads.push({ resumed, status: r.order!.status }));
      },
    });
    await eventually(() => reads.length === 1, { what: 'first read' });
    expect(feed(app).watchers(order.orderNo)).toBe(1);

    // Same port, same database and Redis prefix (sessions survive), a new process-like app.
    const port = app.http!.port;
    await app.close();
    app = await startTestApp({ database: DATABASE, fresh: false, env: { PORT: String(port) } });
    expect(app.http!.port).toBe(port);

    await eventually(() => reads.length >= 2, { what: 'the order re-read after the resume', timeoutMs: 30_000 });
    expect(reads[0]).toEqual({ resumed: false, status: 'PENDING_PAYMENT' });
    // Once per accepted reconnection (one, unless the old server took a reconnect while draining).
    expect(reads.slice(1).every((r) => r.resumed && r.status === 'PENDING_PAYMENT')).toBe(true);
    await eventually(() => feed(app).watchers(order.orderNo) === 1, { what: 'resubscribed on the new server' });
    expect(shim.sockets.length).toBeGreaterThanOrEqual(2);
    expect(shim.logins).toBe(1); // the session survived: no re-login needed

    await client.request(kit.PayOrderDocument, { orderNo: order.orderNo });
    await client.request(kit.SimulatePaymentDocument, { orderNo: order.orderNo });
    await eventually(() => events.length >= 2, { what: 'pushes after the restart', timeoutMs: 30_000 });
    expect(events).toEqual(['PAID', 'SHIPPED']);
    expect(errors).toEqual([]);
  });
});
