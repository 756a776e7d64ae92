// Load generator for payment.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
// POSTs pre-signed WeChat Pay notifications to `url`: with `rate` > 0, open loop (notification i
// leaves at start + i / rate whatever the answers so far: WeChat notifies as users pay, not as we
// answer); otherwise closed loop from `concurrency` virtual clients.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

const { url, notifications, concurrency, maxMs, rate } = workerData;
const agent = new Agent({ connections: rate > 0 ? 1000 : concurrency, pipelining: 1 });
const latencies = [];
const statuses = {};
let errors = 0;
let firstError;
let next = 0;
const started = performance.now();
const deadline = started + maxMs;
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
if (rate > 0) {
  const sent = [];
  for (let i = 0; i < notifications.length && performance.now() < deadline; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push(post(notifications[i]));
  }
  await Promise.all(sent);
} else {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < notifications.length && performance.now() < deadline) await post(notifications[next++]);
    }),
  );
}
const seconds = (performance.now() - started) / 1000;
await agent.close();
parentPort.postMessage({ latencies, errors, statuses, seconds, firstError, endedAt: performance.timeOrigin + performance.now() });
