import { startHttpServer, type HttpServer } from '../../src/graphql/server.js';
import type { OrderStatusFeed } from '../../src/modules/order-subscription/order-status-feed.js';
import { gql, operation, type GraphQLResponse } from '../helpers/graphql-client.js';
import { aliasFlood, aliasedPlaceOrders, deepNesting, fragmentCycle, fragmentExplosion } from '../helpers/hostile-documents.js';
import { RawGraphqlWs, type WsAnswer } from '../helpers/raw-graphql-ws.js';
import { start as startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { eventually } from '../helpers/wait.js';
import { createSkus, placeOrder, requestId, skuRow } from '../integration/order/helpers.js';
import { login, type Customer } from '../helpers/actors.js';

/**
 * An outsider's attacks on the GraphQL edge, each on HTTP and on graphql-ws: every one is refused
 * by the guard meant for it (its code and reason), as a client error, and the process keeps
 * answering. How long each held the event loop is bench/edge's business, not a test's.
 */
const LIMITS = {
  LOGIN_RATE_LIMIT: '3',
  ORDER_MAX_PENDING_PER_STORE: '2',
  ORDER_MAX_RESERVED_UNITS_PER_STORE: '5',
  MUTATION_RATE_LIMIT: '40',
  WS_MAX_OPERATIONS: '3',
  WS_SESSION_RECHECK_INTERVAL: '200ms',
};

let app: TestApp;
let alice: Customer;
const wsUrl = (base: string) => `${base.replace(/^http/, 'ws')}/graphql`;
const httpVerdict = (r: GraphQLResponse) => [r.status, r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.reason];
const wsVerdict = (a: WsAnswer) => [a.errors?.[0]?.extensions?.code, a.errors?.[0]?.extensions?.reason];
const connect = async (base: string, token: string, how: 'params' | 'header' = 'params') => {
  const { client, closed } = await RawGraphqlWs.connect(wsUrl(base), how === 'params' ? { connectionParams: { authorization: `Bearer ${token}` } } : { headers: { authorization: `Bearer ${token}` } });
  if (!client) throw new Error(`socket refused: ${JSON.stringify(closed)}`);
  return client;
};

beforeAll(async () => {
  app = await startTestApp({ database: 'hostile', env: LIMITS });
  alice = await login(app);
});
afterAll(async () => {
  await app?.close();
});

describe('documents built to be expensive are refused by their guard, on both transports', () => {
  const cases: [string, () => string, string, string][] = [
    ['a chain of 26 fragments each spreading the next twice', () => fragmentExplosion(26), 'GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_FIELDS'],
    ['a chain of 400 such fragments (2^400 fields)', () => fragmentExplosion(400), 'GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_FIELDS'],
    ['a chain of 600 such fragments, past the token limit', () => fragmentExplosion(600), 'GRAPHQL_PARSE_FAILED', 'TOO_MANY_TOKENS'],
    ['a fragment cycle', () => fragmentCycle(3), 'GRAPHQL_VALIDATION_FAILED', 'FRAGMENT_CYCLE'],
    ['2,400 aliases of me { id }', () => aliasFlood(2400), 'GRAPHQL_VALIDATION_FAILED', 'DOCUMENT_TOO_LARGE'],
    ['1,000 aliases of me { id }', () => aliasFlood(1000), 'GRAPHQL_PARSE_FAILED', 'TOO_MANY_TOKENS'],
    ['31 aliases', () => aliasFlood(31), 'GRAPHQL_VALIDATION_FAILED', 'TOO_MANY_ALIASES'],
    ['a selection nested 4,000 deep', () => deepNesting(4000), 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_DEEP'],
    ['a selection nested 9 deep', () => deepNesting(9), 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_DEEP'],
    ['20 full pages of orders with their items', () => `query Pages { ${Array.from({ length: 20 }, (_, i) => `p${i}: orders(first: 100) { edges { node { items { skuId } } } }`).join(' ')} }`, 'BAD_USER_INPUT', 'QUERY_TOO_COSTLY'],
  ];

  it.each(cases)('%s: HTTP 400 and the same code over graphql-ws, anonymous or not', async (_what, build, code, reason) => {
    const query = build();
    expect(httpVerdict(await gql(app.url, query))).toEqual([400, code, reason]);
    expect(httpVerdict(await gql(app.url, query, {}, alice.token))).toEqual([400, code, reason]);
    const ws = await connect(app.url, alice.token);
    expect(wsVerdict(await ws.request(query))).toEqual([code, reason]);
    // The socket stays usable: a refusal is about the document, not the connection.
    expect((await ws.request('query Me { me { id } }')).data.me.id).toBe(String(alice.userId));
    ws.close();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('tells the client which limit it hit', async () => {
    const r = await gql(app.url, aliasFlood(31));
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'TOO_MANY_ALIASES', limit: 30 });
  });

  it('refuses bad variables as 400 INVALID_VARIABLES on both transports', async () => {
    expect(httpVerdict(await gql(app.url, operation('order'), { orderNo: 42 }, alice.token))).toEqual([400, 'BAD_USER_INPUT', 'INVALID_VARIABLES']);
    expect(httpVerdict(await gql(app.url, operation('place-order'), { input: { storeId: '1', items: 'lots' } }, alice.token))).toEqual([400, 'BAD_USER_INPUT', 'INVALID_VARIABLES']);
    const ws = await connect(app.url, alice.token);
    expect(wsVerdict(await ws.request(operation('order'), { orderNo: 42 }))).toEqual(['BAD_USER_INPUT', 'INVALID_VARIABLES']);
    ws.close();
  });

  it('refuses @skip/@include on a subscription root field as a validation error on both transports; the socket stays open (was a 4500 close)', async () => {
    const ws = await connect(app.url, alice.token);
    const documents = [
      'subscription S { orderStatusChanged(orderNo: "X") @skip(if: true) { status } }',
      'subscription S($on: Boolean!) { orderStatusChanged(orderNo: "X") @include(if: $on) { status } }',
      'subscription S { ...Root } fragment Root on Subscription { ... @skip(if: true) { orderStatusChanged(orderNo: "X") { status } } }',
    ];
    for (const query of documents) {
      const sub = ws.subscribe(query, { on: false });
      const answer = await Promise.race([sub.first, ws.closed.then((closed) => ({ closed }))]);
      expect('closed' in answer ? answer : wsVerdict(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED', 'SUBSCRIPTION_ROOT_DIRECTIVE']);
    }
    // The same socket still answers, and a bad variable right after is an error for its operation only.
    expect(wsVerdict(await ws.request('query Sales($from: DateTime!) { salesSummary(from: $from, to: "2026-01-01T00:00:00Z") { gmvFen } }', { from: 42 }))).toEqual(['BAD_USER_INPUT', 'INVALID_VARIABLES']);
    expect((await ws.request('query Me { me { id } }')).data.me.id).toBe(String(alice.userId));
    ws.close();
    // On HTTP the `$on` form made graphql-js's own validation throw: a 500, now a 400.
    for (const query of documents) expect(httpVerdict(await gql(app.url, query, { on: false }, alice.token))).toEqual([400, 'GRAPHQL_VALIDATION_FAILED', 'SUBSCRIPTION_ROOT_DIRECTIVE']);
  });

  it('answers a subscription sent over HTTP with 400, not by running its event resolver', async () => {
    expect(httpVerdict(await gql(app.url, operation('order-status-changed'), { orderNo: 'X' }, alice.token))).toEqual([400, 'BAD_REQUEST', 'SUBSCRIPTION_NEEDS_WEBSOCKET']);
  });

  it('allows one stock-changing mutation per request, on both transports, and changes nothing otherwise', async () => {
    const [sku] = await createSkus(app, 2, [{ priceFen: 100, stock: 100 }]);
    const hoard = aliasedPlaceOrders(2, '2', String(sku), 1);
    expect(httpVerdict(await gql(app.url, hoard, {}, alice.token))).toEqual([400, 'BAD_USER_INPUT', 'TOO_MANY_STOCK_MUTATIONS']);
    const ws = await connect(app.url, alice.token);
    expect(wsVerdict(await ws.request(hoard))).toEqual(['BAD_USER_INPUT', 'TOO_MANY_STOCK_MUTATIONS']);
    ws.close();
    expect(await skuRow(app, sku!)).toEqual({ stock: 100, reserved: 0, sold: 0 });
  });
});

describe('one account cannot hoard a store', () => {
  it('caps unpaid orders per user and store, and the units they reserve', async () => {
    const bob = await login(app);
    const [sku] = await createSkus(app, 3, [{ priceFen: 100, stock: 1000 }]);
    const line = (quantity: number) => ({ storeId: '3', items: [{ skuId: String(sku), quantity }] });
    const first = await placeOrder(app, bob, line(2));
    const second = await placeOrder(app, bob, line(2));
    expect([first.errors, second.errors]).toEqual([undefined, undefined]);
    // A third unpaid order in the same store: CONFLICT until one is paid or cancelled.
    const third = await placeOrder(app, bob, line(1));
    expect(httpVerdict(third)).toEqual([200, 'CONFLICT', 'PENDING_ORDER_LIMIT']);
    // Another store is another budget.
    const [other] = await createSkus(app, 4, [{ priceFen: 100, stock: 10 }]);
    expect((await placeOrder(app, bob, { storeId: '4', items: [{ skuId: String(other), quantity: 1 }] })).errors).toBeUndefined();
    // Cancelling one frees a slot, but units still count: 2 held + 4 asked > 5.
    expect((await gql(app.url, operation('cancel-order'), { orderNo: first.data.placeOrder.orderNo }, bob.token)).errors).toBeUndefined();
    expect(httpVerdict(await placeOrder(app, bob, line(4)))).toEqual([200, 'CONFLICT', 'RESERVED_UNITS_LIMIT']);
    expect((await placeOrder(app, bob, line(3))).errors).toBeUndefined();
    // What the refused attempts asked for was never reserved: 2 + 3 units held, as the two orders.
    expect(await skuRow(app, sku!)).toEqual({ stock: 995, reserved: 5, sold: 0 });
  });

  it("limits a user's mutations per window, on both transports", async () => {
    const carol = await login(app);
    const burst = `mutation Burst { ${Array.from({ length: 25 }, (_, i) => `m${i}: payOrder(orderNo: "NO-SUCH-${i}") { paySign }`).join(' ')} }`;
    const ok = await gql(app.url, burst, {}, carol.token);
    expect(ok.status).toBe(200);
    expect(ok.errors?.[0]?.extensions?.reason).toBe('ORDER_NOT_FOUND');
    // 25 + 25 > 40 in the window.
    expect(httpVerdict(await gql(app.url, burst, {}, carol.token))).toEqual([429, 'RATE_LIMITED', 'MUTATION_RATE_LIMITED']);
    const ws = await connect(app.url, carol.token);
    expect(wsVerdict(await ws.request(burst))).toEqual(['RATE_LIMITED', 'MUTATION_RATE_LIMITED']);
    ws.close();
    // Someone else is not affected.
    expect((await gql(app.url, 'mutation { m: payOrder(orderNo: "NO-SUCH") { paySign } }', {}, alice.token)).errors?.[0]?.extensions?.reason).toBe('ORDER_NOT_FOUND');
  });
});

describe('authentication', () => {
  it('refuses an Authorization header that is not `Bearer <token>`, instead of serving it anonymously', async () => {
    for (const header of [`Basic ${Buffer.from('a:b').toString('base64')}`, alice.token, 'Bearer', `Token ${alice.token}`]) {
      const r = await gql(app.url, '{ stores(first: 1) { edges { cursor } } }', {}, undefined, { authorization: header });
      expect(httpVerdict(r)).toEqual([401, 'UNAUTHENTICATED', 'AUTH_HEADER_MALFORMED']);
    }
    // No header at all is an anonymous client, as before.
    expect((await gql(app.url, '{ stores(first: 1) { edges { cursor } } }')).errors).toBeUndefined();
  });

  it('takes the socket token from connectionParams in any letter case, or from the upgrade request', async () => {
    for (const key of ['authorization', 'Authorization', 'AUTHORIZATION']) {
      const { client } = await RawGraphqlWs.connect(wsUrl(app.url), { connectionParams: { [key]: `Bearer ${alice.token}` } });
      expect((await client!.request('{ me { id } }')).data.me.id).toBe(String(alice.userId));
      client!.close();
    }
    const viaHeader = await connect(app.url, alice.token, 'header');
    expect((await viaHeader.request('{ me { id } }')).data.me.id).toBe(String(alice.userId));
    viaHeader.close();
  });

  it('closes a refused socket with 4401 "log in again"', async () => {
    const refusals = await Promise.all([
      RawGraphqlWs.connect(wsUrl(app.url)),
      RawGraphqlWs.connect(wsUrl(app.url), { connectionParams: { authorization: 'Bearer not-a-real-token-000000000000' } }),
      RawGraphqlWs.connect(wsUrl(app.url), { headers: { authorization: 'Basic YTpi' } }),
    ]);
    expect(refusals.map((r) => [r.client, r.closed?.code, r.closed?.reason])).toEqual([
      [undefined, 4401, 'UNAUTHENTICATED: log in again'],
      [undefined, 4401, 'SESSION_INVALID: log in again'],
      [undefined, 4401, 'AUTH_HEADER_MALFORMED: log in again'],
    ]);
  });

  it('after logout, the open socket refuses its next operation and closes with 4401', async () => {
    const dave = await login(app);
    const ws = await connect(app.url, dave.token);
    expect((await ws.request('{ me { id } }')).data.me.id).toBe(String(dave.userId));
    expect((await gql(app.url, 'mutation { logout }', {}, dave.token)).data.logout).toBe(true);
    const [sku] = await createSkus(app, 5, [{ priceFen: 100, stock: 10 }]);
    const after = await ws.request(operation('place-order'), { input: { storeId: '5', clientRequestId: requestId(), items: [{ skuId: String(sku), quantity: 1 }] } });
    expect(after.data?.placeOrder).toBeUndefined();
    expect(await ws.closed).toEqual({ code: 4401, reason: 'SESSION_INVALID: log in again' });
    expect(await skuRow(app, sku!)).toEqual({ stock: 10, reserved: 0, sold: 0 });
  });

  it('logging out over the socket itself ends it on the next operation', async () => {
    const erin = await login(app);
    const ws = await connect(app.url, erin.token);
    expect((await ws.request('mutation { logout }')).data.logout).toBe(true);
    await ws.request('{ me { id } }');
    expect((await ws.closed).code).toBe(4401);
  });

  it('closes an idle socket whose session was revoked elsewhere (periodic re-check)', async () => {
    const fay = await login(app);
    const ws = await connect(app.url, fay.token);
    await gql(app.url, 'mutation { logout }', {}, fay.token);
    // No operation on the socket: the re-check (WS_SESSION_RECHECK_INTERVAL) closes it.
    expect(await ws.closed).toEqual({ code: 4401, reason: 'SESSION_INVALID: log in again' });
  });

  it('bounds operations in flight on one socket', async () => {
    const gus = await login(app);
    const [sku] = await createSkus(app, 6, [{ priceFen: 100, stock: 10 }]);
    const order = (await placeOrder(app, gus, { storeId: '6', items: [{ skuId: String(sku), quantity: 1 }] })).data.placeOrder.orderNo as string;
    const ws = await connect(app.url, gus.token);
    const feed = app.services.orderStatusFeed as OrderStatusFeed;
    const subs = [1, 2, 3].map(() => ws.subscribe(operation('order-status-changed'), { orderNo: order }));
    await eventually(() => feed.watchers(order) === 3, { what: 'three open subscriptions' });
    const fourth = ws.subscribe(operation('order-status-changed'), { orderNo: order });
    expect(wsVerdict(await fourth.first)).toEqual(['RATE_LIMITED', 'TOO_MANY_OPERATIONS']);
    subs[0]!.complete();
    await eventually(() => feed.watchers(order) === 2, { what: 'one subscription completed' });
    expect((await ws.request('{ me { id } }')).data.me.id).toBe(String(gus.userId));
    ws.close();
  });
});

describe('login throttling', () => {
  it('keys on the real peer: rotating X-Forwarded-For does not reset it (no proxy trusted by default)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await gql(app.url, operation('login'), { code: `invalid-${i}` }, undefined, { 'x-forwarded-for': `203.0.113.${i}` });
      expect(r.errors?.[0]?.extensions?.reason).toBe('WECHAT_CODE_INVALID');
    }
    const limited = await gql(app.url, operation('login'), { code: 'code-after-rotation' }, undefined, { 'x-forwarded-for': '198.51.100.7' });
    expect(httpVerdict(limited)).toEqual([200, 'RATE_LIMITED', 'LOGIN_RATE_LIMITED']);
    await app.redis.del('rl:login-fail:127.0.0.1');
  });

  it("someone guessing another account from the same address does not lock the admin out; a correct password resets the count", async () => {
    const admin = (password: string, username = 'admin') => gql(app.url, operation('admin-login'), { username, password });
    for (let i = 0; i < 5; i++) expect((await admin('guess', 'mallory')).errors?.[0]?.extensions?.reason).toMatch(/BAD_CREDENTIALS|LOGIN_RATE_LIMITED/);
    expect((await admin('admin')).data?.adminLogin.role).toBe('ADMIN');
    for (let i = 0; i < 2; i++) expect((await admin('wrong')).errors?.[0]?.extensions?.reason).toBe('BAD_CREDENTIALS');
    expect((await admin('admin')).data?.adminLogin.role).toBe('ADMIN');
    for (let i = 0; i < 2; i++) expect((await admin('wrong')).errors?.[0]?.extensions?.reason).toBe('BAD_CREDENTIALS');
    // Two failures since the last success: still under the limit of 3.
    expect((await admin('admin')).data?.adminLogin.role).toBe('ADMIN');
  });
});

describe('metrics', () => {
  it('labels operations from a bounded set: invented names are all `other`', async () => {
    for (let i = 0; i < 30; i++) await gql(app.url, `query Invented${i}x${Date.now()} { __typename }`);
    await gql(app.url, operation('stores'), { first: 1 });
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).not.toMatch(/Invented\d+x/);
    expect(text).toMatch(/graphql_operations_total\{operation="other",outcome="ok"\} \d+/);
    expect(text).toMatch(/graphql_operations_total\{operation="Stores",outcome="ok"\} \d+/);
    const labels = new Set([...text.matchAll(/graphql_operations_total\{operation="([^"]+)"/g)].map((m) => m[1]));
    expect(labels.size).toBeLessThanOrEqual(21);
  });
});

describe('production flavour of the same edge', () => {
  let prod: HttpServer;
  let split: HttpServer;
  beforeAll(async () => {
    prod = await startHttpServer({ ...app.serverDeps!, production: true, edge: { ...app.serverDeps!.edge, metricsToken: 'metrics-token-for-tests' } }, { port: 0, host: '127.0.0.1' });
    split = await startHttpServer({ ...app.serverDeps!, production: true, edge: { ...app.serverDeps!.edge, metricsPort: 0 } }, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await prod?.close();
    await split?.close();
  });

  it('refuses introspection on HTTP and on the WebSocket', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    expect(httpVerdict(await gql(prod.url, introspect))).toEqual([400, 'GRAPHQL_VALIDATION_FAILED', 'INTROSPECTION_DISABLED']);
    const ws = await connect(prod.url, alice.token);
    expect(wsVerdict(await ws.request(introspect))).toEqual(['GRAPHQL_VALIDATION_FAILED', 'INTROSPECTION_DISABLED']);
    // __typename is not introspection of the schema.
    expect((await ws.request('{ __typename }')).data).toEqual({ __typename: 'Query' });
    ws.close();
  });

  it('serves /metrics only with its token, or only on METRICS_PORT', async () => {
    expect((await fetch(`${prod.url}/metrics`)).status).toBe(401);
    const withToken = await fetch(`${prod.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-tests' } });
    expect([withToken.status, (await withToken.text()).includes('graphql_operations_total')]).toEqual([200, true]);
    expect((await fetch(`${split.url}/metrics`)).status).toBe(404);
    const separate = await fetch(split.metricsUrl!);
    expect([separate.status, (await separate.text()).includes('graphql_operations_total')]).toEqual([200, true]);
  });
});

describe('session store down', () => {
  let proxy: TcpProxy;
  let down: TestApp;
  beforeAll(async () => {
    proxy = await startProxy('127.0.0.1', 6379);
    down = await startTestApp({ database: 'hostile_redis', env: { ...LIMITS, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    proxy?.restore();
    await down?.close();
    await proxy?.close();
  });

  it('closes a new socket with 4503 "retry later", not "log in again"', async () => {
    const hal = await login(down);
    proxy.cut();
    const { client, closed } = await RawGraphqlWs.connect(wsUrl(down.url), { connectionParams: { Authorization: `Bearer ${hal.token}` } });
    expect([client, closed]).toEqual([undefined, { code: 4503, reason: 'SESSION_STORE_UNAVAILABLE: retry later' }]);
    // HTTP says the same: 503, retryable.
    expect(httpVerdict(await gql(down.url, '{ me { id } }', {}, hal.token))).toEqual([503, 'SERVICE_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE']);
    proxy.restore();
  });
});
