// Generic GraphQL load generator in a worker thread, so the client does not share the server's
// event loop. Closed loop (`concurrency` workers back to back) or open loop (`ratePerSec`
// requests started on a fixed schedule, at most `concurrency` in flight). Plain JS: no loader.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

const { url, bodies, headers = {}, concurrency, maxMs, ratePerSec } = workerData;
const agent = new Agent({ connections: concurrency, pipelining: 1 });
const latencies = [];
let errors = 0;
let firstError;
const started = performance.now();
const deadline = started + maxMs;

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

if (ratePerSec) {
  const total = Math.min(bodies.length, Math.floor((ratePerSec * maxMs) / 1000));
  const inflight = new Set();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inflight.size >= concurrency) await Promise.race(inflight);
    const p = one(i).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
} else {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length && performance.now() < deadline) await one(next++);
    }),
  );
}
const seconds = (performance.now() - started) / 1000;
await agent.close();
parentPort.postMessage({ latencies, errors, seconds, firstError });
