// Load generator for seckill.bench.ts: `seckill` attempts over HTTP GraphQL, each virtual client
// with its own session (closed loop, bench/lib/load-loop.mjs), in a worker thread so the client
// does not share the API's event loop. Plain JS: no loader.
import { parentPort, workerData } from 'node:worker_threads';
import { graphqlPoster, outcomeTally } from '../lib/graphql-post.mjs';
import { runLoad } from '../lib/load-loop.mjs';

const { url, query, tokens, activityId, runId, concurrency, count, maxMs } = workerData;
const client = graphqlPoster(url, concurrency);
const tally = outcomeTally(['QUEUED', 'SOLD_OUT', 'REJECTED']);

async function attempt(i, token) {
  const variables = { activityId: String(activityId), clientRequestId: `bench-${runId}-${i}` };
  try {
    const { body, ms } = await client.post({ query, variables }, token);
    const status = body.data?.seckill?.status;
    if (status && status !== 'other' && status in tally.outcomes) tally.hit(status, ms);
    else tally.miss(body);
  } catch (err) {
    tally.miss(err);
  }
}

const seconds = await runLoad({ count, concurrency, maxMs, send: (i, client) => attempt(i, tokens[client % tokens.length]) });
await client.close();
parentPort.postMessage({ latencies: tally.latencies, outcomes: tally.outcomes, seconds, firstError: tally.firstError });
