import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  directionSector, SECTOR_NAMES, SPEED_EDGES, speedClass, speedClassLabel, windroseBins,
} from '../../src/gasflux/report/figures/windrose.js';
import { contourLevels, makeFieldSampler } from '../../src/gasflux/report/figures/contour.js';
import { rollingCircularMean, rollingMean } from '../../src/gasflux/report/figures/wind-series.js';
import { rawGasRange } from '../../src/gasflux/report/figures/background.js';
import { makeTimeAxis, parseWallClock } from '../../src/gasflux/report/figures/common.js';
import { indicesWhere, minMaxDecimate, scatterDecimate } from '../../src/gasflux/report/decimate.js';
import { diverging, divergingT, viridis } from '../../src/gasflux/report/colour-scale.js';
import { escapeHtml, niceTicks, tickLabel } from '../../src/gasflux/report/svg.js';
import { formatFlux } from '../../src/gasflux/report/render-report.js';

const sectorName = (deg: number) => SECTOR_NAMES[directionSector(deg)] ?? 'outside';

describe('windrose binning', () => {
  test('sectors are 22.5° wide and centred on N, with edges at ±11.25°', () => {
    assert.equal(sectorName(0), 'N');
    assert.equal(sectorName(11.24), 'N');
    assert.equal(sectorName(11.25), 'NNE');
    assert.equal(sectorName(22.5), 'NNE');
    assert.equal(sectorName(33.75), 'NE');
    assert.equal(sectorName(90), 'E');
    assert.equal(sectorName(191.25), 'SSW');
    assert.equal(sectorName(348.74), 'NNW');
    assert.equal(sectorName(348.75), 'N');
    assert.equal(sectorName(359.99), 'N');
  });

  test('360° counts as north (a documented departure: the reference leaves it outside every sector)', () => {
    assert.equal(sectorName(360), 'N');
    assert.equal(sectorName(-5), 'N');
    assert.equal(sectorName(725), 'N');
  });

  test('non-finite directions fall outside every sector', () => {
    assert.equal(directionSector(NaN), -1);
    assert.equal(directionSector(Infinity), -1);
  });

  test('speed classes are left-closed on the 13 Beaufort-like edges, and 200 m/s or more is out', () => {
    assert.deepEqual([...SPEED_EDGES], [0, 1, 2, 4, 6, 9, 11, 14, 17, 21, 25, 29, 33, 200]);
    assert.equal(speedClass(0), 0);
    assert.equal(speedClass(0.999), 0);
    assert.equal(speedClass(1), 1);
    assert.equal(speedClass(3.99), 2);
    assert.equal(speedClass(4), 3);
    assert.equal(speedClass(33), 12);
    assert.equal(speedClass(199.9), 12);
    assert.equal(speedClass(200), -1);
    assert.equal(speedClass(-0.1), -1);
    assert.equal(speedClass(NaN), -1);
    assert.equal(speedClassLabel(3), '4–6 m/s');
  });

  test('bar lengths are percentages of the binned samples and stack to 100', () => {
    const speed = [0.5, 1.5, 5, 5, 40, NaN, 3, 250];
    const dir = [0, 11.25, 90, 95, 180, 10, NaN, 0];
    const bins = windroseBins(speed, dir);
    assert.equal(bins.binned, 5);
    assert.equal(bins.skipped, 3);
    assert.equal(bins.counts[0][0], 1);
    assert.equal(bins.counts[1][1], 1);
    assert.equal(bins.counts[4][3], 2);
    assert.equal(bins.counts[8][12], 1);
    assert.equal(bins.percent[4][3], 40);
    const total = bins.percent.flat().reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 100) < 1e-9);
  });
});

describe('contour helpers', () => {
  test('there are 21 levels from the field minimum to its maximum', () => {
    const levels = contourLevels(-1, 3);
    assert.equal(levels.length, 21);
    assert.equal(levels[0], -1);
    assert.equal(levels[20], 3);
    assert.ok(Math.abs(levels[10] - 1) < 1e-12);
  });

  test('the field is sampled bilinearly with j (height) fastest, and NaN nodes stay holes', () => {
    const xs = Float64Array.from([0, 10]);
    const ys = Float64Array.from([0, 1, 2]);
    // field[i*ny + j] = 100*i + j
    const field = Float64Array.from([0, 1, 2, 100, 101, 102]);
    const sample = makeFieldSampler({ xs, ys, field, ground: null });
    assert.equal(sample(0, 0), 0);
    assert.equal(sample(10, 2), 102);
    assert.ok(Math.abs(sample(5, 1.5) - 51.5) < 1e-12);
    assert.ok(Number.isNaN(sample(11, 0)));
    const holey = Float64Array.from([NaN, 1, 2, 100, 101, 102]);
    const s2 = makeFieldSampler({ xs, ys, field: holey, ground: null });
    assert.ok(Number.isNaN(s2(1, 0.1)));
    assert.equal(s2(9, 0.1), 100);
  });
});

