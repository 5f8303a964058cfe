import { Worker } from 'node:worker_threads';
import type { FluxWorkerInput, FluxWorkerMessage } from './flux-worker.js';

// A plain .mjs entry registers tsx in the worker thread (Node 20 does not apply the parent's loader to workers).
const workerUrl = new URL('./flux-worker-entry.mjs', import.meta.url);

/** The run was stopped from outside (`signal`): its thread is gone, whatever it had written stays to be removed. */
export class FluxRunStopped extends Error {
  constructor() {
    super('the run was stopped');
    this.name = 'FluxRunStopped';
  }
}

/**
 * Runs one analysis in a worker thread, relaying its messages; resolves with the final one. Aborting `signal`
 * terminates the thread; the promise then rejects with FluxRunStopped once the thread has exited.
 */
export function runFluxWorker(
  input: FluxWorkerInput,
  onMessage: (message: FluxWorkerMessage) => void,
  signal?: AbortSignal,
): Promise<Extract<FluxWorkerMessage, { type: 'done' | 'error' }>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FluxRunStopped());
    const worker = new Worker(workerUrl, { workerData: input });
    let settled = false;
    const stop = () => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (message: FluxWorkerMessage) => {
      if (settled) return;
      if (message.type === 'progress') onMessage(message);
      else {
        settled = true;
        resolve(message);
      }
    });
    worker.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (settled) return;
      settled = true;
      reject(signal?.aborted ? new FluxRunStopped() : new Error(`flux worker exited with code ${code} before finishing`));
    });
  });
}
