import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as XLSX from 'xlsx';
import type { Browser } from 'playwright-core';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { writeTableFile } from '../helpers/table-files.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { gasfluxDataDir, needsSharedData } from '../helpers/shared-data.ts';

const bin = fileURLToPath(new URL('../../bin/gasflux.js', import.meta.url));

function gasflux(args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The single run folder under <output>/<stem>/ and the files in it. */
function runFolder(output: string, stem: string) {
  const runs = readdirSync(join(output, stem));
  assert.equal(runs.length, 1);
  assert.match(runs[0], /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-\d{6}_processing_run$/);
  const dir = join(output, stem, runs[0]);
  return { dir, files: readdirSync(dir).sort() };
}

async function expectReportOpensCleanly(browser: Browser, path: string) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  assert.equal(await page.locator('figure.fig > svg').count(), 5);
  await page.close();
  assert.deepEqual(problems, []);
}

function checkOutputs(dir: string, files: string[], stem: string, gases: string[]) {
  assert.deepEqual(files, [...gases.map((g) => `${stem}_${g}_report.html`), `${stem}_config.yaml`, `${stem}_data.csv`, `${stem}_output_vars.json`].sort());
  const vars = JSON.parse(readFileSync(join(dir, `${stem}_output_vars.json`), 'utf8'));
  assert.equal(vars.physics, 'corrected');
  for (const gas of gases) assert.ok(Number.isFinite(vars.krig_parameters[gas].volume));
  assert.match(readFileSync(join(dir, `${stem}_config.yaml`), 'utf8'), /^physics: corrected$/m);
  const csvHeader = readFileSync(join(dir, `${stem}_data.csv`), 'utf8').split('\n')[0];
  for (const column of ['utm_easting', 'transect_num', 'x', 'windspeed_measured', ...gases.map((g) => `${g}_kg_h_m2`)]) {
    assert.ok(csvHeader.split(',').includes(column), `processed CSV has ${column}`);
  }
  for (const gas of gases) assert.ok(readFileSync(join(dir, `${stem}_${gas}_report.html`)).length < 5e6);
}

describe('the gasflux CLI', () => {
  let work: string;
  let browser: Browser | undefined;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'gasflux-cli-'));
    if (!needsChromium()) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('processes a generated .xlsx flight, writes all four kinds of file and prints one line per gas', async () => {
    const input = join(work, 'flight_0912.xlsx');
    writeTableFile(syntheticFlight({ seed: 3 }).table, input);
    const output = join(work, 'out-synthetic');
    const run = gasflux(['process', input, '--output', output]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    for (const gas of ['ch4', 'co2', 'c2h6']) assert.ok(lines.some((l) => l.startsWith(`${gas}: `) && l.includes('kg/h')));
    const { dir, files } = runFolder(output, 'flight_0912.processed');
    checkOutputs(dir, files, 'flight_0912.processed', ['ch4', 'co2', 'c2h6']);
    if (browser) await expectReportOpensCleanly(browser, join(dir, 'flight_0912.processed_ch4_report.html'));
  });

  test('a user config is merged over the defaults and recorded in the effective config', () => {
    const input = join(work, 'merged.csv');
    writeTableFile(syntheticFlight({ seed: 4, gases: ['ch4'] }).table, input);
    const config = join(work, 'cfg.yaml');
    writeFileSync(config, 'physics: gasflux-0.2.2\nordinary_kriging_settings:\n  grid_resolution: 300\n');
    const output = join(work, 'out-merged');
    const run = gasflux(['process', input, '--config', config, '--output', output]);
    assert.equal(run.code, 0, run.stderr);
    const { dir } = runFolder(output, 'merged.processed');
    const effective = readFileSync(join(dir, 'merged.processed_config.yaml'), 'utf8');
    assert.match(effective, /grid_resolution: 300/);
    assert.match(effective, /half_window: 6/);
    assert.match(effective, /physics: gasflux-0\.2\.2/);
  });

  test('bad input exits non-zero with the stage, code and reason, and writes nothing', () => {
    const input = join(work, 'bad.csv');
    writeFileSync(input, 'latitude,longitude\n1,2\n');
    const output = join(work, 'out-bad');
    const run = gasflux(['process', input, '--output', output]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /error \[validation\/MISSING_COLUMNS\]: .*'height_ato'/);
    assert.equal(existsSync(output), false);
  });

  test('a missing file and a wrong command line get clear answers', () => {
    const missing = gasflux(['process', join(work, 'nope.xlsx')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    const usage = gasflux(['frobnicate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: gasflux process/);
  });

  test('processes the reference example data converted to .xlsx', { skip: needsSharedData(gasfluxDataDir) }, async () => {
    const csv = XLSX.read(readFileSync(`${gasfluxDataDir}exampledata.csv`, 'utf8'), { type: 'string', raw: true });
    const input = join(work, 'exampledata.xlsx');
    const sheet = csv.Sheets[csv.SheetNames[0]];
    // Store numbers as numbers, as a spreadsheet user's file would.
    const rows = XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: true }).map((row, r) =>
      r === 0 ? row : row.map((v, c) => (c === 0 ? v : Number(v))),
    );
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), 'flight');
    writeFileSync(input, XLSX.write(book, { bookType: 'xlsx', type: 'buffer' }));
    const output = join(work, 'out-example');
    const run = gasflux(['process', input, '--output', output]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /warning: .*height_agl/);
    const { dir, files } = runFolder(output, 'exampledata.processed');
    checkOutputs(dir, files, 'exampledata.processed', ['ch4', 'co2', 'c2h6']);
    if (browser) for (const gas of ['ch4', 'co2', 'c2h6']) await expectReportOpensCleanly(browser, join(dir, `exampledata.processed_${gas}_report.html`));
  });
});
