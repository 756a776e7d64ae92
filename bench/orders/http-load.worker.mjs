// Load generator for orders.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
// Closed loop (`concurrency` clients, each with its own bearer token) or, with `rate`, open loop.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { runLoad } from '../lib/load-loop.mjs';
import { statCpuMs } from '../lib/proc-cpu.mjs';

const { url, query, payQuery, prepayEvery, tokens, storeId, skuIds, runId, concurrency, count, maxMs, rate, msPerTick } = workerData;
const agent = new Agent({ connections: concurrency, pipelining: 1 });

const latencies = [];
const outcomes = { ok: 0, outOfStock: 0, other: 0, prepayFailed: 0 };
let firstError;

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
      // Every prepayEvery-th buyer opens the payment sheet and walks away without paying.
      if (prepayEvery > 0 && i % prepayEvery === 0) await prepay(body.data.placeOrder.orderNo, token);
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

async function prepay(orderNo, token) {
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: payQuery, variables: { orderNo } }),
  });
  const body = await res.body.json();
  if (!body.data?.payOrder) {
    outcomes.prepayFailed++;
    firstError ??= `payOrder: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`;
  }
}

// This thread's CPU ms, so the bench can tell the load generator's share from the API's in
// their shared process.
const threadCpuMs = () => statCpuMs('/proc/thread-self/stat', msPerTick) ?? 0;
const cpuAtStart = threadCpuMs();
// Closed loop: each client keeps its own session; open loop: sessions taken in turn.
const seconds = await runLoad({ count, concurrency, rate, maxMs, send: (i, client) => place(i, tokens[client % tokens.length]) });
await agent.close();
parentPort.postMessage({ latencies, outcomes, seconds, firstError, cpuMs: threadCpuMs() - cpuAtStart });
