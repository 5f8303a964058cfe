import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { monotonicRange, numberTransects } from '../../src/gasflux/stages/transects.ts';
import { normalWind } from '../../src/gasflux/stages/curtain.ts';
import { simpsonUnit, integrateGrid } from '../../src/gasflux/stages/simpson.ts';
import { peakSegments, refineMask, averagedInterp } from '../../src/gasflux/stages/fastchrom.ts';
import { angularDistance, mod } from '../../src/gasflux/stages/angles.ts';
import { molarVolume, gasDensity } from '../../src/gasflux/stages/flux.ts';
import { experimentalVariogram } from '../../src/gasflux/stages/variogram.ts';
import { nearestNeighbours } from '../../src/gasflux/stages/ordinary-kriging.ts';
import { levenbergMarquardt } from '../../src/gasflux/stages/levenberg-marquardt.ts';
import { diameter } from '../../src/gasflux/stages/convex-hull.ts';
import { circularStd } from '../../src/gasflux/stages/statistics.ts';
import { utmZoneForBounds } from '../../src/gasflux/stages/utm.ts';
import type { SemivariogramSettings } from '../../src/gasflux/config/types.ts';
import { DEFAULT_CONFIG } from '../../src/gasflux/config/defaults.ts';
import { mulberry32 } from '../helpers/synthetic-flight.ts';

const f64 = (values: number[]) => Float64Array.from(values);
const u8 = (values: number[]) => Uint8Array.from(values);

describe('angles', () => {
  test('the angular distance between bearings is the short way round', () => {
    assert.equal(angularDistance(10, 350), 20);
    assert.equal(angularDistance(0, 180), 180);
    assert.equal(mod(-30, 360), 330);
  });
});

describe('transects', () => {
  test('the longest monotonic run of the reference anchor is transects 4 to 7', () => {
    const heights = [-5.4, 0.6, 5.6, 3.2, 10.4, 18.4, 20.8, 19.4];
    const { start, end } = monotonicRange(heights);
    assert.deepEqual([start + 1, end + 1], [4, 7]);
  });

  test('a heading reversal starts a new transect three rows before the turn', () => {
    const azimuth = new Float64Array(40).fill(90);
    azimuth[0] = NaN;
    for (let i = 20; i < 40; i++) azimuth[i] = 270;
    const transects = numberTransects(azimuth);
    assert.equal(transects[16], 1);
    assert.equal(transects[17], 2);
    assert.equal(transects[39], 2);
  });
});

describe('normal wind', () => {
  test('matches the reference table for a 90° curtain', () => {
    const speeds = f64([5, 5, 5, 5, 5]);
    const dirs = f64([0, 90, 180, 270, 360]);
    const { winddirRel, windspeedNormal } = normalWind(speeds, dirs, 90);
    assert.deepEqual(Array.from(winddirRel), [0, 90, 0, 90, 0]);
    Array.from(windspeedNormal).forEach((v, i) => assert.ok(Math.abs(v - [5, 0, 5, 0, 5][i]) < 1e-12));
  });

  test('matches the reference table for 30° and 60° curtains', () => {
    const speeds = f64([5, 5, 5, 5, 5]);
    const dirs = f64([0, 90, 180, 270, 360]);
    assert.deepEqual(Array.from(normalWind(speeds, dirs, 30).winddirRel), [60, 30, 60, 30, 60]);
    assert.deepEqual(Array.from(normalWind(speeds, dirs, 60).winddirRel), [30, 60, 30, 60, 30]);
  });
});

describe('Simpson integration', () => {
  test('is exact for cubics with an odd sample count', () => {
    const y = Array.from({ length: 9 }, (_, k) => k ** 3);
    assert.ok(Math.abs(simpsonUnit(y) - 8 ** 4 / 4) < 1e-9);
  });

  test('uses the Cartwright correction for an even sample count (scipy ≥ 1.11), exact for quadratics', () => {
    const y = Array.from({ length: 10 }, (_, k) => 3 * k * k - 2 * k);
    assert.ok(Math.abs(simpsonUnit(y) - (9 ** 3 - 81)) < 1e-9);
  });

  test('integrates a grid with NaN nodes counted as zero', () => {
    const field = new Float64Array(12).fill(1);
    field[5] = NaN;
    const all = integrateGrid(new Float64Array(12).fill(1), 4, 3, 2, 3);
    assert.ok(Math.abs(all - 3 * 2 * 2 * 3) < 1e-12);
    assert.ok(integrateGrid(field, 4, 3, 2, 3) < all);
  });
});

