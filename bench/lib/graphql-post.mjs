// The GraphQL client every HTTP load-generator worker uses: one undici Agent (a connection per
// virtual client, no pipelining) and a timed POST. Plain JS (worker threads run it without the
// TypeScript loader).
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

/**
 * `post({ query, variables } | { body }, token?, headers?)` resolves with the HTTP status, the
 * parsed answer and the milliseconds until it was read; it rejects only when the request fails.
 */
export function graphqlPoster(url, connections) {
  const agent = new Agent({ connections, pipelining: 1 });
  async function post({ query, variables, body }, token, headers = {}) {
    const t0 = performance.now();
    const res = await request(`${url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body ?? JSON.stringify({ query, variables }),
    });
    const answer = await res.body.json();
    return { status: res.statusCode, body: answer, ms: performance.now() - t0 };
  }
  return { post, close: () => agent.close() };
}

/**
 * What a worker reports: a count per outcome (plus `other`), the latencies of the answers that
 * count, and the first unexpected answer or failure.
 */
export function outcomeTally(names) {
  const outcomes = Object.fromEntries([...names, 'other'].map((n) => [n, 0]));
  const tally = {
    outcomes,
    latencies: [],
    firstError: undefined,
    /** An expected outcome: counted, and its latency kept when given. */
    hit(outcome, ms) {
      outcomes[outcome]++;
      if (ms !== undefined) tally.latencies.push(ms);
    },
    /** An unexpected answer (its errors, else the whole body) or a failed request, counted as `outcome`. */
    miss(what, outcome = 'other', prefix = '') {
      outcomes[outcome]++;
      tally.firstError ??= prefix + (what instanceof Error ? what.message : JSON.stringify(what.errors ?? what).slice(0, 300));
    },
  };
  return tally;
}
