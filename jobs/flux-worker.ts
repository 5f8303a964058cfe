/**
 * Worker-thread entry: runs the science core on one uploaded flight so the event loop of the service stays free.
 * Talks to the job through messages: progress events, then `done` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyseFile } from '../src/gasflux/analyse.js';
import { GasfluxError } from '../src/gasflux/errors.js';
import { summariseFlux, type FluxSummary } from '../src/gasflux/output/flux-summary.js';

export interface FluxWorkerInput {
  inputPath: string;
  configYaml: string | null;
  outputRoot: string;
}

export type FluxWorkerMessage =
  | { type: 'progress'; stage: string; gas: string | null; completedSteps: number; totalSteps: number; fraction: number }
  | { type: 'done'; runDirectory: string; files: { name: string; path: string; size: number; type: string; gas: string | null }[]; flux: FluxSummary }
  | { type: 'error'; expected: boolean; code: string; stage: string; message: string; stack: string | null };

const input = workerData as FluxWorkerInput;
const post = (message: FluxWorkerMessage) => parentPort!.postMessage(message);

try {
  const outcome = await analyseFile(input.inputPath, {
    ...(input.configYaml !== null ? { configYaml: input.configYaml } : {}),
    outputRoot: input.outputRoot,
    onProgress: (p) => post({ type: 'progress', stage: p.stage, gas: p.gas ?? null, completedSteps: p.completedSteps, totalSteps: p.totalSteps, fraction: p.fraction }),
  });
  post({
    type: 'done',
    runDirectory: outcome.runDirectory,
    files: outcome.files.map((f) => ({ name: f.name, path: f.path, size: f.size, type: f.type, gas: f.gas ?? null })),
    flux: summariseFlux(outcome.result),
  });
} catch (error) {
  if (error instanceof GasfluxError) {
    post({ type: 'error', expected: true, code: error.code, stage: error.stage, message: error.message, stack: null });
  } else {
    const e = error as Error;
    post({ type: 'error', expected: false, code: 'INTERNAL_ERROR', stage: 'processing', message: e?.message ?? String(error), stack: e?.stack ?? null });
  }
}
