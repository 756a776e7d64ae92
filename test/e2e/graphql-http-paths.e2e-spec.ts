import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * POST /graphql has two paths into the same pipeline: plain `application/json` goes from node:http
 * straight to the guard and Apollo (src/graphql/http-body.ts), everything else through Express and
 * body-parser. The same body sent both ways (the second gzip-encoded, which only body-parser reads)
 * must get the same answer: status, body and request id.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: 'graphql_http_paths' });
});
afterAll(async () => {
  await app?.close();
});

interface Answer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  body: unknown;
}

async function send(body: string, headers: Record<string, string>, gzip: boolean): Promise<Answer> {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: gzip ? gzipSync(body) : body,
  });
  return { status: res.status, contentType: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), body: await res.json() };
}

const STORES = JSON.stringify({ query: 'query Stores { stores(first: 2) { edges { node { id name } } } }' });
const cases: [string, string, Record<string, string>?][] = [
  ['a query', STORES],
  ['a query with a request id', STORES, { 'x-request-id': 'paths-test-0001' }],
  ['a query after a byte order mark', `\uFEFF${STORES}`],
  ['a query with charset=utf-8', STORES, { 'content-type': 'application/json; charset=utf-8' }],
  ['malformed JSON', '{"query": '],
  ['JSON that is not an object', '"{ __typename }"'],
  ['an empty body', ''],
  ['a batch', JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }])],
  ['no query', JSON.stringify({ variables: {} })],
  ['a body over 256 kB', JSON.stringify({ query: `{ __typename } #${'x'.repeat(300 * 1024)}` })],
  ['an unknown field', JSON.stringify({ query: '{ nothingHere }' }), { 'x-request-id': 'paths-test-0002' }],
  ['variables of the wrong type', JSON.stringify({ query: 'query S($id: ID!) { store(id: $id) { id } }', variables: { id: { not: 'an id' } } })],
  ['a malformed Authorization header', STORES, { authorization: 'Basic abc' }],
  ['a session that does not exist', STORES, { authorization: 'Bearer no-such-session' }],
  ['a subscription over HTTP', JSON.stringify({ query: 'subscription { orderStatusChanged(orderNo: "x") { status } }' })],
];

describe('POST /graphql answers the same on the fast path and through Express', () => {
  it.each(cases)('%s', async (_what, body, headers = {}) => {
    const fast = await send(body, headers, false);
    const viaExpress = await send(body, headers, true);
    expect(fast).toEqual({ ...viaExpress, requestId: fast.requestId });
    // A request id is answered on both when the pipeline got that far, and echoed when sent.
    expect(fast.requestId === null).toBe(viaExpress.requestId === null);
    if (headers['x-request-id']) expect([fast.requestId, viaExpress.requestId]).toEqual([headers['x-request-id'], headers['x-request-id']]);
  });

  it('answers data on the fast path', async () => {
    const fast = await send(STORES, {}, false);
    expect(fast.status).toBe(200);
    expect((fast.body as { data: { stores: { edges: unknown[] } } }).data.stores.edges).toHaveLength(2);
  });
});
