// The request schedule every load-generator worker shares. Plain JS (worker threads run it
// without the TypeScript loader).
//
//   closed loop (rate 0): `concurrency` virtual clients, each sending its next request when its
//     previous one is answered, until `count` are sent or `maxMs` has passed;
//   open loop (rate > 0): request i leaves at start + i / rate whatever the answers so far (the way
//     users arrive), at most `maxInFlight` at once, until `count` are sent or `maxMs` has passed.
//
// `send(i, client)` makes request i (client: the virtual client's index in closed loop, i in open
// loop) and records its own outcome; it must not throw. Resolves with the elapsed seconds once
// every request sent has been answered.
import { performance } from 'node:perf_hooks';

export async function runLoad({ count, concurrency, rate = 0, maxMs, maxInFlight = Infinity, send }) {
  const started = performance.now();
  const deadline = started + maxMs;
  if (rate > 0) {
    const inflight = new Set();
    for (let i = 0; i < count && performance.now() < deadline; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inflight.size >= maxInFlight) await Promise.race(inflight);
      const p = send(i, i).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, client) => {
        while (next < count && performance.now() < deadline) await send(next++, client);
      }),
    );
  }
  return (performance.now() - started) / 1000;
}
