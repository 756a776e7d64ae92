/** The runtime's timer (module-local: the kit is typed without DOM or Node globals). */
declare function setTimeout(callback: () => void, ms?: number): unknown;

export interface BackoffOptions {
  /** First delay, in milliseconds. */
  baseDelayMs: number;
  /** Largest delay, in milliseconds. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with jitter (half fixed, half random), so a fleet of phones that lost the
 * server at the same moment does not come back at the same moment.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * Math.pow(2, attempt));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

/** setTimeout without a handle (the kit never cancels one). */
export function setTimer(callback: () => void, ms: number): void {
  setTimeout(callback, ms);
}