describe('fastchrom building blocks', () => {
  test('peak segments widen interior runs to the surrounding background points and keep the edges', () => {
    assert.deepEqual(peakSegments(u8([1, 1, 0, 0, 1, 1])), { starts: [1], ends: [4] });
    assert.deepEqual(peakSegments(u8([0, 0, 1, 1, 0])), { starts: [0, 3], ends: [2, 4] });
  });

  test('mask refinement drops isolated interior background points and fills single gaps', () => {
    assert.deepEqual(Array.from(refineMask(u8([1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1]), 2)), [1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // An isolated background point at an edge survives: the padding extends its run.
    assert.deepEqual(Array.from(refineMask(u8([1, 0, 0, 1, 1]), 2)), [1, 0, 0, 1, 1]);
  });

  test('averaged interpolation bridges a peak between window means and leaves the end points raw', () => {
    const y = f64([1, 1, 1, 9, 9, 1, 1, 1]);
    const mask = u8([1, 1, 1, 0, 0, 1, 1, 1]);
    const narrow = averagedInterp(y, mask, 0);
    assert.deepEqual(Array.from(narrow), [1, 1, 1, 1, 1, 1, 1, 1]);
    // The window means around the segment ends include the first peak points, as in pybaselines.
    const wide = averagedInterp(y, mask, 1);
    assert.equal(wide[2], 1);
    assert.equal(wide[5], 1);
    assert.ok(Math.abs(wide[3] - 11 / 3) < 1e-12 && Math.abs(wide[4] - 11 / 3) < 1e-12);
  });
});

describe('density', () => {
  test('gasflux-0.2.2 mode reproduces the reference densities at 10 °C and 1000 hPa', () => {
    const vm = molarVolume(10, 1000, 'gasflux-0.2.2');
    assert.ok(Math.abs(gasDensity(16.042504, vm) / 0.3468397873202166 - 1) < 1e-13);
    assert.ok(Math.abs(gasDensity(44.00955, vm) / 0.9514888051178565 - 1) < 1e-13);
  });

  test('corrected mode uses the ideal-gas law: methane is 0.6814 kg/m³ at 10 °C and 1000 hPa', () => {
    const rho = gasDensity(16.042504, molarVolume(10, 1000, 'corrected'));
    const ideal = (1000e2 * 16.042504e-3) / (8.314462618 * 283.15);
    assert.ok(Math.abs(rho / ideal - 1) < 1e-6);
  });
});

describe('UTM zone', () => {
  test('a longitude on a zone edge goes west and the equator counts as north', () => {
    assert.deepEqual(utmZoneForBounds(f64([0, 0]), f64([12, 12])), { zone: 32, south: false, epsg: 32632 });
    assert.equal(utmZoneForBounds(f64([-1, -2]), f64([15, 15.1])).epsg, 32733);
  });
});

describe('statistics', () => {
  test('the circular std of directions around north is small, not 180°', () => {
    assert.ok(circularStd(f64([350, 10, 355, 5])) < 10);
  });
});

function randomCurtain(count: number, seed: number) {
  const random = mulberry32(seed);
  const x = new Float64Array(count);
  const h = new Float64Array(count);
  const z = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    x[i] = random() * 300;
    h[i] = Math.floor(random() * 6) * 7 + random() * 2;
    z[i] = Math.sin(x[i] / 40) + random();
  }
  return { x, h, z };
}

/** The template's variogram settings (spherical, Cressie, 20 lags to 100 m, ±5°, 20 m band) with overrides. */
const settings = (overrides: Partial<SemivariogramSettings> = {}): SemivariogramSettings => ({
  ...DEFAULT_CONFIG.semivariogram_settings,
  ...overrides,
});

/** Every pair, the reference way: the oracle for the sparse enumeration. */
function bruteForceVariogram(x: Float64Array, h: Float64Array, z: Float64Array, s: SemivariogramSettings) {
  const pairs: { d: number; v: number }[] = [];
  let maxAll = 0;
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) maxAll = Math.max(maxAll, Math.hypot(x[i] - x[j], h[i] - h[j]));
  const bw = s.bandwidth <= maxAll ? s.bandwidth : 0;
  const az = (s.azimuth * Math.PI) / 180;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[i] - x[j];
      const dy = h[i] - h[j];
      const d = Math.sqrt(dx * dx + dy * dy);
      if (!(d > 0)) continue;
      let theta = Math.acos(dx / d);
      if (dy < 0) theta = -theta;
      let a = Math.abs(theta + az);
      const shifted = a;
      if (a > Math.PI) a -= Math.PI;
      if (a > Math.PI / 2) a = Math.PI - a;
      if (a <= ((s.tolerance / 2) * Math.PI) / 180 && bw / 2 >= Math.abs(d * Math.sin(shifted))) pairs.push({ d, v: Math.abs(z[i] - z[j]) });
    }
  }
  const maxDirectional = Math.max(...pairs.map((p) => p.d));
  const lag = s.maxlag <= maxDirectional ? s.maxlag : maxDirectional;
  const edges = Array.from({ length: s.n_lags }, (_, k) => (k === s.n_lags - 1 ? lag : ((k + 1) * lag) / s.n_lags));
  const counts = new Array(s.n_lags).fill(0);
  for (const { d } of pairs) {
    const k = edges.findIndex((e) => d < e);
    if (k >= 0) counts[k] += 1;
  }
  return { counts, lag };
}

