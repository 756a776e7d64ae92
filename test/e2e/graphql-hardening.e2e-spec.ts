import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCode, errorReason, gql, operation } from '../helpers/graphql-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { freshTestDatabase, TEST_NAMESPACE } from '../helpers/test-db.js';

describe('GraphQL transport hardening', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ database: 'hardening', env: { GRAPHQL_MAX_DEPTH: '1', GRAPHQL_MAX_COST: '12' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('rejects a query deeper than the limit before running it', async () => {
    // Depth counts from 0 at the root field: login { user { id } } is depth 2; the limit here is 1.
    const deep = await gql(app.url, operation('login'), { code: 'code-depth' });
    expect(errorCode(deep)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(deep.errors![0]!.message).toMatch(/exceeds maximum operation depth/);
    expect(deep.data).toBeUndefined();
    const ok = await gql(app.url, 'mutation { login(code: "code-depth") { token firstLogin } }');
    expect(ok.errors).toBeUndefined();
  });

  it('rejects a query whose cost is over the limit, with its cost', async () => {
    const { token } = (await gql(app.url, 'mutation { login(code: "code-cost") { token } }')).data.login;
    const costly = await gql(app.url, 'query { a: myCoupons { id code name } b: myCoupons { id code name } c: myCoupons { id code name } d: myCoupons { id } }', {}, token);
    expect([errorCode(costly), errorReason(costly)]).toEqual(['BAD_USER_INPUT', 'QUERY_TOO_COSTLY']);
    expect(costly.errors![0]!.extensions!.maxCost).toBe(12);
    const cheap = await gql(app.url, 'query { myCoupons { id code } }', {}, token);
    expect(cheap.errors).toBeUndefined();
  });

  it('blocks CSRF-able simple requests', async () => {
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });

  it('answers malformed JSON with a clean 400, no stack trace', async () => {
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(JSON.parse(body).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('tags every operation with a request id, echoing a well-formed incoming one', async () => {
    const echoed = await gql(app.url, '{ __typename }', {}, undefined, { 'x-request-id': 'req-1234567890' });
    expect(echoed.headers.get('x-request-id')).toBe('req-1234567890');
    const generated = await gql(app.url, '{ __typename }', {}, undefined, { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.logs.text()).toContain('"requestId":"req-1234567890"');
  });

  it('marks every executed answer uncacheable (Cache-Control: no-store), data or resolver error alike', async () => {
    const data = await gql(app.url, '{ __typename }', {});
    const resolverError = await gql(app.url, '{ store(id: "x") { id } }', {});
    expect([data.headers.get('cache-control'), resolverError.errors?.[0]?.extensions?.code, resolverError.headers.get('cache-control')]).toEqual(['no-store', 'BAD_USER_INPUT', 'no-store']);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${app.url}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready', checks: { mysql: true, redis: true, broker: true } });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('graphql_operations_total');
  });
});

describe('graceful shutdown of the real process', () => {
  it('drains, stops consumers, closes everything and exits 0 on SIGTERM', async () => {
    const databaseUrl = await freshTestDatabase('shutdown');
    const dataDir = mkdtempSync(join(tmpdir(), 'wxshop-shutdown-'));
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, EMBEDDED_BROKER_PORT: '0', BROKER_DATA_DIR: dataDir, REDIS_KEY_PREFIX: `${TEST_NAMESPACE}shutdown:`, MQ_LONG_POLLING_TIMEOUT: '5s', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 45_000);
        child.stdout.on('data', () => {
          if (output.includes('wxshop-bff is up')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const url = /GraphQL\s+POST\s+(\S+)\/graphql/.exec(output)![1]!; // the start banner
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const step of ['http server', 'consumers', 'message bus', 'mysql', 'embedded broker']) expect(output).toContain(`"step":"${step}"`);
      expect(output).toContain('shutdown complete');
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
