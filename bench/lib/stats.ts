import { runLoad as runSchedule } from './load-loop.mjs';
import { runWorkerThread } from './worker-thread.js';

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface RunResult {
  label: string;
  count: number;
  errors: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
}

export function summarize(label: string, latenciesMs: number[], errors: number, seconds: number): RunResult {
  return {
    label,
    count: latenciesMs.length,
    errors,
    seconds,
    throughput: latenciesMs.length / seconds,
    p50: percentile(latenciesMs, 50),
    p99: percentile(latenciesMs, 99),
  };
}

export function formatResult(r: RunResult): string {
  return `${r.label.padEnd(44)} ${String(r.count).padStart(6)} ok ${String(r.errors).padStart(4)} err  ${r.throughput.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms`;
}

/**
 * Runs `task` from `concurrency` clients (closed loop, bench/lib/load-loop.mjs) until `count` tasks have run or `maxMs` has passed,
 * recording each task's latency. Bounded in count and time.
 */
export async function runLoad(
  label: string,
  options: { concurrency: number; count: number; maxMs: number },
  task: (i: number) => Promise<void>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const seconds = await runSchedule({
    ...options,
    send: async (i) => {
      const t0 = performance.now();
      try {
        await task(i);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    },
  });
  if (firstError) console.error(`${label}: first error: ${(firstError as Error).message}`);
  return summarize(label, latencies, errors, seconds);
}

/** Runs bench/lib/http-load.worker.mjs and summarizes what it measured. */
export async function runHttpLoad(
  label: string,
  options: { url: string; bodies: string[]; concurrency: number; maxMs: number; ratePerSec?: number; headers?: Record<string, string> },
): Promise<RunResult> {
  const result = await runWorkerThread<{ latencies: number[]; errors: number; seconds: number; firstError?: string }>(new URL('./http-load.worker.mjs', import.meta.url), options);
  if (result.firstError) console.error(`${label}: first error: ${result.firstError}`);
  return summarize(label, result.latencies, result.errors, result.seconds);
}
