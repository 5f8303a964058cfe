/**
 * Defects of real flights get a clear error or a recorded warning, never a silent number: logger dropouts (rows with
 * a missing value), a hover, a flight at one height, and a plume at noise level. Flights come from
 * test/helpers/synthetic-flight.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readTableFile } from '../../src/gasflux/input/read-table.ts';
import { resolveConfig } from '../../src/gasflux/config/resolve-config.ts';
import { GasfluxError } from '../../src/gasflux/errors.ts';
import { validateFlight } from '../../src/gasflux/input/validate-flight.ts';
import { summariseFlux } from '../../src/gasflux/output/flux-summary.ts';
import { outputVariables } from '../../src/gasflux/output/output-vars.ts';
import { processedCsv } from '../../src/gasflux/output/processed-csv.ts';
import { reportInput } from '../../src/gasflux/output/report-input.ts';
import { renderReport } from '../../src/gasflux/report/render-report.ts';
import { processFlight } from '../../src/gasflux/pipeline.ts';
import { detectPlume, requiredRun } from '../../src/gasflux/stages/detection.ts';
import { findHoverSegments, holdOverRows, spreadOverRows } from '../../src/gasflux/stages/hover.ts';
import type { RawTable } from '../../src/gasflux/table.ts';
import { fluxData } from '../../src/http/rest/tasks.ts';
import { fluxLine } from '../../client/cli/format.ts';
import { gasfluxDataDir, needsSharedData } from '../helpers/shared-data.ts';
import { syntheticFlight, type SyntheticFlightOptions } from '../helpers/synthetic-flight.ts';

type Physics = 'corrected' | 'gasflux-0.2.2';

function run(table: RawTable, physics: Physics = 'corrected', config: Record<string, unknown> = {}) {
  const resolved = resolveConfig({ object: { physics, ...config } });
  const flight = validateFlight(table, resolved);
  return { flight, result: processFlight(flight, resolved.config) };
}

function fails(body: () => unknown, code: string, stage: string): GasfluxError {
  try {
    body();
  } catch (error) {
    assert.ok(error instanceof GasfluxError, `expected a GasfluxError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.stage, stage, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** The table without the given (0-based) data rows, as if the user had deleted them. */
function withoutRows(table: RawTable, rows: number[]): RawTable {
  const drop = new Set(rows);
  const keep = (cells: RawTable['cells'][string]) => cells.filter((_, i) => !drop.has(i));
  return { ...table, cells: Object.fromEntries(Object.entries(table.cells).map(([c, v]) => [c, keep(v)])), rowCount: table.rowCount - drop.size };
}

const volumes = (result: ReturnType<typeof processFlight>) => result.gases.map((g) => [g.gas, g.volume, g.volumepos, g.volumeneg, g.volumeError]);
const codes = (result: ReturnType<typeof processFlight>) => result.warnings.map((w) => w.code);

