import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/gasflux/config/resolve-config.ts';
import { validateFlight } from '../../src/gasflux/input/validate-flight.ts';
import { processFlight } from '../../src/gasflux/pipeline.ts';
import { analyseFile } from '../../src/gasflux/analyse.ts';
import { GasfluxError } from '../../src/gasflux/errors.ts';
import { fitVariogram } from '../../src/gasflux/stages/variogram.ts';
import { ProgressTracker, type GasfluxProgress } from '../../src/gasflux/progress.ts';
import type { CellValue, RawTable } from '../../src/gasflux/table.ts';
import {
  briggsSigmas,
  latLonFromLocal,
  massConcentrationToPpm,
  MOLAR_MASSES,
  molarVolume,
  plumeConcentration,
  seededRng,
  syntheticFlight,
} from '../helpers/synthetic-flight.ts';
import { flightTable } from '../helpers/bad-files.ts';
import { tableToCsv } from '../helpers/table-files.ts';

/** Laps of a circle of radius R around a methane source over flat ground, one lap per height, wind from the west. */
function spiralFlight(emissionKgH: number, seed = 1): RawTable {
  const radius = 200;
  const wind = 5;
  const rng = seededRng(seed);
  const columns = ['timestamp', 'latitude', 'longitude', 'height_ato', 'height_agl', 'windspeed', 'winddir', 'temperature', 'pressure', 'ch4'];
  const cells: Record<string, CellValue[]> = Object.fromEntries(columns.map((c) => [c, []]));
  const perLap = 250;
  const vm = molarVolume(15, 1010);
  const { sigmaY, sigmaZ } = briggsSigmas(radius, 'D');
  let row = 0;
  for (let lap = 0; lap < 12; lap++) {
    for (let k = 0; k < perLap; k++, row++) {
      const bearing = (2 * Math.PI * k) / perLap;
      const east = radius * Math.sin(bearing);
      const north = radius * Math.cos(bearing);
      const height = 3 + 5 * lap + (5 * k) / perLap;
      const c = east > 0 ? plumeConcentration(emissionKgH / 3600, wind, sigmaY, sigmaZ, north, height, 2) : 0;
      const position = latLonFromLocal({ latitude: 52, longitude: 5 }, east, north);
      cells.timestamp.push(new Date(Date.UTC(2024, 5, 1, 10, 0, row)).toISOString().slice(0, 19).replace('T', ' '));
      cells.latitude.push(position.latitude);
      cells.longitude.push(position.longitude);
      cells.height_ato.push(height);
      cells.height_agl.push(height);
      cells.windspeed.push(wind * (1 + 0.05 * rng.normal()));
      cells.winddir.push((270 + 3 * rng.normal() + 360) % 360);
      cells.temperature.push(15);
      cells.pressure.push(1010);
      cells.ch4.push(1.95 + massConcentrationToPpm(c, MOLAR_MASSES.ch4, vm) + 0.002 * rng.normal());
    }
  }
  return { columns, cells, rowCount: row, firstDataRow: 2 };
}

describe('the spiral strategy', () => {
  test('keeps every row, measures distance around the circle from the plume peak and recovers the emission within 10 %', (t) => {
    const resolved = resolveConfig({ yaml: 'strategies:\n  spatial: spiral\n' });
    const flight = validateFlight(spiralFlight(20), resolved);
    const result = processFlight(flight, resolved.config);
    assert.equal(result.spatial, 'spiral');
    assert.equal(result.keptRows.length, flight.rowCount);
    assert.equal(result.transectRange, null);
    assert.ok(Math.min(...result.projection.x) === 0);
    assert.ok(Math.abs(Math.max(...result.projection.x) - 2 * Math.PI * 200) < 20);
    const ratio = result.gases[0].volume / 20;
    t.diagnostic(`spiral recovered/true: ${ratio.toFixed(3)}`);
    assert.ok(Math.abs(ratio - 1) < 0.1, `recovered ${ratio.toFixed(3)} of the true rate`);
  });
});

