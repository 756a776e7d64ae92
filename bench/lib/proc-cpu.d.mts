/** Types of proc-cpu.mjs (plain JS so worker threads run it without the TypeScript loader). */
export function statCpuMs(statPath: string, msPerTick: number): number | undefined;
