// Load generator for orders.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
// Closed loop (`concurrency` clients, each with its own bearer token) or, with `rate`, open loop.
import { parentPort, workerData } from 'node:worker_threads';
import { graphqlPoster, outcomeTally } from '../lib/graphql-post.mjs';
import { runLoad } from '../lib/load-loop.mjs';
import { statCpuMs } from '../lib/proc-cpu.mjs';

const { url, query, payQuery, prepayEvery, tokens, storeId, skuIds, runId, concurrency, count, maxMs, rate, msPerTick } = workerData;
const client = graphqlPoster(url, concurrency);

const tally = outcomeTally(['ok', 'outOfStock', 'prepayFailed']);

async function place(i, token) {
  const skuId = skuIds[(i * 7919) % skuIds.length];
  const variables = { input: { storeId: String(storeId), clientRequestId: `bench-${runId}-${i}`, items: [{ skuId: String(skuId), quantity: 1 }] } };
  try {
    const { body, ms } = await client.post({ query, variables }, token);
    if (body.data?.placeOrder?.orderNo) {
      tally.hit('ok', ms);
      // Every prepayEvery-th buyer opens the payment sheet and walks away without paying.
      if (prepayEvery > 0 && i % prepayEvery === 0) await prepay(body.data.placeOrder.orderNo, token);
    } else if (body.errors?.[0]?.extensions?.reason === 'OUT_OF_STOCK') {
      tally.hit('outOfStock', ms);
    } else {
      tally.miss(body);
    }
  } catch (err) {
    tally.miss(err);
  }
}

async function prepay(orderNo, token) {
  const { body } = await client.post({ query: payQuery, variables: { orderNo } }, token);
  if (!body.data?.payOrder) tally.miss(body, 'prepayFailed', 'payOrder: ');
}

// This thread's CPU ms, so the bench can tell the load generator's share from the API's in
// their shared process.
const threadCpuMs = () => statCpuMs('/proc/thread-self/stat', msPerTick) ?? 0;
const cpuAtStart = threadCpuMs();
// Closed loop: each client keeps its own session; open loop: sessions taken in turn.
const seconds = await runLoad({ count, concurrency, rate, maxMs, send: (i, client) => place(i, tokens[client % tokens.length]) });
await client.close();
parentPort.postMessage({ latencies: tally.latencies, outcomes: tally.outcomes, seconds, firstError: tally.firstError, cpuMs: threadCpuMs() - cpuAtStart });
