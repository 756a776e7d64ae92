/**
 * The waiters of every test, chaos harness and bench. Prefer awaiting an event; poll only for
 * effects in another process or behind the broker, where no in-process event exists.
 */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Polls `probe` until it returns a value that is not undefined/false, or fails after
 * `timeoutMs`. A probe that throws counts as "not yet" (its last error is reported on timeout).
 */
/**
 * On a real RocketMQ (npm run test:rocketmq) effects that cross the broker move at its pace, not
 * at the embedded broker's test settings: long polls of at least 5 s, invisible durations of at
 * least 10 s, FIFO queues handed from one consumer to another only at their next poll. Deadlines
 * stretch there (nothing here asserts speed; a deadline only bounds how long a missing effect
 * takes to fail). On a RocketMQ shared by the suites one after another, a FIFO queue of cg-notify or
 * cg-analytics was seen held for over a minute (ops/rocketmq/README.md, open item), hence 12x.
 */
export const DEADLINE_SCALE = Number(process.env.TEST_DEADLINE_SCALE ?? (process.env.TEST_ROCKETMQ_ENDPOINTS ? 12 : 1));

export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000) * DEADLINE_SCALE;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await sleep(options.intervalMs ?? 25);
  }
}

/**
 * Polls `condition` until it holds, or fails after `timeoutMs` (a plain Error: no BigInt in jest
 * output). Unlike `eventually`, a condition that throws fails the wait at once.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, { timeoutMs = 10_000, intervalMs = 20, what = 'condition' }: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs * DEADLINE_SCALE;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Runs `tasks` with at most `concurrency` in flight (the machine is shared: bounded CPU); results in task order. */
export async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}