describe('failures inside the pipeline name the stage, the code and the reason', () => {
  test('a straight flight with no heading reversal has no transects (NO_TRANSECTS, stage curtain)', () => {
    const resolved = resolveConfig({});
    const flight = validateFlight(flightTable(60), resolved);
    assert.throws(
      () => processFlight(flight, resolved.config),
      (error: unknown) => error instanceof GasfluxError && error.code === 'NO_TRANSECTS' && error.stage === 'curtain' && /at least two/.test(error.message),
    );
  });

  test('a flat (noise-only) variogram fails the fit with a reason instead of integrating to zero', () => {
    // Unbounded LM runs the range below zero on a flat variogram; every node would then lack neighbours.
    const bins = Float64Array.from({ length: 20 }, (_, k) => (k + 1) * 5);
    const experimental = Float64Array.from(bins, (_, k) => 1 + 0.01 * Math.sin(k * 7));
    assert.throws(
      () => fitVariogram({ bins, experimental, pairCounts: new Int32Array(20).fill(10), maxLag: 100, pairsUsed: 200, pairsExamined: 200 }, 'spherical', 'ch4'),
      (error: unknown) =>
        error instanceof GasfluxError &&
        error.code === 'VARIOGRAM_FIT_FAILED' &&
        error.stage === 'variogram' &&
        /Gas 'ch4'.*must be positive.*no spatial structure/.test(error.message),
    );
  });

  test('a variogram with fewer than two populated lag bins cannot be fitted', () => {
    const bins = Float64Array.from({ length: 20 }, (_, k) => (k + 1) * 5);
    const experimental = Float64Array.from(bins, (_, k) => (k === 3 ? 1 : NaN));
    assert.throws(
      () => fitVariogram({ bins, experimental, pairCounts: new Int32Array(20), maxLag: 100, pairsUsed: 1, pairsExamined: 1 }, 'spherical', 'co2'),
      (error: unknown) => error instanceof GasfluxError && error.code === 'VARIOGRAM_FIT_FAILED' && /only 1 variogram lag bin/.test(error.message),
    );
  });

  test('a bad file handed to analyseFile fails in the input stage and leaves no output behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gasflux-analyse-'));
    try {
      writeFileSync(join(dir, 'flight.xlsx'), 'timestamp,latitude\n');
      await assert.rejects(analyseFile(join(dir, 'flight.xlsx'), { outputRoot: join(dir, 'out') }), (e: unknown) => e instanceof GasfluxError && e.stage === 'input');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('progress', () => {
  test("a stage's end counts once: the next stage's start is not behind it", () => {
    const seen: number[] = [];
    const tracker = new ProgressTracker(14, (p) => seen.push(p.fraction));
    tracker.begin('input');
    tracker.end();
    tracker.begin('validation');
    tracker.advance(0.5);
    tracker.end();
    tracker.begin('course');
    assert.deepEqual(seen, [0, 1 / 14, 1 / 14, 1.5 / 14, 2 / 14, 2 / 14]);
  });

  test('reports every stage in order with steps that only grow and end at the total', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gasflux-progress-'));
    try {
      const input = join(dir, 'flight.csv');
      writeFileSync(input, tableToCsv(syntheticFlight({ seed: 6 }).table));
      const events: GasfluxProgress[] = [];
      const outcome = await analyseFile(input, { outputRoot: join(dir, 'out'), onProgress: (p) => events.push(p) });
      const stages = [...new Set(events.map((e) => (e.gas ? `${e.stage}:${e.gas}` : e.stage)))];
      assert.deepEqual(stages, [
        'input',
        'validation',
        'course',
        'background:ch4',
        'background:co2',
        'background:c2h6',
        'curtain',
        'variogram',
        'kriging',
        'statistics',
        'report:ch4',
        'report:co2',
        'report:c2h6',
        'output',
      ]);
      const total = events[0].totalSteps;
      assert.ok(events.every((e) => e.totalSteps === total));
      events.forEach((e, i) => i > 0 && assert.ok(e.completedSteps >= events[i - 1].completedSteps));
      assert.equal(events.at(-1)!.completedSteps, total);
      assert.ok(events.some((e) => e.stage === 'kriging' && e.stageFraction > 0 && e.stageFraction < 1), 'kriging reports progress within the stage');
      // Every event, not only those a throttled consumer happens to keep: the share done never goes back.
      const fractions = events.map((e) => e.fraction);
      fractions.forEach((f, i) => i > 0 && assert.ok(f >= fractions[i - 1], `fraction went from ${fractions[i - 1]} to ${f} at event ${i} (${events[i].stage})`));
      assert.equal(fractions[0], 0);
      assert.equal(fractions.at(-1), 1);
      const vars = JSON.parse(readFileSync(outcome.files.find((f) => f.type === 'output_vars')!.path, 'utf8'));
      assert.equal(vars.physics, 'corrected');
      assert.deepEqual(vars.transect_range, outcome.result.transectRange);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
