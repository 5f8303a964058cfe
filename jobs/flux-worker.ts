/**
 * Child-process entry: runs the science core on one uploaded flight, in a process of its own so that its memory is
 * bounded and a flight that exhausts it can only end itself. Talks to the job over IPC: it receives its input, sends
 * progress events, then `done` or `error`, and exits.
 */
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

/**
 * A flight whose job process is gone (killed, crashed) is nobody's: another worker will take the task over, so this
 * one ends instead of computing on beside it. The science runs synchronously between progress reports, so the check
 * is made on every report as well as on the channel's `disconnect`.
 */
function abandoned(): never {
  process.exit(0);
}
process.once('disconnect', abandoned);

const post = (message: FluxWorkerMessage) => {
  if (!process.connected) abandoned();
  process.send!(message);
};

async function run(input: FluxWorkerInput): Promise<void> {
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
}

process.once('message', (input: FluxWorkerInput) => {
  void run(input).finally(() => {
    process.off('disconnect', abandoned);
    if (process.connected) process.disconnect();
  });
});
