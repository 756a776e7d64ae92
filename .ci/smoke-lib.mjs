// Shared pieces of the CI smoke tests (.ci/smoke-start.mjs, .ci/smoke-broker.mjs): plain Node, no
// test framework, so they exercise exactly what a user's `npm start` / `npm run broker` runs.
import { spawn } from 'node:child_process';
// Node strips the types of this one TypeScript file (erasable syntax only): the same checks as db-reset.
import { freePort as anyFreePort, listening } from '../src/tools/ports.ts';

export { listening };

const t0 = performance.now();

/** Seconds since this smoke test started, for the step log. */
export const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1).padStart(6);

export function step(text) {
  console.log(`[smoke ${elapsed()} s] ${text}`);
}

export class SmokeFailure extends Error {}

export function fail(text) {
  throw new SmokeFailure(text);
}

/**
 * A TCP port nobody listens on. In dev, SMOKE_PORT_BASE (e.g. a helper's own range) gives
 * predictable ports instead: base + offset.
 */
export async function freePort(offset = 0) {
  const base = Number(process.env.SMOKE_PORT_BASE ?? 0);
  if (base > 0) return base + offset;
  return anyFreePort();
}

/**
 * Runs an npm script the way a user does (`npm start`, `npm run broker -- ...`), keeping its
 * output (to print it when something fails) and its exit.
 */
export function runNpm(args, env) {
  // its own process group, so a failed run can be cleaned up whole (npm, sh, node)
  const child = spawn('npm', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output = { text: '', listeners: new Set() };
  const collect = (chunk) => {
    output.text += chunk.toString('utf8');
    for (const l of output.listeners) l();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exit;
  exited.then((e) => {
    exit = e;
    for (const l of output.listeners) l();
  });
  return {
    child,
    exited,
    get exit() {
      return exit;
    },
    get output() {
      return output.text;
    },
    /** Resolves when `test(output)` holds; rejects if the process exits first or the time runs out. */
    waitForOutput(test, what, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (test(output.text)) {
            done();
            resolve();
          } else if (exit) {
            done();
            reject(new SmokeFailure(`npm ${args.join(' ')} exited (code ${exit.code}, signal ${exit.signal}) before ${what}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new SmokeFailure(`no ${what} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          output.listeners.delete(check);
        };
        output.listeners.add(check);
        check();
      });
    },
  };
}

/**
 * SIGTERM to the npm process (what a process manager or `kill` does) and the exit that follows.
 * npm forwards the signal to the script; the script must `exec` node so the signal reaches it.
 */
export async function terminate(run, timeoutMs) {
  run.child.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const exit = await Promise.race([run.exited, timeout]);
  clearTimeout(timer);
  if (!exit) {
    killGroup(run);
    fail(`still running ${timeoutMs / 1000} s after SIGTERM`);
  }
  return exit;
}

/** Prints the child's output (indented) so a CI log shows why a smoke test failed. */
export function dumpOutput(run, lines = 80) {
  if (!run) return;
  const tail = run.output.split('\n').slice(-lines);
  console.error(`--- last ${tail.length} lines of output ---\n${tail.map((l) => `  | ${l}`).join('\n')}\n---`);
}

/** SIGKILL to the run's whole process group (only for a run that already failed). */
export function killGroup(run) {
  try {
    process.kill(-run.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
