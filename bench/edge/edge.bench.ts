/**
 * bench/edge: how long each attack on the GraphQL edge holds the server's event loop, against a
 * trivial query in the same run. The server runs in this process; per request, `monitorEventLoopDelay`
 * (1 ms resolution) records the longest stall and the event-loop thread's CPU time is taken. Every
 * attack document is made unique per request (a trailing comment), so the per-document cache
 * never helps the attacker's numbers: this is the cost of a first sight.
 *
 * Env: BENCH_EDGE_REPEAT (requests per case, default 20), WXSHOP_TEST_NS (database/Redis namespace).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/observability/logger.js';
import { aliasFlood, aliasedPlaceOrders, deepNesting, directiveFlood, fragmentCycle, fragmentExplosion, tokenFlood, TRIVIAL_QUERY } from '../../test/helpers/hostile-documents.js';
import { login } from '../../test/helpers/actors.js';
import { freshTestDatabase, TEST_NAMESPACE } from '../../test/helpers/test-db.js';

const REPEAT = Number(process.env.BENCH_EDGE_REPEAT ?? 20);

const databaseUrl = await freshTestDatabase('bench_edge');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-edge-broker-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  EMBEDDED_BROKER_PORT: '0',
  BROKER_DATA_DIR: dataDir,
  LOG_LEVEL: 'error',
  REDIS_KEY_PREFIX: `${TEST_NAMESPACE}bench_edge_${Date.now()}:`,
  LOGIN_RATE_LIMIT: '1000000',
  MUTATION_RATE_LIMIT: '1000000',
});
const app = await createApp(config, { logger: createLogger({ level: 'error' }) });
const url = app.http!.url;

async function post(query: string, token?: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

const { token } = await login({ url }, 'bench-edge-user');

/** One socket for the WebSocket cases, acknowledged before use. */
async function openSocket(): Promise<{ send(query: string): Promise<any>; close(): void }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const waiters = new Map<string, (m: any) => void>();
  socket.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    if (m.type === 'connection_ack') waiters.get('ack')?.(m);
    else if (m.id && (m.type === 'error' || m.type === 'next')) waiters.get(m.id)?.(m);
  });
  await new Promise((resolve) => {
    waiters.set('ack', resolve);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  });
  let id = 0;
  return {
    send: (query) =>
      new Promise((resolve) => {
        const key = String(++id);
        waiters.set(key, (m) => {
          waiters.delete(key);
          resolve(m.type === 'error' ? { errors: m.payload } : m.payload);
        });
        socket.send(JSON.stringify({ id: key, type: 'subscribe', payload: { query } }));
      }),
    close: () => socket.close(),
  };
}
const ws = await openSocket();

