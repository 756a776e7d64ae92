// Generic GraphQL load generator in a worker thread, so the client does not share the server's
// event loop. Closed loop (`concurrency` workers back to back) or open loop (`ratePerSec`
// requests started on a fixed schedule, at most `concurrency` in flight). Plain JS: no loader.
import { parentPort, workerData } from 'node:worker_threads';
import { graphqlPoster } from './graphql-post.mjs';
import { runLoad } from './load-loop.mjs';

const { url, bodies, headers = {}, concurrency, maxMs, ratePerSec } = workerData;
const client = graphqlPoster(url, concurrency);
const latencies = [];
let errors = 0;
let firstError;

async function one(i) {
  try {
    const { status, body, ms } = await client.post({ body: bodies[i % bodies.length] }, undefined, headers);
    if (status !== 200 || body.errors) throw new Error(`${status} ${JSON.stringify(body.errors).slice(0, 200)}`);
    latencies.push(ms);
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
await client.close();
parentPort.postMessage({ latencies, errors, seconds, firstError });