describe('GPS and analyser dropouts (rows with a missing value)', () => {
  const dropouts = { rows: [40, 41, 42, 300], columns: ['latitude', 'longitude'] };
  const options: SyntheticFlightOptions = { seed: 21, dropouts };

  for (const physics of ['corrected', 'gasflux-0.2.2'] as const) {
    test(`${physics}: the rows are dropped with a warning, and the result is that of the flight with those rows deleted`, () => {
      const { table } = syntheticFlight(options);
      const withNaN = { ...table, cells: { ...table.cells, ch4: table.cells.ch4.map((c, i) => (i === 500 ? 'NaN' : c)) } };
      const { flight, result } = run(withNaN, physics);
      const dropped = [...dropouts.rows, 500];
      assert.equal(flight.rowCount, table.rowCount - dropped.length);
      const warning = result.warnings.find((w) => w.code === 'ROWS_DROPPED');
      assert.equal(warning?.count, 5);
      assert.match(warning!.message, /^Dropped 5 of \d+ rows \(0\.\d %\).*'latitude' in 4 rows \(first at row 42\), 'longitude' in 4 rows \(first at row 42\), 'ch4' in 1 row \(first at row 502\); rows 42, 43, 44, 302, 502\./);
      assert.equal(result.sampling.rateHz, 1, 'the logging rate is measured over every row, gaps included');
      assert.ok(!codes(result).includes('TIMESTAMPS_NOT_INCREASING'));

      const byHand = run(withoutRows(table, dropped), physics).result;
      assert.deepEqual(volumes(result), volumes(byHand));
      assert.deepEqual(result.transectRange, byHand.transectRange);
    });
  }

  test('the processed table maps every row to its own input row, and messages count rows as in the file', () => {
    const { table, truth } = syntheticFlight(options);
    const { flight, result } = run(table);
    const [header, ...lines] = processedCsv(flight, result).trim().split('\n');
    const names = header.split(',');
    const at = (name: string) => names.indexOf(name);
    assert.equal(lines.length, result.keptRows.length);
    const droppedStamps = new Set(dropouts.rows.map((i) => table.cells.timestamp[i]));
    lines.forEach((line, k) => {
      const fields = line.split(',');
      const source = flight.fileRows[result.keptRows[k]] - table.firstDataRow;
      assert.equal(fields[at('timestamp')], table.cells.timestamp[source]);
      assert.equal(Number(fields[at('latitude')]), table.cells.latitude[source]);
      assert.equal(Number(fields[at('ch4')]), table.cells.ch4[source]);
      assert.equal(Number(fields[at('z')]), table.cells.height_ato[source]);
      assert.ok(!droppedStamps.has(fields[at('timestamp')]));
    });
    assert.equal(flight.fileRows[40], 45, 'the fourth row after the gap is file row 45');
    const ratios = result.gases.map((g) => g.volume / truth.emissionRatesKgH[g.gas]);
    assert.ok(ratios.every((r) => Math.abs(r - 1) <= 0.1), ratios.join(', '));
  });

  test('more dropouts than 5 % of the rows are an error naming the column, the count and the share', () => {
    const rows = Array.from({ length: 40 }, (_, i) => 100 + 3 * i);
    const { table } = syntheticFlight({ seed: 21, dropouts: { rows, columns: ['windspeed'] } });
    const error = fails(() => run(table), 'TOO_MANY_MISSING_VALUES', 'validation');
    assert.equal(error.details.column, 'windspeed');
    assert.equal(error.details.count, 40);
    assert.ok(Math.abs(error.details.share! - 40 / table.rowCount) < 1e-12);
    assert.match(error.message, /^40 of \d+ rows \(5\.\d %\) have a missing value.*'windspeed' in 40 rows \(first at row 102\).*At most 5\.0 %/);
  });
});

