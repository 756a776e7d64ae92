/**
 * Monaco's web workers, bundled as separate scripts by build-playground.ts and served from the
 * BFF (GraphiQL's own setup files assume Vite or webpack, or load them from esm.sh).
 */
export function setupMonacoWorkers(assetBase: string): void {
  // Monaco looks the environment up on globalThis (its typings declare it with `let`).
  (globalThis as unknown as { MonacoEnvironment: { getWorker(workerId: string, label: string): Worker } }).MonacoEnvironment = {
    getWorker(_workerId, label) {
      const name = label === 'json' ? 'json' : label === 'graphql' ? 'graphql' : 'editor';
      return new Worker(`${assetBase}/${name}.worker.js`, { name: `monaco-${name}` });
    },
  };
}
