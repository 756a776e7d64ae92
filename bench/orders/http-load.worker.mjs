// Load generator for orders.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
// Closed loop (`concurrency` clients, each with its own bearer token) or, with `rate`, open loop.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

const { url, query, tokens, storeId, skuIds, runId, concurrency, count, maxMs, rate } = workerData;
const agent = new Agent({ connections: concurrency, pipelining: 1 });

const latencies = [];
const outcomes = { ok: 0, outOfStock: 0, other: 0 };
let firstError;
let next = 0;
const started = performance.now();
const deadline = started + maxMs;

async function place(i, token) {
  const skuId = skuIds[(i * 7919) % skuIds.length];
  const variables = { input: { storeId: String(storeId), clientRequestId: `bench-${runId}-${i}`, items: [{ skuId: String(skuId), quantity: 1 }] } };
  const t0 = performance.now();
  try {
    const res = await request(`${url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.body.json();
    const ms = performance.now() - t0;
    if (body.data?.placeOrder?.orderNo) {
      outcomes.ok++;
      latencies.push(ms);
    } else if (body.errors?.[0]?.extensions?.reason === 'OUT_OF_STOCK') {
      outcomes.outOfStock++;
      latencies.push(ms);
    } else {
      outcomes.other++;
      firstError ??= JSON.stringify(body.errors ?? body).slice(0, 300);
    }
  } catch (err) {
    outcomes.other++;
    firstError ??= err.message;
  }
}

if (rate > 0) {
  // Open loop: order i leaves at start + i / rate, whatever the answers so far.
  const sent = [];
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push(place(i, tokens[i % tokens.length]));
  }
  await Promise.all(sent);
} else {
  // Closed loop: `concurrency` clients, each with its own session, one order at a time.
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      const token = tokens[client % tokens.length];
      while (next < count && performance.now() < deadline) await place(next++, token);
    }),
  );
}
const seconds = (performance.now() - started) / 1000;
await agent.close();
parentPort.postMessage({ latencies, outcomes, seconds, firstError });
