/**
 * Diagnostics for the benchmarks: a V8 CPU profile of this process between `startCpuProfile` and
 * `stop()`, written to `file` (open it in Chrome DevTools or speedscope). No file, no profiling.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export interface CpuProfile {
  stop(): Promise<void>;
}

export async function startCpuProfile(file: string | undefined): Promise<CpuProfile> {
  if (!file) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile));
      session.disconnect();
    },
  };
}
