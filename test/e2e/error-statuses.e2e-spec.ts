import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BEGIN_MARKER, END_MARKER } from '../../src/tools/error-catalog.js';
import { gql, operation, type GraphQLResponse } from '../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The rows of the error catalogue (docs/qa.md) that are not read from our source (the body parser,
 * Apollo's own refusals) or that depend on the request pipeline, checked against a running server:
 * each answer's [status, code, reason] must be a row of the table with that status.
 */
const QA_GUIDE = fileURLToPath(new URL('../../docs/qa.md', import.meta.url));

/** `CODE/REASON` (or `CODE/—`) → statuses, from the committed table. */
function documentedStatuses(): Map<string, string[]> {
  const doc = readFileSync(QA_GUIDE, 'utf8');
  const table = doc.slice(doc.indexOf(BEGIN_MARKER) + BEGIN_MARKER.length, doc.indexOf(END_MARKER));
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (?:`([A-Z0-9_]+)`|—) \| ([^|]+) \|/.exec(line);
    if (m) rows.set(`${m[1]}/${m[2] ?? '—'}`, m[3]!.trim().split(', '));
  }
  return rows;
}

let app: TestApp;
let documented: Map<string, string[]>;

beforeAll(async () => {
  app = await startTestApp({ database: 'error_statuses' });
  documented = documentedStatuses();
});
afterAll(async () => {
  await app?.close();
});

const post = async (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers, body });
  const json = (await res.json()) as { errors?: GraphQLResponse['errors'] };
  return { status: res.status, errors: json.errors };
};
const verdict = (r: { status: number; errors?: GraphQLResponse['errors'] }) => {
  const ext = r.errors?.[0]?.extensions;
  return [String(r.status), ext?.code, ext?.reason ?? '—'];
};
/** The live answer, and whether the catalogue lists its code and reason with that status. */
const listed = (r: { status: number; errors?: GraphQLResponse['errors'] }) => {
  const [status, code, reason] = verdict(r);
  return { status, code, reason, listed: documented.get(`${code}/${reason}`)?.includes(status) ?? false };
};

describe('the error catalogue matches what the server answers', () => {
  it('a body that is not JSON: 400 BAD_REQUEST', async () => {
    expect(listed(await post('{"query": '))).toEqual({ status: '400', code: 'BAD_REQUEST', reason: '—', listed: true });
  });

  it('a body over 256 kB: 413 BAD_REQUEST', async () => {
    expect(listed(await post(JSON.stringify({ query: `{ me { id } } #${'x'.repeat(300 * 1024)}` })))).toEqual({ status: '413', code: 'BAD_REQUEST', reason: '—', listed: true });
  });

  it('a simple (CSRF-able) POST without a preflight header: 400 BAD_REQUEST from Apollo', async () => {
    expect(listed(await post('{ me { id } }', { 'content-type': 'text/plain' }))).toEqual({ status: '400', code: 'BAD_REQUEST', reason: '—', listed: true });
  });

  it('a persisted-query hash without its document: 200 PERSISTED_QUERY_NOT_SUPPORTED', async () => {
    const body = JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(listed(await post(body))).toEqual({ status: '200', code: 'PERSISTED_QUERY_NOT_SUPPORTED', reason: '—', listed: true });
  });

  it('variables that are not JSON (GET): 400 BAD_REQUEST / INVALID_VARIABLES', async () => {
    const res = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ me { id } }')}&variables=%7Bnot-json`, { headers: { 'apollo-require-preflight': 'true' } });
    const json = (await res.json()) as { errors?: GraphQLResponse['errors'] };
    expect(listed({ status: res.status, errors: json.errors })).toEqual({ status: '400', code: 'BAD_REQUEST', reason: 'INVALID_VARIABLES', listed: true });
  });

  it('an operationName the document does not hold: 400 OPERATION_RESOLUTION_FAILURE / UNKNOWN_OPERATION', async () => {
    const body = JSON.stringify({ query: operation('login'), operationName: 'Nope', variables: { code: 'x' } });
    expect(listed(await post(body))).toEqual({ status: '400', code: 'OPERATION_RESOLUTION_FAILURE', reason: 'UNKNOWN_OPERATION', listed: true });
  });

  it('a token no session has: 401 UNAUTHENTICATED / SESSION_INVALID, before any resolver runs', async () => {
    expect(listed(await gql(app.url, '{ me { id } }', {}, 'no-such-token'))).toEqual({ status: '401', code: 'UNAUTHENTICATED', reason: 'SESSION_INVALID', listed: true });
  });

  it('a domain refusal while the operation runs: 200 BAD_USER_INPUT / WECHAT_CODE_INVALID', async () => {
    expect(listed(await gql(app.url, operation('login'), { code: 'invalid-statuses' }))).toEqual({ status: '200', code: 'BAD_USER_INPUT', reason: 'WECHAT_CODE_INVALID', listed: true });
  });
});
