/**
 * Diagnostics for the benchmarks: CPU time (user + system, from /proc) spent by each process of a
 * run, so a throughput number comes with where the two cores went. Linux only; elsewhere the
 * meter reports nothing.
 */
import { execFileSync } from 'node:child_process';
import { statCpuMs } from './proc-cpu.mjs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Milliseconds per clock tick of /proc/<pid>/stat (for readers in plain JS worker threads). */
export const MS_PER_TICK = 1000 / TICKS_PER_SECOND;

/** CPU milliseconds a process has used so far, or undefined if it cannot be read. */
function cpuMs(pid: number): number | undefined {
  return statCpuMs(`/proc/${pid}/stat`, MS_PER_TICK);
}

/** The pid of a running program by name (the first one), for processes the benchmark did not start. */
export function pidOf(program: string): number | undefined {
  try {
    const pid = Number(execFileSync('pidof', ['-s', program], { encoding: 'utf8' }).trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface CpuReport {
  /** `CPU ms per <unit>: api 7.10, worker 3.30, ...; total 14.0` ('' when nothing could be read). */
  line: string;
  /** CPU ms per unit, all processes together. */
  totalMs: number;
  /** CPU ms per unit of each process (and split-out thread), by name. */
  perProcess: Record<string, number>;
}

export interface CpuMeter {
  /**
   * CPU ms per process since the meter started, divided by `per` (e.g. orders placed). `threads`
   * splits threads out of a process: `{ of: 'api', name: 'load', ms }` reports that thread's ms
   * as `load` and the rest of the process as `api`.
   */
  report(per: number, unit: string, threads?: { of: string; name: string; ms: number }[]): CpuReport;
}

/** Starts measuring the named processes (missing pids are left out). */
export function meterCpu(processes: Record<string, number | undefined>): CpuMeter {
  const start = Object.entries(processes).flatMap(([name, pid]) => {
    const ms = pid === undefined ? undefined : cpuMs(pid);
    return ms === undefined ? [] : [{ name, pid: pid!, ms }];
  });
  return {
    report(per, unit, threads = []) {
      if (start.length === 0 || per <= 0) return { line: '', totalMs: 0, perProcess: {} };
      const used = start.map((s) => ({ name: s.name, ms: (cpuMs(s.pid) ?? s.ms) - s.ms }));
      for (const thread of threads) {
        const process = used.find((u) => u.name === thread.of);
        if (!process) continue;
        process.ms -= thread.ms;
        used.push({ name: thread.name, ms: thread.ms });
      }
      const total = used.reduce((sum, u) => sum + u.ms, 0);
      return { line: `CPU ms per ${unit}: ${used.map((u) => `${u.name} ${(u.ms / per).toFixed(2)}`).join(', ')}; total ${(total / per).toFixed(2)}`, totalMs: total / per, perProcess: Object.fromEntries(used.map((u) => [u.name, u.ms / per])) };
    },
  };
}
