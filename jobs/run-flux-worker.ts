import { Worker } from 'node:worker_threads';
import type { FluxWorkerInput, FluxWorkerMessage } from './flux-worker.js';

// A plain .mjs entry registers tsx in the worker thread (Node 20 does not apply the parent's loader to workers).
const workerUrl = new URL('./flux-worker-entry.mjs', import.meta.url);

/** Runs one analysis in a worker thread, relaying its messages; resolves with the final one. */
export function runFluxWorker(input: FluxWorkerInput, onMessage: (message: FluxWorkerMessage) => void): Promise<Extract<FluxWorkerMessage, { type: 'done' | 'error' }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: input });
    let settled = false;
    worker.on('message', (message: FluxWorkerMessage) => {
      if (message.type === 'progress') onMessage(message);
      else {
        settled = true;
        resolve(message);
      }
    });
    worker.on('error', (error) => {
      if (!settled) reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`flux worker exited with code ${code} before finishing`));
    });
  });
}