describe('a hover segment', () => {
  // Transect 5 of 12, mid-way (in the plume): the drone stays put for 60 s with 0.5 m of GPS jitter.
  const hover = { transect: 5, durationS: 60, jitterM: 0.5 };

  test('gasflux-0.2.2 physics keeps it, as gasflux does: the noisy headings split transects there, and a warning says where and how long', () => {
    const { table, truth } = syntheticFlight({ seed: 3, hover });
    const { result } = run(table, 'gasflux-0.2.2');
    const arrival = truth.sampling.hover!.arrivalRow;
    assert.equal(result.keptRows.length < table.rowCount, true);
    assert.ok(new Set(result.transectNumbers).size > truth.curtain.transects, 'spurious transects');
    assert.deepEqual(result.hovers.map((h) => [h.start, h.end, h.excluded]), [[arrival, arrival + 60, false]]);
    const warning = result.warnings.find((w) => w.code === 'HOVER_SEGMENT');
    assert.equal(
      warning?.message,
      `The drone hovers (stays within 3 m horizontally for 10 s or more): 61 s at rows ${arrival + 2}–${arrival + 62} ` +
        `(${table.cells.timestamp[arrival]} to ${table.cells.timestamp[arrival + 60]}), at ${(table.cells.height_ato[arrival] as number).toFixed(1)} m above take-off. ` +
        'gasflux-0.2.2 physics keeps them, as gasflux does: the course heading there is GPS noise (0° for identical fixes), which can split or merge transects, ' +
        'and the samples pile up at one point of the curtain (physics: corrected leaves them out)',
    );
  });

  test('corrected physics leaves it out: the same transects as without the hover, and the rate within 10 % (and 5 % of the flight without it)', () => {
    const { table, truth } = syntheticFlight({ seed: 3, hover });
    const { result } = run(table);
    const plain = run(syntheticFlight({ seed: 3 }).table).result;
    const arrival = truth.sampling.hover!.arrivalRow;
    assert.deepEqual(result.transectRange, [1, truth.curtain.transects]);
    assert.equal(result.keptRows.length, plain.keptRows.length, 'every row but the 60 of the hover after its arrival');
    for (let i = arrival + 1; i <= arrival + 60; i++) assert.equal(result.kept[i], 0);
    const moving = result.transectNumbers!.filter((_, i) => i <= arrival || i > arrival + 60);
    assert.deepEqual([...moving], [...plain.transectNumbers!], 'transect numbering of the moving rows is unchanged');
    assert.match(result.warnings.find((w) => w.code === 'HOVER_SEGMENT')!.message, /61 s at rows .*Corrected physics leaves those rows/);
    result.gases.forEach((g, k) => {
      const ratio = g.volume / truth.emissionRatesKgH[g.gas];
      assert.ok(Math.abs(ratio - 1) <= 0.1, `${g.gas}: ${ratio}`);
      assert.ok(Math.abs(g.volume / plain.gases[k].volume - 1) <= 0.05, `${g.gas}: ${g.volume} vs ${plain.gases[k].volume} without the hover`);
    });
  });

  test('identical fixes at the end of a transect of a north–south curtain: heading 0° reads as turns in gasflux-0.2.2, not in corrected physics', () => {
    const options: SyntheticFlightOptions = { seed: 3, windDirection: 270, hover: { transect: 5, durationS: 30, position: 1 } };
    const { table, truth } = syntheticFlight(options);
    assert.ok(new Set(run(table, 'gasflux-0.2.2').result.transectNumbers).size > truth.curtain.transects);
    const { result } = run(table);
    assert.equal(new Set(result.transectNumbers).size, truth.curtain.transects);
    assert.deepEqual(codes(result), ['HOVER_SEGMENT']);
  });

  test('a flight without a hover has none, and stops shorter than 10 s or slow flying are not hovers', () => {
    assert.deepEqual(run(syntheticFlight({ seed: 3 }).table).result.hovers, []);
    const { table } = syntheticFlight({ seed: 3, hover: { transect: 2, durationS: 8 } });
    assert.deepEqual(run(table).result.hovers, []);
    // 1 Hz, 5 m/s: 40 s stopped at x = 100 with ±0.8 m of jitter, then on; 0.5 m/s is 5 m in 10 s, not a hover.
    const fly = (from: number, rows: number, speed = 5) => Array.from({ length: rows }, (_, i) => from + speed * i);
    const jittered = [...fly(0, 20), ...Array.from({ length: 40 }, (_, i) => 100 + (i % 2 ? 0.8 : -0.8)), ...fly(105, 10)];
    assert.deepEqual(findHoverSegments(Float64Array.from(jittered), new Float64Array(jittered.length), 1), [{ start: 20, end: 59 }]);
    // A hover whose fix jumps by 3.5 m half-way is one segment, not two.
    const jumped = [...fly(0, 20), ...Array(15).fill(100), ...Array(15).fill(103.5), ...fly(110, 10)];
    assert.deepEqual(findHoverSegments(Float64Array.from(jumped), new Float64Array(jumped.length), 1), [{ start: 20, end: 49 }]);
    assert.deepEqual(findHoverSegments(Float64Array.from(fly(0, 50, 0.5)), new Float64Array(50), 1), []);
  });

  test('left-out rows take the baseline interpolated across them and the flag of the row before', () => {
    const rows = Int32Array.from([0, 1, 4, 5]);
    assert.deepEqual([...spreadOverRows(Float64Array.from([1, 2, 5, 6]), rows, 7)], [1, 2, 3, 4, 5, 6, 6]);
    assert.deepEqual([...holdOverRows(Uint8Array.from([0, 1, 0, 1]), rows, 7)], [0, 1, 1, 1, 0, 1, 1]);
  });
});

