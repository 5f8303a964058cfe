/**
 * `npm run bench:pipeline`: time and peak memory of the science core, each case in a fresh process.
 *   - example: the reference example data (1,000 rows × 3 gases, template config) when ../shared/data is here,
 *     otherwise a synthetic 1,000-row flight (said so in the output)
 *     plus the CLI's whole-process wall time on it (`node bin/gasflux.js process …`, compiled JavaScript, median of
 *     5; target ≤ 1.0 s and ≤ 1.5× the in-process end-to-end time)
 *   - synthetic flights of 10,000 rows (1 Hz) and 100,000 rows at 10 Hz (3 gases, default config: the background
 *     windows follow the logging rate; target for 100,000 rows ≤ 15 s, < 1.5 GB)
 *   - xlsx-read-100000: reading a 100,000-row synthetic flight from .xlsx alone (the file is written beforehand by
 *     another process, so SheetJS writing it does not count), with the peak RSS and its growth over the RSS before
 *     the read; the target is at most 150 MB per 100,000 rows read
 * "pipeline" is processFlight alone (in-process, after reading and validation); "end to end" adds reading the CSV
 * and writing the four kinds of output file. Peak RSS is the child process's maximum resident set size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/gasflux/config/resolve-config.ts';
import { readTableBuffer, readTableFile } from '../src/gasflux/input/read-table.ts';
import { validateFlight } from '../src/gasflux/input/validate-flight.ts';
import { processFlight } from '../src/gasflux/pipeline.ts';
import { analyseFile } from '../src/gasflux/analyse.ts';
import { syntheticFlight } from '../test/helpers/synthetic-flight.ts';
import { tableToCsv, tableToWorkbookBuffer } from '../test/helpers/table-files.ts';

const exampleCsv = fileURLToPath(new URL('../../shared/data/gasflux/exampledata.csv', import.meta.url));
const CASES = ['example', 'synthetic-10000', 'synthetic-100000', 'xlsx-read-100000'] as const;
const REPEATS = 5;

/** Writes the synthetic flight of `rows` rows as .xlsx (in its own process: SheetJS needs a lot of memory to write). */
function prepareXlsx(path: string, rows: number): void {
  writeFileSync(path, tableToWorkbookBuffer(syntheticFlight({ rows, seed: 7 }).table, 'xlsx'));
}

/** Reads the .xlsx alone and reports time and memory: the peak RSS of the process and its growth during the read. */
function runXlsxRead(path: string): void {
  const bytes = readFileSync(path);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const table = readTableBuffer(bytes, 'flight.xlsx');
  const readMs = performance.now() - start;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({
      label: `reading .xlsx (${table.rowCount.toLocaleString('en')} rows × ${table.columns.length} columns, ${(bytes.byteLength / 2 ** 20).toFixed(0)} MB file)`,
      xlsx: true,
      rows: table.rowCount,
      readMs,
      peakRssMb: peakRss / 2 ** 20,
      growthMb: (peakRss - rssBefore) / 2 ** 20,
    }),
  );
}

const bin = fileURLToPath(new URL('../bin/gasflux.js', import.meta.url));

