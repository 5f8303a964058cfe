import { mkdir, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Flight } from '../table.js';
import type { GasfluxResult } from '../pipeline.js';
import type { ProgressTracker } from '../progress.js';
import { dumpConfigYaml } from '../config/resolve-config.js';
import { renderReport } from '../report/render-report.js';
import { GASFLUX_API_VERSION } from '../version.js';
import { outputFileNames, outputStem, runDirectoryName } from './output-names.js';
import { outputVariables } from './output-vars.js';
import { processedCsv } from './processed-csv.js';
import { reportInput } from './report-input.js';

export interface OutputFile {
  name: string;
  path: string;
  size: number;
  type: 'report' | 'data' | 'config' | 'output_vars';
  gas?: string;
}

/** Reports, data, config and output variables: one report step per gas plus one for the three other files. */
export function outputSteps(gasCount: number): number {
  return gasCount + 1;
}

/**
 * Creates `<outputRoot>/<stem>/<timestamp>_processing_run/` (a new one each run) and writes every output file.
 * Returns the run directory and the files, reports first.
 */
export async function writeOutputs(
  flight: Flight,
  result: GasfluxResult,
  options: { inputFileName: string; outputRoot: string; now?: Date; tracker?: ProgressTracker },
): Promise<{ stem: string; runDirectory: string; files: OutputFile[] }> {
  const stem = outputStem(options.inputFileName);
  const names = outputFileNames(stem);
  const now = options.now ?? new Date();
  const runDirectory = await createRunDirectory(join(options.outputRoot, stem), now);
  const processedAt = now.toISOString();
  const files: OutputFile[] = [];
  const write = async (name: string, content: string, type: OutputFile['type'], gas?: string) => {
    const path = join(runDirectory, name);
    await writeFile(path, content, 'utf8');
    files.push({ name, path, size: (await stat(path)).size, type, ...(gas ? { gas } : {}) });
  };

  for (const gas of result.gases) {
    options.tracker?.begin('report', gas.gas);
    await write(names.report(gas.gas), renderReport(reportInput(flight, result, gas, options.inputFileName, processedAt)), 'report', gas.gas);
    options.tracker?.end();
  }
  options.tracker?.begin('output');
  await write(names.data, processedCsv(flight, result), 'data');
  const header = `# GasFlux API ${GASFLUX_API_VERSION}, physics: ${result.physics}\n# Effective config for file ${options.inputFileName}, processed at ${processedAt}\n`;
  await write(names.config, header + dumpConfigYaml(result.config), 'config');
  const variables = outputVariables(result, { inputFile: options.inputFileName, processedAt, version: GASFLUX_API_VERSION });
  await write(names.outputVars, `${JSON.stringify(variables, null, 2)}\n`, 'output_vars');
  options.tracker?.end();
  return { stem, runDirectory, files };
}

/** A fresh run directory; if two runs land in the same microsecond, the later one moves on by a microsecond. */
async function createRunDirectory(parent: string, now: Date): Promise<string> {
  await mkdir(parent, { recursive: true });
  let micro = now.getMilliseconds() * 1000 + Number(process.hrtime.bigint() % 1000n);
  for (;;) {
    const path = join(parent, runDirectoryName(now, micro));
    try {
      await mkdir(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      micro = (micro + 1) % 1_000_000;
    }
  }
}