describe('a flight at one height', () => {
  for (const physics of ['corrected', 'gasflux-0.2.2'] as const) {
    test(`${physics}: a curtain flown at one height is an error in the curtain stage, not a plane extrapolated to the ground`, () => {
      const { table } = syntheticFlight({ seed: 3, transectHeights: Array(12).fill(20) });
      const error = fails(() => run(table, physics), 'TOO_FEW_HEIGHTS', 'curtain');
      assert.equal(
        error.message,
        'All 12 transects fly at one height (20.0 m above take-off, mean heights within 0.00 m). ' +
          'A mass balance needs transects at two or more heights (at least 1 m apart) to integrate the flux over a vertical plane',
      );
    });
  }

  test('with height noise and no height_agl, the transects kept are named (it used to fail on an empty grid)', () => {
    const { table } = syntheticFlight({ seed: 3, transectHeights: Array(12).fill(20), heightNoiseStd: 0.3, includeHeightAgl: false });
    const error = fails(() => run(table), 'TOO_FEW_HEIGHTS', 'curtain');
    assert.match(error.message, /^The \d+ transects kept \(\d+–\d+ of \d+, the longest run of steadily rising or falling mean heights\) fly at one height \(20\.0 m/);
  });

  test('a flight whose longest steady run is at one height says where the other heights are', () => {
    const { table } = syntheticFlight({ seed: 3, transectHeights: [20, 20, 20, 20, 10, 5] });
    assert.match(fails(() => run(table), 'TOO_FEW_HEIGHTS', 'curtain').message, /the flight's transects range from 5\.\d m to 20\.0 m, but not in one steadily rising or falling run/);
  });

  test('two transects at two heights are enough', () => {
    const { table } = syntheticFlight({ seed: 3, transectHeights: [10, 20] });
    assert.deepEqual(run(table).result.transectRange, [1, 2]);
  });

  test('a spiral at one height is an error in the spiral stage', () => {
    const { table } = syntheticFlight({ seed: 3, pattern: 'spiral', distance: 150, transectHeights: [15, 15, 15] });
    const error = fails(() => run(table, 'corrected', { strategies: { spatial: 'spiral' } }), 'TOO_FEW_HEIGHTS', 'spiral');
    assert.match(error.message, /^The spiral flies at one height \(15\.0 m above take-off.*loops at two or more heights/);
  });
});

describe('a plume at noise level', () => {
  for (const physics of ['corrected', 'gasflux-0.2.2'] as const) {
    test(`${physics}: a flight with no source reports every gas as not detected, not a flux of noise`, () => {
      const { table } = syntheticFlight({ seed: 3, emissions: { ch4: 0, co2: 0, c2h6: 0 } });
      const { result } = run(table, physics);
      const summary = summariseFlux(result);
      for (const gas of summary.gases) {
        assert.deepEqual([gas.detected, gas.fluxKgPerHour, gas.positiveKgPerHour, gas.negativeKgPerHour], [false, null, null, null], gas.gas);
      }
      const warnings = result.warnings.filter((w) => w.code === 'PLUME_NOT_DETECTED');
      assert.deepEqual(warnings.map((w) => w.gas), ['ch4', 'co2', 'c2h6']);
      assert.match(warnings[0].message, /^Gas 'ch4': no plume detected above the sensor noise\. The enhancement (never exceeds|exceeds) 5 × the background std \(5 × [\d.e-]+ ppm = [\d.e-]+ ppm\).*a plume needs 3; its peak is [\d.e-]+ ppm \([\d.]+ × the background std\)\..*krig_parameters\.ch4\.volume/);
      // The computed value stays available to the expert.
      const vars = outputVariables(result, { inputFile: 'f.csv', processedAt: 'now', version: 'test' }) as { krig_parameters: Record<string, any> };
      for (const gas of result.gases) {
        const entry = vars.krig_parameters[gas.gas];
        assert.equal(entry.volume, gas.volume);
        assert.equal(entry.plume_detection.detected, false);
        assert.equal(entry.plume_detection.required_run_rows, 3);
        assert.ok(entry.plume_detection.longest_run_rows < 3);
        assert.equal(entry.plume_detection.background_std, gas.backgroundStd);
      }
    });
  }

  test('an emission whose plume is below the sensor noise is not detected', () => {
    const { table, truth } = syntheticFlight({ seed: 5, emissions: { ch4: 0.01, co2: 0.1, c2h6: 0.0005 } });
    const { result } = run(table);
    for (const gas of result.gases) {
      assert.ok(truth.peakEnhancementPpm[gas.gas] < (gas.backgroundStd ?? 0), `${gas.gas}: the plume's peak is below the noise`);
      assert.equal(gas.detection.detected, false, gas.gas);
    }
  });

  test('a real plume of one gas is detected beside a gas with no source', () => {
    const { table } = syntheticFlight({ seed: 7, emissions: { ch4: 5, co2: 0, c2h6: 0.5 } });
    const { result } = run(table);
    assert.deepEqual(summariseFlux(result).gases.map((g) => [g.gas, g.detected, g.fluxKgPerHour !== null]), [
      ['ch4', true, true],
      ['co2', false, false],
      ['c2h6', true, true],
    ]);
    assert.ok(result.gases[0].detection.longestRun >= 10);
  });

  test('the service, REST and CLI answers and the report say not detected', () => {
    const { flight, result } = run(syntheticFlight({ seed: 7, emissions: { ch4: 5, co2: 0, c2h6: 0.5 } }).table);
    const flux = summariseFlux(result);
    const rest = fluxData(flux);
    assert.deepEqual(rest.gases.map((g) => [g.gas, g.detected, g.flux_kg_h === null]), [
      ['ch4', true, false],
      ['co2', false, true],
      ['c2h6', true, false],
    ]);
    // The CLI client reads the GraphQL shape, the same fields (this flight's physics, `corrected`, is spelt alike).
    const asGraphql = flux as unknown as NonNullable<Parameters<typeof fluxLine>[0]['flux']>;
    assert.match(fluxLine({ flux: asGraphql })!, /^ch4 [\d.]+ kg\/h, co2 not detected, c2h6 [\d.]+ kg\/h \(corrected physics\)$/);
    const page = (gas: number) => renderReport(reportInput(flight, result, result.gases[gas], 'f.csv', '2024-06-01T10:00:00Z'));
    assert.match(page(1), /<span class="value">not detected<\/span>/);
    assert.match(page(1), /Integral of the noise \(no plume detected\)/);
    assert.match(page(0), /<span class="value">[\d.]+ kg h⁻¹<\/span>/);
  });

  test('the rule: a run of 5 σ over 3 rows, or 1 s at high rates; without a background std it cannot be checked', () => {
    const n = 60;
    const signal = new Uint8Array(n);
    const kept = new Uint8Array(n).fill(1);
    const noise = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1));
    const spike = (from: number, length: number, value = 10) => {
      const out = Float64Array.from(noise);
      for (let i = from; i < from + length; i++) {
        out[i] = value;
        signal[i] = 1;
      }
      return out;
    };
    assert.equal(detectPlume(spike(20, 2), signal, kept, 1).detected, false);
    signal.fill(0);
    const three = detectPlume(spike(20, 3), signal, kept, 1);
    assert.deepEqual([three.detected, three.longestRun, three.requiredRun, three.threshold], [true, 3, 3, 5 * three.backgroundStd!]);
    signal.fill(0);
    const gap = Uint8Array.from(kept);
    gap[21] = 0;
    assert.equal(detectPlume(spike(20, 3), signal, gap, 1).detected, false, 'a row off the curtain ends the run');
    assert.deepEqual([requiredRun(1), requiredRun(5), requiredRun(10), requiredRun(20)], [3, 5, 10, 20]);
    const unchecked = detectPlume(noise, new Uint8Array(n).fill(1), kept, 1);
    assert.deepEqual([unchecked.detected, unchecked.checked, unchecked.backgroundStd], [true, false, null]);
  });

  test('the reference example flight: every gas detected, no hover, no dropout', { skip: needsSharedData(gasfluxDataDir) }, async () => {
    const resolved = resolveConfig({ object: { ordinary_kriging_settings: { cut_ground: false } } });
    const flight = validateFlight(await readTableFile(`${gasfluxDataDir}exampledata.csv`), resolved);
    const result = processFlight(flight, resolved.config);
    assert.deepEqual(result.gases.map((g) => [g.gas, g.detection.detected]), [['ch4', true], ['co2', true], ['c2h6', true]]);
    assert.deepEqual(result.hovers, []);
    assert.ok(!codes(result).some((c) => ['HOVER_SEGMENT', 'ROWS_DROPPED', 'PLUME_NOT_DETECTED'].includes(c)));
  });
});