/** The CLI on `input`, as a user runs it: a whole process each time (start, compiled code, outputs), median of 5. */
function cliWallTimes(input: string, outputDir: string): number {
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, [bin, 'process', input, '--output', join(outputDir, String(r))], { encoding: 'utf8' });
    times.push(performance.now() - start);
    if (run.status !== 0) throw new Error(`gasflux process failed (${run.status}): ${run.stderr}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function runCase(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-bench-'));
  try {
    let input = exampleCsv;
    let label = 'example data (1,000 rows × 3 gases, template config)';
    if (name !== 'example' || !existsSync(exampleCsv)) {
      const rows = name === 'example' ? 1000 : Number(name.split('-')[1]);
      const sampleRateHz = rows >= 100_000 ? 10 : 1;
      input = join(dir, `synthetic-${rows}.csv`);
      writeFileSync(input, tableToCsv(syntheticFlight({ rows, seed: 7, sampleRateHz }).table));
      label = `synthetic flight (${rows.toLocaleString('en')} rows at ${sampleRateHz} Hz × 3 gases, default config)`;
      if (name === 'example') label += ' — ../shared/data absent, so the example data did not run';
    }
    const resolved = resolveConfig({});
    const raw = await readTableFile(input);
    const flight = validateFlight(raw, resolved);
    const repeats = flight.rowCount > 20000 ? 1 : REPEATS;
    const times: number[] = [];
    let volume = '';
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      const result = processFlight(flight, resolved.config);
      times.push(performance.now() - start);
      volume = result.gases.map((g) => `${g.gas} ${g.volume.toPrecision(5)} kg/h`).join(', ');
      if (name !== 'example') volume += ` (true rates: ch4 10, co2 100, c2h6 0.5 kg/h)`;
    }
    const start = performance.now();
    await analyseFile(input, { outputRoot: join(dir, 'out'), config: resolved.config, completeConfig: true });
    const endToEnd = performance.now() - start;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    const cliMs = name === 'example' ? cliWallTimes(input, join(dir, 'cli')) : null;
    const best = Math.min(...times);
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    console.log(
      JSON.stringify({ label, rows: flight.rowCount, repeats, bestMs: best, medianMs: median, endToEndMs: endToEnd, peakRssMb: peakMb, volume, cliMs }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const caseArg = process.argv.indexOf('--case');
const prepareArg = process.argv.indexOf('--prepare-xlsx');
if (prepareArg > 0) {
  prepareXlsx(process.argv[prepareArg + 1], Number(process.argv[prepareArg + 2]));
} else if (caseArg > 0 && process.argv[caseArg + 1].startsWith('xlsx-read-')) {
  runXlsxRead(process.argv[caseArg + 2]);
} else if (caseArg > 0) {
  await runCase(process.argv[caseArg + 1]);
} else {
  console.log('GasFlux pipeline benchmark (each case in its own process; times are wall clock on this machine)\n');
  const self = [...process.execArgv, fileURLToPath(import.meta.url)];
  const scratch = mkdtempSync(join(tmpdir(), 'gasflux-bench-xlsx-'));
  for (const name of CASES) {
    const extra: string[] = [];
    if (name.startsWith('xlsx-read-')) {
      const path = join(scratch, `${name}.xlsx`);
      const prepared = spawnSync(process.execPath, [...self, '--prepare-xlsx', path, name.split('-')[2]], { encoding: 'utf8' });
      if (prepared.status !== 0) {
        console.log(`${name}: FAILED to write the file\n${prepared.stderr}`);
        process.exitCode = 1;
        continue;
      }
      extra.push(path);
    }
    const child = spawnSync(process.execPath, [...self, '--case', name, ...extra], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) {
      console.log(`${name}: FAILED\n${child.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
    if (r.xlsx) {
      const perHundredThousand = (r.growthMb * 100_000) / r.rows;
      console.log(`${r.label}`);
      console.log(`  read: ${(r.readMs / 1000).toFixed(3)} s`);
      console.log(`  peak RSS: ${r.peakRssMb.toFixed(0)} MB; grew by ${r.growthMb.toFixed(0)} MB while reading (${perHundredThousand.toFixed(0)} MB per 100,000 rows; target ≤ 150)\n`);
      continue;
    }
    console.log(`${r.label}`);
    console.log(`  pipeline: best ${(r.bestMs / 1000).toFixed(3)} s, median ${(r.medianMs / 1000).toFixed(3)} s over ${r.repeats} run(s)`);
    console.log(`  end to end (read + process + write 4 kinds of file): ${(r.endToEndMs / 1000).toFixed(3)} s`);
    console.log(`  peak RSS: ${r.peakRssMb.toFixed(0)} MB`);
    if (r.cliMs !== null) {
      const ratio = r.cliMs / r.endToEndMs;
      console.log(`  CLI, whole process (node bin/gasflux.js process …): median ${(r.cliMs / 1000).toFixed(3)} s of ${REPEATS}, ${ratio.toFixed(2)}× the in-process end to end (target ≤ 1.0 s and ≤ 1.5×)`);
    }
    console.log(`  result: ${r.volume}\n`);
  }
  rmSync(scratch, { recursive: true, force: true });
}
