// CPU time from Linux's /proc, shared by the benchmarks' meter (bench/lib/cpu-usage.ts) and the
// load-generator worker threads (plain JS: they run without the TypeScript loader).
import { readFileSync } from 'node:fs';

/**
 * utime + stime, in ms, of the process or thread whose stat file this is (`/proc/<pid>/stat`,
 * `/proc/thread-self/stat`), or undefined if it cannot be read.
 */
export function statCpuMs(statPath, msPerTick) {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") "; utime and stime
    // are fields 14 and 15 of the full line, 12 and 13 after the name.
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * msPerTick;
  } catch {
    return undefined;
  }
}
