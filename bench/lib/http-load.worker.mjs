// Generic GraphQL load generator in a worker thread, so the client does not share the server's
// event loop. Closed loop (`concurrency` workers back to back) or open loop (`ratePerSec`
// requests started on a fixed schedule, at most `concurrency` in flight). Plain JS: no loader.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { runLoad } from './load-loop.mjs';

const { url, bodies, headers = {}, concurrency, maxMs, ratePerSec } = workerData;
const agent = new Agent({ connections: concurrency, pipelining: 1 });
const latencies = [];
let errors = 0;
let firstError;

async function one(i) {
  const t0 = performance.now();
  try {
    const res = await request(`${url}/graphql`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...headers }, body: bodies[i % bodies.length] });
    const body = await res.body.json();
    if (res.statusCode !== 200 || body.errors) throw new Error(`${res.statusCode} ${JSON.stringify(body.errors).slice(0, 200)}`);
    latencies.push(performance.now() - t0);
  } catch (err) {
    errors++;
    firstError ??= err.message;
  }
}

const seconds = await runLoad({
  count: ratePerSec ? Math.min(bodies.length, Math.floor((ratePerSec * maxMs) / 1000)) : bodies.length,
  concurrency,
  rate: ratePerSec ?? 0,
  maxInFlight: concurrency,
  maxMs,
  send: one,
});
await agent.close();
parentPort.postMessage({ latencies, errors, seconds, firstError });
