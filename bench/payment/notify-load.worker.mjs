// Load generator for payment.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
// POSTs pre-signed WeChat Pay notifications to `url`: with `rate` > 0, open loop (notification i
// leaves at start + i / rate whatever the answers so far: WeChat notifies as users pay, not as we
// answer); otherwise closed loop from `concurrency` virtual clients.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { runLoad } from '../lib/load-loop.mjs';

const { url, notifications, concurrency, maxMs, rate } = workerData;
const agent = new Agent({ connections: rate > 0 ? 1000 : concurrency, pipelining: 1 });
const latencies = [];
const statuses = {};
let errors = 0;
let firstError;
async function post(n) {
  const t0 = performance.now();
  try {
    const res = await request(url, { method: 'POST', dispatcher: agent, headers: n.headers, body: n.body });
    await res.body.text();
    const ms = performance.now() - t0;
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    if (res.statusCode === 204 || res.statusCode === 200) latencies.push(ms);
    else errors++;
  } catch (err) {
    errors++;
    firstError ??= String(err);
  }
}
const seconds = await runLoad({ count: notifications.length, concurrency, rate, maxMs, send: (i) => post(notifications[i]) });
await agent.close();
parentPort.postMessage({ latencies, errors, statuses, seconds, firstError, endedAt: performance.timeOrigin + performance.now() });
