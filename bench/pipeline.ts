/**
 * `npm run bench:pipeline`: time and peak memory of the science core, each case in a fresh process.
 *   - example: the reference example data (1,000 rows × 3 gases, template config) when ../shared/data is here,
 *     otherwise a synthetic 1,000-row flight (said so in the output)
 *   - synthetic flights of 10,000 and 100,000 rows (3 gases, default config)
 * "pipeline" is processFlight alone (in-process, after reading and validation); "end to end" adds reading the CSV
 * and writing the four kinds of output file. Peak RSS is the child process's maximum resident set size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/gasflux/config/resolve-config.ts';
import { readTableFile } from '../src/gasflux/input/read-table.ts';
import { validateFlight } from '../src/gasflux/input/validate-flight.ts';
import { processFlight } from '../src/gasflux/pipeline.ts';
import { analyseFile } from '../src/gasflux/analyse.ts';
import { syntheticFlight } from '../test/helpers/synthetic-flight.ts';
import { tableToCsv } from '../test/helpers/table-files.ts';

const exampleCsv = fileURLToPath(new URL('../../shared/data/gasflux/exampledata.csv', import.meta.url));
const CASES = ['example', 'synthetic-10000', 'synthetic-100000'] as const;
const REPEATS = 5;

async function runCase(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-bench-'));
  try {
    let input = exampleCsv;
    let label = 'example data (1,000 rows × 3 gases, template config)';
    if (name !== 'example' || !existsSync(exampleCsv)) {
      const rows = name === 'example' ? 1000 : Number(name.split('-')[1]);
      input = join(dir, `synthetic-${rows}.csv`);
      writeFileSync(input, tableToCsv(syntheticFlight({ rows, seed: 7 }).table));
      label = `synthetic flight (${rows.toLocaleString('en')} rows × 3 gases, default config with fastchrom: ~)`;
      if (name === 'example') label += ' — ../shared/data absent, so the example data did not run';
    }
    // The template's fastchrom block (half_window: 6 samples) assumes 1 Hz logging; the 10 and 50 Hz synthetic
    // flights use the pybaselines defaults, which size the window from the data.
    const resolved = resolveConfig(name === 'example' ? {} : { yaml: 'algorithmic_baseline_settings:\n  fastchrom: ~\n' });
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
    const best = Math.min(...times);
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    console.log(
      JSON.stringify({ label, rows: flight.rowCount, repeats, bestMs: best, medianMs: median, endToEndMs: endToEnd, peakRssMb: peakMb, volume }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const caseArg = process.argv.indexOf('--case');
if (caseArg > 0) {
  await runCase(process.argv[caseArg + 1]);
} else {
  console.log('GasFlux pipeline benchmark (each case in its own process; times are wall clock on this machine)\n');
  for (const name of CASES) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', name], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) {
      console.log(`${name}: FAILED\n${child.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
    console.log(`${r.label}`);
    console.log(`  pipeline: best ${(r.bestMs / 1000).toFixed(3)} s, median ${(r.medianMs / 1000).toFixed(3)} s over ${r.repeats} run(s)`);
    console.log(`  end to end (read + process + write 4 kinds of file): ${(r.endToEndMs / 1000).toFixed(3)} s`);
    console.log(`  peak RSS: ${r.peakRssMb.toFixed(0)} MB`);
    console.log(`  result: ${r.volume}\n`);
  }
}