describe('decimation', () => {
  test('min/max decimation keeps the global extremes and a gap marker, in row order', () => {
    const n = 100_000;
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50));
    y[12345] = 99;
    y[54321] = -99;
    y[70000] = NaN;
    const idx = minMaxDecimate(y, 4000);
    assert.ok(idx.length <= 4000 + 2000);
    assert.ok(idx.includes(12345) && idx.includes(54321) && idx.includes(70000));
    for (let k = 1; k < idx.length; k++) assert.ok(idx[k] > idx[k - 1]);
    assert.equal(minMaxDecimate(y.subarray(0, 100), 4000).length, 100);
  });

  test('scatter decimation keeps the highest-priority points and stays within the budget', () => {
    const n = 50_000;
    const v = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
    v[777] = 5000;
    const idx = scatterDecimate(indicesWhere(n), 4000, (i) => v[i]);
    assert.equal(idx.length, 4000);
    assert.ok(idx.includes(777));
  });
});

describe('series helpers', () => {
  test('rolling means trail over 5 samples and are NaN until the window is full', () => {
    const m = rollingMean([1, 2, 3, 4, 5, 6, NaN, 8, 9, 10, 11, 12]);
    assert.ok(Number.isNaN(m[3]));
    assert.equal(m[4], 3);
    assert.equal(m[5], 4);
    assert.ok(Number.isNaN(m[6]) && Number.isNaN(m[10]));
    assert.equal(m[11], 10);
  });

  test('the direction mean is taken on the circle', () => {
    const m = rollingCircularMean([358, 359, 0, 1, 2]);
    assert.ok(Math.abs(m[4] - 0) < 1e-9 || Math.abs(m[4] - 360) < 1e-9);
    const e = rollingCircularMean([80, 85, 90, 95, 100]);
    assert.ok(Math.abs(e[4] - 90) < 1e-9);
  });

  test('the raw gas axis spans 0.95·min to 1.05·max', () => {
    const [a, b] = rawGasRange(1.9, 2.8);
    assert.ok(Math.abs(a - 1.805) < 1e-12 && Math.abs(b - 2.94) < 1e-12);
    const [c, d] = rawGasRange(-2, 4);
    assert.ok(c < -2 && d > 4);
  });

  test('timestamps are read as the wall clock written in the file, whatever the zone suffix', () => {
    assert.equal(parseWallClock('2022-09-26 02:03:00'), Date.UTC(2022, 8, 26, 2, 3, 0));
    assert.equal(parseWallClock('2022-09-26T02:03:00.5+02:00'), Date.UTC(2022, 8, 26, 2, 3, 0, 500));
    assert.ok(Number.isNaN(parseWallClock('26/09/2022 02:03')));
    assert.equal(makeTimeAxis(['2022-09-26 02:03:00', 'garbage'], 2).kind, 'row');
    const axis = makeTimeAxis(['2022-09-26 02:03:00', '2022-09-26 02:13:00'], 2);
    assert.equal(axis.kind, 'time');
    const ticks = axis.ticks(axis.x[0], axis.x[1], 6);
    assert.equal(axis.tickLabel(ticks[0], ticks), '02:04');
  });
});

describe('formatting and colours', () => {
  test('the flux is written with three decimals in kg h⁻¹', () => {
    assert.equal(formatFlux(901.05843), '901.058 kg h⁻¹');
    assert.equal(formatFlux(0), '0.000 kg h⁻¹');
    assert.equal(formatFlux(NaN), 'n/a kg h⁻¹');
  });

  test('escaping covers the five HTML metacharacters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  test('colour maps return hex colours, and the diverging map is neutral at zero', () => {
    assert.equal(viridis(0), '#440154');
    assert.equal(viridis(1), '#fde725');
    assert.match(viridis(0.37), /^#[0-9a-f]{6}$/);
    assert.equal(diverging(divergingT(-1, 3)(0)), '#f7f7f7');
    assert.equal(viridis(NaN), '#440154');
  });

  test('nice ticks are round numbers and their labels carry no float noise', () => {
    const t = niceTicks(0.1, 0.7, 6);
    assert.deepEqual(t, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    assert.equal(tickLabel(0.3, t), '0.3');
    assert.deepEqual(niceTicks(526300, 526400, 3), [526300, 526350, 526400]);
  });
});
