import { Worker } from 'node:worker_threads';

/**
 * Runs a load generator in a worker thread (its own event loop, so the client does not share the
 * server's) and resolves with the one report it posts; the thread is stopped then.
 */
export function runWorkerThread<T>(file: URL, workerData: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData });
    worker.once('message', (report: T) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
