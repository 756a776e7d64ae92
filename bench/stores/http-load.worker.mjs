// Load generator for stores.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
import { parentPort, workerData } from 'node:worker_threads';
import { graphqlPoster } from '../lib/graphql-post.mjs';
import { runLoad } from '../lib/load-loop.mjs';

const { url, query, kind, storeCount, cities, concurrency, count, maxMs, token } = workerData;
const client = graphqlPoster(url, concurrency);
const idOf = (i) => ((i * 7919) % storeCount) + 1;
const cityOf = (i) => (i % (cities.length + 1) === cities.length ? undefined : cities[i % (cities.length + 1)]);
const variables = (i) => (kind === 'store' ? { id: String(idOf(i)) } : kind === 'me' ? {} : { first: 20, filter: cityOf(i) ? { city: cityOf(i) } : undefined });
const answered = (data) => (kind === 'store' ? data.store : kind === 'me' ? data.me?.id : data.stores.edges.length > 0);

const latencies = [];
let errors = 0;
let firstError;
async function send(i) {
  try {
    const { status, body, ms } = await client.post({ query, variables: variables(i) }, token);
    const ok = status === 200 && !body.errors && answered(body.data);
    if (!ok) throw new Error(`bad answer: ${status} ${JSON.stringify(body.errors ?? body.data).slice(0, 200)}`);
    latencies.push(ms);
  } catch (err) {
    errors++;
    firstError ??= err.message;
  }
}
const seconds = await runLoad({ count, concurrency, maxMs, send });
await client.close();
parentPort.postMessage({ latencies, errors, seconds, firstError });
