/**
 * One call from a file on disk to results on disk: read → resolve config → validate → process → write outputs,
 * with one progress stream across all of it. This is what the CLI and the service's job run.
 */
import { basename } from 'node:path';
import type { GasfluxConfig } from './config/types.js';
import { resolveConfig } from './config/resolve-config.js';
import { readTableFile } from './input/read-table.js';
import { validateFlight } from './input/validate-flight.js';
import { processFlight, pipelineSteps, type GasfluxResult } from './pipeline.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { outputSteps, writeOutputs, type OutputFile } from './output/write-outputs.js';

export interface AnalyseOptions {
  /** User YAML, deep-merged over the defaults unless `completeConfig` is set. */
  configYaml?: string;
  /** A config object instead of YAML (same merge rule). */
  config?: Partial<GasfluxConfig> | Record<string, unknown>;
  /** Use the given config as the whole configuration (reference behaviour), without merging defaults. */
  completeConfig?: boolean;
  /** Where `<stem>/<run>/` is created. */
  outputRoot: string;
  onProgress?: ProgressListener;
  now?: Date;
}

export interface AnalyseOutcome {
  result: GasfluxResult;
  stem: string;
  runDirectory: string;
  files: OutputFile[];
}

export async function analyseFile(inputPath: string, options: AnalyseOptions): Promise<AnalyseOutcome> {
  const resolved = resolveConfig({
    ...(options.configYaml !== undefined ? { yaml: options.configYaml } : {}),
    ...(options.config !== undefined ? { object: options.config } : {}),
    complete: options.completeConfig ?? false,
  });
  const totalSteps = (gasCount: number) => 2 + pipelineSteps(gasCount) + outputSteps(gasCount);
  // The gas count is known only after validation; until then the total assumes every configured gas.
  const preflight = new ProgressTracker(totalSteps(Object.keys(resolved.config.gases).length), options.onProgress);
  preflight.begin('input');
  const raw = await readTableFile(inputPath);
  preflight.end();
  preflight.begin('validation');
  const flight = validateFlight(raw, resolved);
  preflight.end();

  const tracker = new ProgressTracker(totalSteps(flight.gases.length), options.onProgress, 2);
  const result = processFlight(flight, resolved.config, { tracker });
  const written = await writeOutputs(flight, result, {
    inputFileName: basename(inputPath),
    outputRoot: options.outputRoot,
    tracker,
    ...(options.now ? { now: options.now } : {}),
  });
  return { result, ...written };
}
