import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startHttpServer, type HttpServer } from '../../src/graphql/server.js';
import { Metrics } from '../../src/infra/observability/metrics.js';
import { memoryLogger } from '../fakes/index.js';
import { gql } from '../helpers/graphql-client.js';
import { ensurePlaygroundBundle } from '../helpers/playground-bundle.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** On a clean clone the first suite builds the bundle (esbuild); a busy 2-core machine is slow at it. */
const BUILD_TIMEOUT_MS = 600_000;
const INTROSPECTION = '{ __schema { queryType { name } } }';

async function getPage(url: string, accept = BROWSER_ACCEPT) {
  const res = await fetch(`${url}/graphql`, { headers: { accept } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy') ?? '', body: await res.text() };
}

/** The config the page hands to the client code. */
function pageConfig(html: string): { assetBase: string; introspection: boolean } {
  const json = /<script type="application\/json" id="playground-config">(.*?)<\/script>/s.exec(html)?.[1];
  if (!json) throw new Error('no playground config in the page');
  return JSON.parse(json);
}

/** One operation over graphql-ws, as a client would send it; resolves with the first result or error. */
type WsResult = { data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };
function overWebSocket(url: string, query: string): Promise<WsResult> {
  const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: 'Bearer qa-token' }, retryAttempts: 0, lazy: true });
  return new Promise((resolve, reject) => {
    let result: WsResult | undefined;
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as typeof result),
        error: (err) => {
          void client.dispose();
          Array.isArray(err) ? resolve({ errors: err }) : reject(err instanceof Error ? err : new Error(String((err as { reason?: string }).reason ?? err)));
        },
        complete: () => {
          void client.dispose();
          resolve(result ?? {});
        },
      },
    );
  });
}

describe('GraphiQL playground at GET /graphql', () => {
  let app: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    await ensurePlaygroundBundle();
    app = await startTestApp({ database: 'playground' });
    off = await startTestApp({ database: 'playground', fresh: false, env: { PLAYGROUND: 'false' } });
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await off?.close();
    await app?.close();
  });

  it('serves a browser the bundled page, whose every asset comes from the BFF itself', async () => {
    const page = await getPage(app.url);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(pageConfig(page.body)).toEqual({ assetBase: '/graphql/playground', introspection: true });
    // The browser may load nothing from elsewhere: no CDN, no web fonts.
    expect(page.csp).toContain("default-src 'self'");
    expect(page.csp).toContain("connect-src 'self'");
    expect(page.body).not.toMatch(/https?:\/\//);

    const assets = [...page.body.matchAll(/(?:src|href)="(\/graphql\/playground\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(['/graphql/playground/playground.css', '/graphql/playground/playground.js']);
    for (const asset of [...assets, '/graphql/playground/editor.worker.js', '/graphql/playground/json.worker.js', '/graphql/playground/graphql.worker.js']) {
      const res = await fetch(`${app.url}${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/);
      const text = await res.text();
      expect(text.length).toBeGreaterThan(1000);
      // No font or stylesheet pulled from another host.
      expect(text).not.toMatch(/fonts\.googleapis|fonts\.gstatic|cdn\.jsdelivr|unpkg\.com|esm\.sh|apollographql\.com/);
    }
    const missing = await fetch(`${app.url}/graphql/playground/nope.js`);
    expect(missing.status).toBe(404);
  });

  it('embeds the canonical operations, fragments appended, as examples', async () => {
    const script = await (await fetch(`${app.url}/graphql/playground/playground.js`)).text();
    for (const name of ['login.graphql', 'place-order.graphql', 'order-status-changed.graphql', 'simulate-payment.graphql']) expect(script).toContain(name.replace('.graphql', ''));
    // place-order spreads ...OrderFields: the example carries the fragment's definition.
    expect(script).toMatch(/mutation PlaceOrder\(\$input: PlaceOrderInput!\)[^"]*fragment OrderFields on Order/);
  });

  it('leaves GraphQL clients alone: JSON GETs and POSTs still reach Apollo', async () => {
    const json = await getPage(app.url, 'application/json');
    expect(json.type).toMatch(/json/);
    expect(json.body).not.toContain('<html');
    const viaGet = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' } });
    expect(await viaGet.json()).toEqual({ data: { __typename: 'Query' } });
    const post = await gql(app.url, '{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
  });

  it('is off with PLAYGROUND=false: no page, and no Apollo landing page from its CDN either', async () => {
    const page = await getPage(off.url);
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.status).toBeLessThan(500);
    expect(page.body).not.toContain('playground-config');
    expect(page.body).not.toMatch(/apollographql|embeddable-sandbox/);
  });
});

describe('GraphiQL playground in production', () => {
  const schema = buildSchema('type Query { ping: String } type Subscription { ticks: Int }');
  let app: TestApp;
  const servers: HttpServer[] = [];

  /** The HTTP layer as production runs it; the ORM is the test app's (the page never touches it). */
  const productionServer = async (playground: boolean) => {
    const server = await startHttpServer(
      {
        schema,
        orm: app.orm,
        logger: memoryLogger().logger,
        metrics: new Metrics(),
        authenticate: async (token) => (token === 'qa-token' ? { userId: 1, role: 'customer' as const, token } : null),
        readiness: async () => ({}),
        production: true,
        limits: { maxDocumentBytes: 32 * 1024, maxTokens: 5000, maxDepth: 8, maxFields: 2000, maxAliases: 30, maxDirectives: 50, maxCost: 5000 },
        edge: { wsMaxOperations: 20, wsSessionRecheckMs: 30_000, trustProxy: false },
        playground,
      },
      { port: 0, host: '127.0.0.1' },
    );
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    await ensurePlaygroundBundle();
    app = await startTestApp({ database: 'playground_production' });
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    for (const server of servers) await server.close();
    await app?.close();
  });

  it('is off unless PLAYGROUND=true', async () => {
    const server = await productionServer(false);
    const page = await getPage(server.url);
    expect(page.status).toBe(400);
    expect(page.body).not.toContain('playground-config');
  });

  it('with PLAYGROUND=true serves the page but keeps introspection off on HTTP and on the WebSocket', async () => {
    const server = await productionServer(true);
    const page = await getPage(server.url);
    expect(page.status).toBe(200);
    // The page then asks for no schema (no introspection request, no explorer).
    expect(pageConfig(page.body).introspection).toBe(false);

    const http = await gql(server.url, INTROSPECTION);
    expect(http.data).toBeUndefined();
    // The same guard as the WebSocket refuses it, with the same words.
    expect(http.errors?.[0]?.message).toMatch(/introspection has been disabled/i);

    const ws = await overWebSocket(server.url, INTROSPECTION);
    expect(ws.data).toBeUndefined();
    expect(ws.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
    // A client mistake with a code, never a masked internal error.
    expect(ws.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
    expect(ws.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    // The WebSocket itself still works for ordinary operations.
    expect(await overWebSocket(server.url, '{ ping }')).toEqual({ data: { ping: null } });
  });
});
