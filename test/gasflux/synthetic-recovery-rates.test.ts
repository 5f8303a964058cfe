/**
 * Rate-aware background correction: analysers log at 1 to 20 Hz, but the template states its background windows
 * in samples tuned for 1 Hz. In `corrected` physics those windows are converted to the flight's logging rate (the
 * median timestamp step, else `sample_rate_hz`), so a known emission rate is recovered whatever the rate; a window
 * the user sets is kept exactly, and `gasflux-0.2.2` physics keeps every window in samples. The 1 Hz cases are in
 * synthetic-recovery.test.ts (same winds, emissions and seeds).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/gasflux/config/resolve-config.ts';
import { GasfluxError } from '../../src/gasflux/errors.ts';
import { applySampleRate, measureSampleRate } from '../../src/gasflux/input/sample-rate.ts';
import { validateFlight } from '../../src/gasflux/input/validate-flight.ts';
import { outputVariables } from '../../src/gasflux/output/output-vars.ts';
import { processFlight } from '../../src/gasflux/pipeline.ts';
import { numberTransects } from '../../src/gasflux/stages/transects.ts';
import type { RawTable } from '../../src/gasflux/table.ts';
import { mulberry32, syntheticFlight, type SyntheticFlightOptions } from '../helpers/synthetic-flight.ts';

type Physics = 'corrected' | 'gasflux-0.2.2';

function withoutTimestamps(table: RawTable): RawTable {
  const { timestamp: _dropped, ...cells } = table.cells;
  return { ...table, columns: table.columns.filter((c) => c !== 'timestamp'), cells };
}

function run(table: RawTable, config: Record<string, unknown> = {}, complete = false) {
  const resolved = resolveConfig({ object: { physics: 'corrected', ...config }, complete });
  const flight = validateFlight(table, resolved);
  return { resolved, flight, result: processFlight(flight, resolved.config) };
}

function recover(options: SyntheticFlightOptions, config: Record<string, unknown> = {}) {
  const { table, truth } = syntheticFlight(options);
  const { result } = run(table, config);
  for (const gas of result.gases) assert.ok(gas.detection.detected, `${gas.gas}: a real plume is detected`);
  const ratios = Object.fromEntries(result.gases.map((g) => [g.gas, g.volume / truth.emissionRatesKgH[g.gas]]));
  return { result, truth, ratios };
}

const show = (ratios: Record<string, number>) => Object.entries(ratios).map(([g, r]) => `${g} ${r.toFixed(3)}`).join(', ');

function assertWithinTenPercent(ratios: Record<string, number>) {
  assert.deepEqual(Object.keys(ratios), ['ch4', 'co2', 'c2h6']);
  for (const [gas, ratio] of Object.entries(ratios)) {
    assert.ok(Math.abs(ratio - 1) <= 0.1, `${gas}: recovered ${ratio.toFixed(3)} of the true rate`);
  }
}

describe('recovering a known emission rate at 5, 10 and 20 Hz (physics: corrected, rate from the timestamps)', () => {
  for (const rate of [5, 10, 20]) {
    for (const wind of [3, 5, 8]) {
      for (const [emissions, seed] of [[{ ch4: 5, co2: 50, c2h6: 0.5 }, 11 + wind], [{ ch4: 40, co2: 400, c2h6: 4 }, 23 + wind]] as const) {
        // 20 Hz flights fly at 10 m/s, so they stay as short as the 10 Hz ones (and cross the plume twice as fast).
        const speed = rate === 20 ? 10 : 5;
        test(`${rate} Hz, wind ${wind} m/s, ch4 ${emissions.ch4} kg/h, co2 ${emissions.co2} kg/h, c2h6 ${emissions.c2h6} kg/h: every gas within 10 %`, (t) => {
          const { ratios, result } = recover({ sampleRateHz: rate, speed, windSpeed: wind, emissions, seed });
          t.diagnostic(`recovered/true: ${show(ratios)}`);
          assert.deepEqual(
            { rate: result.sampling.rateHz, source: result.sampling.source, converted: result.sampling.windowsConverted },
            { rate, source: 'timestamps', converted: true },
          );
          assert.deepEqual(result.gases[0].backgroundWindows, {
            halfWindow: 6 * rate, minFwhm: 12 * rate, interpHalfWindow: 3 * rate, smoothHalfWindow: 3 * rate, minLength: 2 * rate,
          });
          assert.equal(result.sampling.transectSwitchLag, 3 * rate);
          assertWithinTenPercent(ratios);
        });
      }
    }
  }

  test('the spiral strategy at 5 Hz: every gas within 10 % at the lightest and the strongest wind', (t) => {
    for (const wind of [3, 8]) {
      const { ratios, result, truth } = recover(
        { pattern: 'spiral', distance: 150, transects: 8, sampleRateHz: 5, windSpeed: wind, emissions: { ch4: 5, co2: 50, c2h6: 0.5 }, seed: 11 + wind },
        { strategies: { spatial: 'spiral' } },
      );
      t.diagnostic(`wind ${wind} m/s, ${truth.sampling.rows} rows: ${show(ratios)}`);
      assert.equal(result.spatial, 'spiral');
      assert.equal(result.sampling.rateHz, 5);
      assert.equal(result.sampling.transectSwitchLag, null);
      assertWithinTenPercent(ratios);
    }
  });
});

describe('which windows are converted', () => {
  const { table } = syntheticFlight({ sampleRateHz: 5, seed: 3 });

  test('the template windows are converted to the logging rate and recorded in the written config', () => {
    const resolved = resolveConfig();
    const flight = validateFlight(table, resolved);
    assert.deepEqual(resolved.config.algorithmic_baseline_settings.fastchrom, {
      half_window: 30, threshold: 'custom', min_fwhm: null, interp_half_window: 15, smooth_half_window: 15, weights: null, max_iter: 100, min_length: 10,
    });
    assert.equal(resolved.config.sample_rate_hz, 5);
    assert.deepEqual(flight.sampling.windowSources, {
      half_window: 'template', interp_half_window: 'template', smooth_half_window: 'template', min_length: 'template',
    });
    assert.equal(flight.sampling.stepS, 0.2);
    assert.deepEqual(flight.warnings, []);

    // Validating again (the same resolved config for a second flight) converts from the template, not twice.
    validateFlight(syntheticFlight({ sampleRateHz: 10, seed: 3 }).table, resolved);
    assert.equal(resolved.config.algorithmic_baseline_settings.fastchrom?.half_window, 60);
  });

  test('a window the user sets is kept exactly; the ones they leave out are converted', () => {
    const { resolved, flight, result } = run(table, { algorithmic_baseline_settings: { fastchrom: { half_window: 6, min_length: 2 } } });
    const settings = resolved.config.algorithmic_baseline_settings.fastchrom!;
    assert.deepEqual([settings.half_window, settings.min_length, settings.interp_half_window, settings.smooth_half_window], [6, 2, 15, 15]);
    assert.equal(flight.sampling.windowSources.half_window, 'config');
    assert.equal(flight.sampling.windowSources.interp_half_window, 'template');
    assert.deepEqual(result.gases[0].backgroundWindows, { halfWindow: 6, minFwhm: 12, interpHalfWindow: 15, smoothHalfWindow: 15, minLength: 2 });

    const vars = outputVariables(result, { inputFile: 'flight.csv', processedAt: '2024-06-01T10:00:00Z', version: 'test' });
    assert.deepEqual(vars.sampling, {
      rate_hz: 5,
      rate_source: 'timestamps',
      timestamp_step_s: 0.2,
      template_rate_hz: 1,
      windows_converted: true,
      window_sources: { half_window: 'config', interp_half_window: 'template', smooth_half_window: 'template', min_length: 'config' },
      effective_windows: {
        transect_switch_lag: 15,
        wind_rolling_mean: 25,
        fastchrom: Object.fromEntries(
          ['ch4', 'co2', 'c2h6'].map((gas) => [gas, { half_window: 6, min_fwhm: 12, interp_half_window: 15, smooth_half_window: 15, min_length: 2 }]),
        ),
      },
    });
  });

  test('a fastchrom block set to null (pybaselines defaults) and a config taken whole are used as written', () => {
    const nulled = resolveConfig({ object: { algorithmic_baseline_settings: { fastchrom: null } } });
    validateFlight(table, nulled);
    assert.equal(nulled.config.algorithmic_baseline_settings.fastchrom, null);

    const whole = structuredClone(resolveConfig().config);
    const complete = resolveConfig({ object: whole, complete: true });
    const flight = validateFlight(table, complete);
    assert.equal(complete.config.algorithmic_baseline_settings.fastchrom?.half_window, 6);
    assert.equal(flight.sampling.windowSources.half_window, 'config');
  });
});

describe('without timestamps', () => {
  const { table } = syntheticFlight({ sampleRateHz: 5, seed: 19, windSpeed: 5, emissions: { ch4: 5, co2: 50, c2h6: 0.5 } });
  const bare = withoutTimestamps(table);

  test('the default 1 Hz is assumed, with a warning that names sample_rate_hz', () => {
    const resolved = resolveConfig();
    const flight = validateFlight(bare, resolved);
    assert.deepEqual([flight.sampling.rateHz, flight.sampling.source, flight.sampling.stepS], [1, 'default', null]);
    assert.equal(resolved.config.algorithmic_baseline_settings.fastchrom?.half_window, 6);
    const warning = flight.warnings.find((w) => w.code === 'SAMPLE_RATE_ASSUMED');
    assert.ok(warning, JSON.stringify(flight.warnings));
    assert.match(warning.message, /no timestamp column.*1 Hz is assumed.*sample_rate_hz/);
  });

  test('sample_rate_hz is honoured, without a warning, and gives back the true rate', (t) => {
    const { flight, result } = run(bare, { sample_rate_hz: 5 });
    assert.deepEqual([flight.sampling.rateHz, flight.sampling.source], [5, 'config']);
    assert.deepEqual(flight.warnings.map((w) => w.code), []);
    assert.equal(result.gases[0].backgroundWindows.halfWindow, 30);
    const ratios = Object.fromEntries(result.gases.map((g) => [g.gas, g.volume / { ch4: 5, co2: 50, c2h6: 0.5 }[g.gas]!]));
    t.diagnostic(`recovered/true: ${show(ratios)}`);
    assertWithinTenPercent(ratios);
  });

  test('timestamps win over sample_rate_hz; a disagreement is a warning', () => {
    const flight = validateFlight(table, resolveConfig({ object: { sample_rate_hz: 1 } }));
    assert.equal(flight.sampling.rateHz, 5);
    assert.match(flight.warnings.find((w) => w.code === 'SAMPLE_RATE_CONFLICT')?.message ?? '', /sample_rate_hz: 1 .*5 Hz/);
    const agreeing = validateFlight(table, resolveConfig({ object: { sample_rate_hz: 5 } }));
    assert.deepEqual(agreeing.warnings, []);
  });
});

describe('measuring the logging rate', () => {
  const stamps = (ms: number[]) => ms.map((t) => new Date(Date.UTC(2024, 5, 1, 10) + t).toISOString().replace('T', ' ').replace('Z', ''));

  test('is one over the median step, so gaps and jitter do not move it', () => {
    const times = Array.from({ length: 100 }, (_, i) => i * 100 + (i % 3 === 0 ? 2 : 0) + (i >= 50 ? 60_000 : 0));
    const measured = measureSampleRate(stamps(times));
    assert.ok('rateHz' in measured);
    assert.equal(measured.rateHz, 10);
  });

  test('timestamps coarser than the sampling (whole seconds at 5 Hz) give the rate from their span, with a warning', () => {
    const cells = stamps(Array.from({ length: 500 }, (_, i) => Math.floor(i / 5) * 1000));
    const measured = measureSampleRate(cells);
    assert.ok('rateHz' in measured);
    assert.ok(Math.abs(measured.rateHz - 5) < 0.06, String(measured.rateHz));
    const { warnings } = applySampleRate(cells, resolveConfig());
    assert.deepEqual(warnings.map((w) => w.code), ['TIMESTAMPS_COARSE']);
  });

  test('plain numbers, unreadable text and a missing column are not measured', () => {
    assert.match((measureSampleRate([0, 0.2, 0.4]) as { reason: string }).reason, /plain numbers/);
    assert.match((measureSampleRate(['a', 'b', 'c']) as { reason: string }).reason, /fewer than two/);
    assert.match((measureSampleRate(undefined) as { reason: string }).reason, /no timestamp column/);
    assert.match((measureSampleRate(stamps([0, 0, 0])) as { reason: string }).reason, /do not advance/);
  });
});

describe('sample_rate_hz is validated', () => {
  for (const value of [0, -5, 1001, 'fast', null]) {
    test(`${JSON.stringify(value)} is rejected with a message naming the key`, () => {
      assert.throws(
        () => resolveConfig({ object: { sample_rate_hz: value } }),
        (error: unknown) =>
          error instanceof GasfluxError &&
          error.code === 'INVALID_CONFIG' &&
          error.details.key === 'sample_rate_hz' &&
          /sample_rate_hz: must be a logging rate in Hz, > 0 and at most 1,000, got /.test(error.message),
      );
    });
  }
  test('fractional rates are accepted', () => {
    assert.equal(resolveConfig({ object: { sample_rate_hz: 0.5 } }).config.sample_rate_hz, 0.5);
  });
});

describe('physics: gasflux-0.2.2 keeps every window in samples', () => {
  test('a 5 Hz flight runs with the 1 Hz windows whatever its timestamps say, and gets a warning', (t) => {
    const { table, truth } = syntheticFlight({ sampleRateHz: 5, seed: 16, windSpeed: 5, emissions: { ch4: 5, co2: 50, c2h6: 0.5 } });
    const legacy = (input: RawTable) => run(input, { physics: 'gasflux-0.2.2' satisfies Physics });
    const timed = legacy(table);
    const untimed = legacy(withoutTimestamps(table));
    assert.deepEqual(timed.resolved.config.algorithmic_baseline_settings.fastchrom, resolveConfig().config.algorithmic_baseline_settings.fastchrom);
    assert.equal(timed.resolved.config.sample_rate_hz, 1);
    assert.equal(timed.result.sampling.rateHz, 5);
    assert.equal(timed.result.sampling.windowsConverted, false);
    assert.equal(timed.result.sampling.transectSwitchLag, 3);
    assert.equal(timed.result.sampling.windRollingMean, 5);
    assert.deepEqual(timed.result.gases[0].backgroundWindows, { halfWindow: 6, minFwhm: 12, interpHalfWindow: 3, smoothHalfWindow: 3, minLength: 2 });
    assert.match(timed.flight.warnings.find((w) => w.code === 'WINDOWS_IN_SAMPLES')?.message ?? '', /5 Hz.*physics: corrected/);
    assert.deepEqual(untimed.flight.warnings.map((w) => w.code), [], 'no rate warning when the rate is not used');
    // The logging rate changes nothing in this mode: the numbers are bit-identical with and without timestamps.
    assert.deepEqual(
      timed.result.gases.map((g) => [g.volume, g.volumepos, g.volumeneg, g.volumeError, g.signalPoints]),
      untimed.result.gases.map((g) => [g.volume, g.volumepos, g.volumeneg, g.volumeError, g.signalPoints]),
    );
    // ...and they show the problem this conversion fixes: well below what the mode's two known factors explain.
    const { nx, ny } = timed.result.grid;
    const expected = truth.gasflux022Factor * (((nx - 1) * (ny - 1)) / (nx * ny));
    const ratios = Object.fromEntries(timed.result.gases.map((g) => [g.gas, g.volume / truth.emissionRatesKgH[g.gas] / expected]));
    t.diagnostic(`recovered/expected with 1 Hz windows at 5 Hz: ${show(ratios)}`);
    assert.ok(Math.min(...Object.values(ratios)) < 0.9);
  });

  test('the transect detector with the reference lag of 3 flags exactly the reference switches', () => {
    // The reference rule (spec §4.5.1): flags 150° apart 3 samples back; a flag right after, or two after, a kept one is dropped.
    const reference = (az: Float64Array) => {
      const n = az.length;
      const flag = Array.from(az, (a, i) => (i >= 3 && !Number.isNaN(a) && !Number.isNaN(az[i - 3]) && angdist(a, az[i - 3]) > 150 ? 1 : 0));
      for (let i = 1; i < n; i++) if (flag[i] === 1 && (flag[i - 1] === 1 || (i >= 2 && flag[i - 2] === 1))) flag[i] = 0;
      let sum = 0;
      return Array.from({ length: n }, (_, i) => (i < n - 3 ? 1 + (sum += flag[i + 3]) : NaN)).map((v, i, all) => (i < n - 3 ? v : all[n - 4]));
    };
    const random = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const az = Float64Array.from({ length: 60 }, () => (random() < 0.5 ? 0 : 180) + (random() - 0.5) * 80);
      az[0] = NaN;
      assert.deepEqual(Array.from(numberTransects(az)), reference(az), `trial ${trial}`);
    }
  });
});

describe('the transect detector in corrected physics', () => {
  test('a turn taking two seconds at 10 Hz is found with the lag of 3 s, not with 3 samples', () => {
    // Three transects at 10 Hz joined by turns whose heading swings through 180° over 2 s (20 samples).
    const headings: number[] = [NaN];
    let heading = 90;
    for (let leg = 0; leg < 3; leg++) {
      for (let i = 0; i < 300; i++) headings.push(heading);
      if (leg < 2) for (let i = 1; i <= 20; i++) headings.push((heading + 9 * i) % 360);
      heading = (heading + 180) % 360;
    }
    const az = Float64Array.from(headings);
    assert.equal(Math.max(...numberTransects(az, 3)), 1);
    assert.equal(Math.max(...numberTransects(az, 30)), 3);
  });
});

function angdist(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return Math.min(d, 360 - d);
}
