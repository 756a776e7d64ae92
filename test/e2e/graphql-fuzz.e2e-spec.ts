import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { gql } from '../helpers/graphql-client.js';
import { GraphqlFuzzer, seededRandom, type FuzzCase } from '../helpers/graphql-fuzzer.js';
import { RawGraphqlWs } from '../helpers/raw-graphql-ws.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { login, type Customer } from '../helpers/actors.js';

/**
 * A bounded GraphQL fuzzer against a running instance: random documents from the schema, mangled
 * ones and hostile ones, on HTTP (anonymous and logged in) and on graphql-ws. Every answer must
 * be data or GraphQL errors with a stable code (never a 500, never INTERNAL_SERVER_ERROR), and a
 * hostile document must be refused by its own guard. `FUZZ_SEED` replays a run; `FUZZ_CASES`
 * sets how many cases each transport gets.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.FUZZ_CASES ?? 250);
const STABLE_CODES = new Set([
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
]);
const schema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

let app: TestApp;
let fuzzer: Customer;

beforeAll(async () => {
  app = await startTestApp({ database: 'fuzz' });
  fuzzer = await login(app);
});
afterAll(async () => {
  await app?.close();
});

/** What is wrong with one answer, or undefined when it is acceptable. */
function problem(c: FuzzCase, status: number | undefined, body: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] }): string | undefined {
  if (status !== undefined && status >= 500) return `HTTP ${status}`;
  if (body.data === undefined && (body.errors === undefined || body.errors.length === 0)) return 'neither data nor errors';
  for (const e of body.errors ?? []) {
    const code = e.extensions?.code;
    if (typeof code !== 'string' || !STABLE_CODES.has(code)) return `unstable code ${String(code)}`;
  }
  if (c.expectedReason && body.errors?.[0]?.extensions?.reason !== c.expectedReason) return `expected ${c.expectedReason}, got ${String(body.errors?.[0]?.extensions?.reason)}`;
  return undefined;
}

const describeCase = (c: FuzzCase) => `${c.kind}: ${c.query.length > 300 ? `${c.query.slice(0, 300)}… (${c.query.length} chars)` : c.query} ${JSON.stringify(c.variables).slice(0, 200)}`;

it(`HTTP: ${CASES} fuzzed operations (seed ${SEED}) answer data or stable errors, never a 500`, async () => {
  const random = seededRandom(SEED);
  const gen = new GraphqlFuzzer(schema, random);
  const failures: string[] = [];
  const kinds: Record<string, number> = {};
  for (let i = 0; i < CASES; i++) {
    const c = gen.next();
    kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    const token = random() < 0.5 ? fuzzer.token : undefined;
    const r = await gql(app.url, c.query, c.variables, token);
    const wrong = problem(c, r.status, r);
    if (wrong) failures.push(`${wrong} ← ${describeCase(c)} → ${JSON.stringify(r.errors ?? r.data).slice(0, 300)}`);
  }
  expect(failures).toEqual([]);
  // Each class of input was exercised.
  expect(Object.keys(kinds).sort()).toEqual(['hostile', 'malformed', 'random']);
  expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
});

it('HTTP: bodies that are not GraphQL requests get a clean 4xx', async () => {
  const bodies = ['', '{', 'null', '[]', '[{"query":"{ __typename }"}]', '{"query": 42}', '{"query": "{ __typename }", "variables": "nope"}', '{"query": "{ __typename }", "variables": [1]}', '{"query": "{ __typename }", "operationName": 7}', '"just a string"', 'x'.repeat(300 * 1024)];
  for (const body of bodies) {
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    expect([body.slice(0, 40), res.status >= 400 && res.status < 500]).toEqual([body.slice(0, 40), true]);
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
  }
});

it(`graphql-ws: ${Math.ceil(CASES / 2)} fuzzed operations answer data or stable errors, and the socket survives`, async () => {
  const random = seededRandom(SEED + 1);
  const gen = new GraphqlFuzzer(schema, random);
  const { client } = await RawGraphqlWs.connect(`${app.url.replace(/^http/, 'ws')}/graphql`, { connectionParams: { authorization: `Bearer ${fuzzer.token}` } });
  const failures: string[] = [];
  for (let i = 0; i < Math.ceil(CASES / 2); i++) {
    const c = gen.next();
    // A subscription that opens fine streams until an order changes: only its opening is judged.
    if (/^\s*subscription/.test(c.query) && !c.expectedReason) {
      const sub = client!.subscribe(c.query, c.variables);
      const probe = client!.request('{ __typename }');
      const first = await Promise.race([sub.first, probe.then(() => undefined)]);
      // A socket closed by this subscription is its failure, not the next case's.
      const closed = first ? undefined : (await probe).closed;
      if (closed) {
        failures.push(`socket closed ${JSON.stringify(closed)} ← ${describeCase(c)}`);
        break;
      }
      if (first) {
        const wrong = problem(c, undefined, first);
        if (wrong) failures.push(`${wrong} ← ${describeCase(c)}`);
      }
      sub.complete();
      continue;
    }
    const answer = await client!.request(c.query, c.variables);
    if (answer.closed) {
      failures.push(`socket closed ${JSON.stringify(answer.closed)} ← ${describeCase(c)}`);
      break;
    }
    const wrong = problem(c, undefined, answer);
    if (wrong) failures.push(`${wrong} ← ${describeCase(c)} → ${JSON.stringify(answer.errors ?? answer.data).slice(0, 300)}`);
  }
  client!.close();
  expect(failures).toEqual([]);
});