describe('directional variogram', () => {
  for (const [name, overrides] of [
    ['default settings', {}],
    ['a 30° azimuth', { azimuth: 30 }],
    ['a maxlag beyond every directional pair', { maxlag: 5000 }],
    ['a wide tolerance and narrow band', { tolerance: 40, bandwidth: 4 }],
  ] as const) {
    test(`the sparse pair search finds exactly the pairs of an all-pairs search (${name})`, () => {
      const { x, h, z } = randomCurtain(700, 3);
      const s = settings(overrides);
      const sparse = experimentalVariogram(x, h, z, s);
      const brute = bruteForceVariogram(x, h, z, s);
      assert.deepEqual(Array.from(sparse.pairCounts), brute.counts);
      assert.ok(Math.abs(sparse.maxLag - brute.lag) < 1e-9);
    });
  }

  test('examines only pairs inside the band and the lag, never all pairs', () => {
    // 12 transects 11 m apart (beyond the ±10 m band), 1,500 points each: 161 million pairs in all.
    const perTransect = 1500;
    const count = 12 * perTransect;
    const x = new Float64Array(count);
    const h = new Float64Array(count);
    const z = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      x[i] = (i % perTransect) * (1000 / perTransect);
      h[i] = Math.floor(i / perTransect) * 11;
      z[i] = Math.sin(x[i] / 50) * (1 + h[i] / 100);
    }
    const result = experimentalVariogram(x, h, z, settings());
    // Within one transect, pairs closer than 100 m along it: about 1,500 × 150 per transect.
    const withinLag = 12 * perTransect * Math.ceil(100 / (1000 / perTransect));
    assert.ok(result.pairsExamined <= 2 * withinLag, `${result.pairsExamined} candidate pairs examined`);
    assert.ok(result.pairsUsed > 0.9 * withinLag);
  });

  test('the largest pair distance comes from the convex hull and equals the all-pairs maximum', () => {
    const { x, h } = randomCurtain(400, 9);
    let best = 0;
    for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) best = Math.max(best, Math.hypot(x[i] - x[j], h[i] - h[j]));
    assert.equal(diameter(x, h), best);
  });
});

describe('kriging neighbour search', () => {
  test('the grid index returns the same k nearest points, ties to the lower index, as a full sort', () => {
    const { x, h } = randomCurtain(2000, 5);
    for (let i = 0; i < 50; i++) {
      x[1000 + i] = Math.round(x[1000 + i] / 10) * 10; // exact ties on a lattice
      h[1000 + i] = 14;
    }
    const xs = Float64Array.from({ length: 15 }, (_, i) => -20 + i * 24);
    const ys = Float64Array.from({ length: 8 }, (_, j) => -5 + j * 7);
    const grid = { nx: 15, ny: 8, xs, ys, xMin: -20, xMax: 316, yMin: -5, yMax: 44, xCellSize: 1, yCellSize: 1 };
    const k = 37;
    const table = nearestNeighbours(x, h, grid, k);
    for (let node = 0; node < grid.nx * grid.ny; node++) {
      const gx = xs[Math.floor(node / grid.ny)];
      const gy = ys[node % grid.ny];
      const expected = Array.from(x, (_, i) => i)
        .sort((a, b) => Math.hypot(x[a] - gx, h[a] - gy) - Math.hypot(x[b] - gx, h[b] - gy) || a - b)
        .slice(0, k);
      assert.deepEqual(Array.from(table.indices.subarray(node * k, node * k + k)), expected);
    }
  });
});

describe('Levenberg–Marquardt', () => {
  test('fits an exponential decay to noise-free data and reports convergence', () => {
    const ts = Array.from({ length: 12 }, (_, i) => i * 0.5);
    const ys = ts.map((t) => 3 * Math.exp(-0.7 * t));
    const fit = levenbergMarquardt(([a, b]) => ts.map((t, i) => a * Math.exp(-b * t) - ys[i]), [1, 0.1]);
    assert.ok(fit.converged);
    assert.ok(Math.abs(fit.x[0] - 3) < 1e-6 && Math.abs(fit.x[1] - 0.7) < 1e-6);
  });

  test('minimises the Rosenbrock function from the classic start', () => {
    const fit = levenbergMarquardt(([a, b]) => [10 * (b - a * a), 1 - a], [-1.2, 1]);
    assert.ok(fit.converged);
    assert.ok(Math.abs(fit.x[0] - 1) < 1e-6 && Math.abs(fit.x[1] - 1) < 1e-6);
  });
});
