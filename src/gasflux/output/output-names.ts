import { basename, extname } from 'node:path';

/** Output stem for an input file: `F.xlsx` → `F.processed` (the web API's naming). */
export function outputStem(inputFileName: string): string {
  const name = basename(inputFileName);
  return `${name.slice(0, name.length - extname(name).length)}.processed`;
}

export const outputFileNames = (stem: string) => ({
  report: (gas: string) => `${stem}_${gas}_report.html`,
  data: `${stem}_data.csv`,
  config: `${stem}_config.yaml`,
  outputVars: `${stem}_output_vars.json`,
});

/** `YYYY-MM-DD_HH-MM-SS-ffffff_processing_run`, local wall-clock time with microseconds. */
export function runDirectoryName(now: Date, microseconds: number): string {
  const pad = (v: number, width = 2) => String(v).padStart(width, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  return `${date}_${time}-${pad(microseconds, 6)}_processing_run`;
}