interface Case {
  name: string;
  transport: 'http' | 'ws';
  query: () => string;
  token?: boolean;
}
let unique = 0;
const fresh = (text: string) => `${text}\n# ${++unique}`;
const CASES: Case[] = [
  { name: 'trivial { __typename } (baseline)', transport: 'http', query: () => fresh(TRIVIAL_QUERY) },
  { name: 'me { id } logged in', transport: 'http', query: () => fresh('query Me { me { id } }'), token: true },
  { name: '26 fragments, each spreading the next twice', transport: 'http', query: () => fresh(fragmentExplosion(26)) },
  { name: '400 fragments, each spreading the next twice', transport: 'http', query: () => fresh(fragmentExplosion(400)) },
  { name: 'fragment cycle (3)', transport: 'http', query: () => fresh(fragmentCycle(3)) },
  { name: '2,400 aliases of me { id }', transport: 'http', query: () => fresh(aliasFlood(2400)), token: true },
  { name: '1,000 aliases of me { id }', transport: 'http', query: () => fresh(aliasFlood(1000)), token: true },
  { name: '30 aliases of me { id } (largest accepted)', transport: 'http', query: () => fresh(aliasFlood(30)), token: true },
  { name: 'selection nested 4,000 deep', transport: 'http', query: () => fresh(deepNesting(4000)) },
  { name: '600 directives', transport: 'http', query: () => fresh(directiveFlood(600)) },
  { name: '14,000 tokens in one list', transport: 'http', query: () => fresh(tokenFlood(14000)) },
  { name: '20 pages of 100 orders with items (cost)', transport: 'http', query: () => fresh(`query Pages { ${Array.from({ length: 20 }, (_, i) => `p${i}: orders(first: 100) { edges { node { items { skuId } } } }`).join(' ')} }`), token: true },
  { name: 'two aliased placeOrders (hoarding)', transport: 'http', query: () => fresh(aliasedPlaceOrders(2, '1', '1', 99)), token: true },
  { name: 'full introspection (local mode: allowed)', transport: 'http', query: () => fresh('query Introspect { __schema { types { name fields { name args { name type { name kind ofType { name kind ofType { name kind } } } } type { name kind ofType { name kind ofType { name kind } } } } } } }') },
  { name: 'ws: trivial { __typename } (baseline)', transport: 'ws', query: () => fresh(TRIVIAL_QUERY) },
  { name: 'ws: 26 fragments, each spreading the next twice', transport: 'ws', query: () => fresh(fragmentExplosion(26)) },
  { name: 'ws: 1,000 aliases of me { id }', transport: 'ws', query: () => fresh(aliasFlood(1000)) },
  { name: 'ws: 30 aliases of me { id } (largest accepted)', transport: 'ws', query: () => fresh(aliasFlood(30)) },
];

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
// CPU of this (the event-loop) thread: unlike a wall-clock stall, it does not count the time the
// OS gave to other processes, so it stays meaningful on a shared machine.
const threadCpuMs = () => {
  const u = (process as unknown as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.() ?? process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Row {
  name: string;
  answer: string;
  stallMs: number;
  cpuMs: number;
  wallMs: number;
}
const rows: Row[] = [];
for (const c of CASES) {
  // Warm-up request (JIT, connection), not measured.
  if (c.transport === 'http') await post(c.query(), c.token ? token : undefined);
  else await ws.send(c.query());
  const stalls: number[] = [];
  const cpus: number[] = [];
  const walls: number[] = [];
  let answer = '';
  for (let i = 0; i < REPEAT; i++) {
    const query = c.query();
    histogram.reset();
    const cpu0 = threadCpuMs();
    const t0 = performance.now();
    if (c.transport === 'http') {
      const r = await post(query, c.token ? token : undefined);
      const e = r.body.errors?.[0]?.extensions;
      answer = e ? `${r.status} ${e.code}${e.reason ? `/${e.reason}` : ''}` : `${r.status} data`;
    } else {
      const r = await ws.send(query);
      const e = r.errors?.[0]?.extensions;
      answer = e ? `ws error ${e.code}${e.reason ? `/${e.reason}` : ''}` : 'ws data';
    }
    walls.push(performance.now() - t0);
    cpus.push(threadCpuMs() - cpu0);
    stalls.push(histogram.max / 1e6);
  }
  rows.push({ name: c.name, answer, stallMs: median(stalls), cpuMs: median(cpus), wallMs: median(walls) });
}
histogram.disable();

// Metrics labels: 1,000 invented operation names must not grow /metrics.
const metricsBefore = (await (await fetch(`${url}/metrics`)).text()).length;
for (let i = 0; i < 1000; i++) await post(`query Invented${i}_${Date.now()} { __typename }`);
const metricsAfter = (await (await fetch(`${url}/metrics`)).text()).length;

const base = (transport: 'http' | 'ws') => rows.find((r) => r.name.startsWith(transport === 'ws' ? 'ws: trivial' : 'trivial'))!;
console.log(`\n## per attack: median over ${REPEAT} requests, each document seen for the first time`);
console.log('event-loop stall = longest delay of a 1 ms timer while the request was answered (includes time the OS gave other processes);');
console.log('loop CPU = CPU of the event-loop thread for the whole request (server and in-process client), the figure that does not depend on the machine being shared\n');
console.log('| case | answer | event-loop stall | loop CPU | ratio to trivial (CPU) | wall |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const b = base(r.name.startsWith('ws:') ? 'ws' : 'http');
  console.log(`| ${r.name} | ${r.answer} | ${r.stallMs.toFixed(1)} ms | ${r.cpuMs.toFixed(2)} ms | ${(r.cpuMs / b.cpuMs).toFixed(1)}x | ${r.wallMs.toFixed(1)} ms |`);
}
console.log(`\n/metrics before and after 1,000 requests with invented operation names: ${metricsBefore} → ${metricsAfter} bytes`);

ws.close();
await app.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
