// Load generator for payment.bench.ts, in a worker thread so the client does not share the
// server's event loop. Plain JS on purpose (no TypeScript loader needed in the worker).
// POSTs pre-signed WeChat Pay notifications to `url` from `concurrency` virtual clients.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

const { url, notifications, concurrency, maxMs } = workerData;
const agent = new Agent({ connections: concurrency, pipelining: 1 });
const latencies = [];
const statuses = {};
let errors = 0;
let firstError;
let next = 0;
const started = performance.now();
const deadline = started + maxMs;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < notifications.length && performance.now() < deadline) {
      const n = notifications[next++];
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
  }),
);
const seconds = (performance.now() - started) / 1000;
await agent.close();
parentPort.postMessage({ latencies, errors, statuses, seconds, firstError, endedAt: performance.timeOrigin + performance.now() });
