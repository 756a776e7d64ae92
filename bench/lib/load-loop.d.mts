/** Types of load-loop.mjs (plain JS so worker threads run it without the TypeScript loader). */
export function runLoad(options: {
  count: number;
  concurrency: number;
  /** Requests per second, open loop; 0 or absent: closed loop. */
  rate?: number;
  maxMs: number;
  maxInFlight?: number;
  send: (i: number, client: number) => Promise<void>;
}): Promise<number>;
