// Load generator for stores.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { runLoad } from '../lib/load-loop.mjs';

const { url, query, kind, storeCount, cities, concurrency, count, maxMs } = workerData;
const agent = new Agent({ connections: concurrency, pipelining: 1 });
const idOf = (i) => ((i * 7919) % storeCount) + 1;
const cityOf = (i) => (i % (cities.length + 1) === cities.length ? undefined : cities[i % (cities.length + 1)]);
const variables = (i) => (kind === 'store' ? { id: String(idOf(i)) } : { first: 20, filter: cityOf(i) ? { city: cityOf(i) } : undefined });

const latencies = [];
let errors = 0;
let firstError;
async function send(i) {
  const t0 = performance.now();
  try {
    const res = await request(`${url}/graphql`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: variables(i) }) });
    const body = await res.body.json();
    const ok = res.statusCode === 200 && !body.errors && (kind === 'store' ? body.data.store : body.data.stores.edges.length > 0);
    if (!ok) throw new Error(`bad answer: ${res.statusCode} ${JSON.stringify(body.errors ?? body.data).slice(0, 200)}`);
    latencies.push(performance.now() - t0);
  } catch (err) {
    errors++;
    firstError ??= err.message;
  }
}
const seconds = await runLoad({ count, concurrency, maxMs, send });
await agent.close();
parentPort.postMessage({ latencies, errors, seconds, firstError });
