import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as XLSX from 'xlsx';
import type { RawTable } from '../../src/gasflux/table.js';
import {
  localFromLatLon,
  molarVolume,
  plumeConcentration,
  syntheticFlight,
  type StabilityClass,
  type SyntheticFlightOptions,
  type SyntheticFlightTruth,
} from '../helpers/synthetic-flight.js';
import { tableToAoa, tableToCsv, writeTableFile } from '../helpers/table-files.js';

XLSX.set_fs(fs);

const num = (table: RawTable, column: string): number[] => table.cells[column] as number[];

function angdist(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return Math.min(d, 360 - d);
}

/** Course azimuth per row (compass degrees; NaN for row 0), from lat/lon through a local tangent plane. */
function courseAzimuths(table: RawTable, truth: SyntheticFlightTruth): number[] {
  const lat = num(table, 'latitude');
  const lon = num(table, 'longitude');
  const az = [NaN];
  let prev = localFromLatLon(truth.source, lat[0], lon[0]);
  for (let i = 1; i < table.rowCount; i++) {
    const p = localFromLatLon(truth.source, lat[i], lon[i]);
    const a = (Math.atan2(p.east - prev.east, p.north - prev.north) * 180) / Math.PI;
    az.push(((a % 360) + 360) % 360);
    prev = p;
  }
  return az;
}

/** The pipeline's transect numbering (spec §4.5.1: threshold 150°, shift 3), restated independently. */
function detectTransects(az: number[]): number[] {
  const n = az.length;
  const flag = az.map((a, i) => {
    if (i < 3 || Number.isNaN(a) || Number.isNaN(az[i - 3])) return 0;
    return angdist(a, az[i - 3]) > 150 ? 1 : 0;
  });
  for (let i = 1; i < n; i++) {
    if (flag[i] === 1 && (flag[i - 1] === 1 || (i >= 2 && flag[i - 2] === 1))) flag[i] = 0;
  }
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (i < n - 3) sum += flag[i + 3];
    out.push(1 + sum);
  }
  return out;
}

/** Signed distance along the curtain from its centre, from the table's lat/lon alone. */
function alongCurtainFromTable(table: RawTable, truth: SyntheticFlightTruth): number[] {
  const c = localFromLatLon(truth.source, truth.curtain.centre.latitude, truth.curtain.centre.longitude);
  const b = (truth.curtain.bearing * Math.PI) / 180;
  const lat = num(table, 'latitude');
  const lon = num(table, 'longitude');
  return lat.map((la, i) => {
    const p = localFromLatLon(truth.source, la, lon[i]);
    return (p.east - c.east) * Math.sin(b) + (p.north - c.north) * Math.cos(b);
  });
}

test('the plume integrates to the emission rate over the curtain plane within 1 % for several stabilities and winds', () => {
  const stabilities: StabilityClass[] = ['A', 'B', 'C', 'D', 'E', 'F'];
  for (const dispersion of ['rural', 'urban'] as const) {
    for (const stability of stabilities) {
      for (const [windSpeed, distance] of [[2, 300], [5, 150], [10, 800]]) {
        const { truth } = syntheticFlight({ stability, dispersion, windSpeed, distance, emissions: { ch4: 7, co2: 250, c2h6: 0.3 } });
        for (const g of truth.gases) {
          const q = truth.emissionRatesKgH[g];
          const where = `${dispersion} ${stability} U=${windSpeed} D=${distance} ${g}`;
          assert.ok(Math.abs(truth.fluxThroughCurtainKgH[g] / q - 1) < 0.01, `${where}: ${truth.fluxThroughCurtainKgH[g]} vs ${q}`);
          assert.equal(truth.measuredWindFluxKgH[g], truth.fluxThroughCurtainKgH[g], `${where}: uniform profile`);
        }
        // An independent check with a plain midpoint rule on a different box, through the ppm conversion.
        const { sigmaY: sy, sigmaZ: sz } = truth;
        const qKgS = truth.emissionRatesKgH.ch4 / 3600;
        const ny = 300;
        const nz = 300;
        const y0 = -8 * sy;
        const dy = (16 * sy) / ny;
        const dz = (truth.source.height + 8 * sz) / nz;
        let sum = 0;
        for (let i = 0; i < ny; i++) {
          for (let j = 0; j < nz; j++) {
            const c = plumeConcentration(qKgS, windSpeed, sy, sz, y0 + (i + 0.5) * dy, (j + 0.5) * dz, truth.source.height);
            const ppm = (c / truth.density.ch4) * 1e6;
            sum += ppm * 1e-6 * truth.density.ch4 * windSpeed * dy * dz;
          }
        }
        assert.ok(Math.abs((sum * 3600) / truth.emissionRatesKgH.ch4 - 1) < 0.01, `midpoint rule ${stability}: ${sum * 3600}`);
      }
    }
  }
});

test('the ppm conversion uses the ideal-gas molar volume at the flight temperature and pressure', () => {
  const { truth } = syntheticFlight({ temperature: 25, pressure: 950 });
  const vm = 0.022413969545014 * (1013.25 / 950) * ((25 + 273.15) / 273.15);
  assert.ok(Math.abs(truth.molarVolume / vm - 1) < 1e-14);
  assert.equal(molarVolume(25, 950), truth.molarVolume);
  assert.ok(Math.abs(truth.density.ch4 - 16.042504 / 1000 / vm) < 1e-15);
  assert.ok(Math.abs(truth.density.co2 - 44.00955 / 1000 / vm) < 1e-15);
  assert.ok(Math.abs(truth.density.c2h6 - 30.069126 / 1000 / vm) < 1e-15);
  assert.ok(Math.abs(truth.gasflux022Factor - (25 + 273.15) / (25 + 546.3)) < 1e-15);
});

test('the generated flight has the requested number of transects with sharp reversals', () => {
  const cases: SyntheticFlightOptions[] = [
    {},
    { transects: 10 },
    { transects: 14, windDirection: 0 },
    { windDirection: 90, descending: true },
    { rows: 1000 },
    { rows: 10_000, windDirection: 300 },
    { rows: 100_000 },
    { stability: 'B', seed: 9 },
    { windDirection: 180, transects: 11, sampleRateHz: 10, rows: 5500 },
  ];
  for (const options of cases) {
    const { table, truth } = syntheticFlight(options);
    const label = JSON.stringify(options);
    if (options.transects !== undefined) assert.equal(truth.curtain.transects, options.transects, label);
    if (options.rows !== undefined) assert.equal(table.rowCount, options.rows, label);
    assert.ok(truth.curtain.transects >= 10, label);
    assert.ok(truth.curtain.verticalSpacing <= 10 + 1e-9, `${label}: spacing ${truth.curtain.verticalSpacing}`);

    const az = courseAzimuths(table, truth);
    const numbers = detectTransects(az);
    assert.equal(numbers.at(-1), truth.curtain.transects, `${label}: detected transects`);
    // The detector puts each boundary 2 rows before the generator's first sample of the new transect.
    const detectedStarts = numbers.flatMap((t, i) => (i > 0 && t !== numbers[i - 1] ? [i] : []));
    assert.deepEqual(detectedStarts, truth.sampling.transectStartRows.slice(1).map((r) => r - 2), label);

    // Each reversal is a clean 180° turn, and the heading is constant along every transect (no curved turns).
    for (let k = 0; k < truth.curtain.transects; k++) {
      const start = truth.sampling.transectStartRows[k];
      const end = start + truth.sampling.samplesPerTransect[k];
      const heading = az[start + 2];
      for (let i = start + 2; i < end; i++) assert.ok(angdist(az[i], heading) < 0.01, `${label}: transect ${k + 1} row ${i}`);
      if (k > 0) assert.ok(angdist(az[start + 1], az[start - 1]) > 179.9, `${label}: reversal at ${start}`);
      // The transect line runs along the curtain bearing.
      assert.ok(angdist(heading % 180, truth.curtain.planeAngle) < 0.05, `${label}: heading ${heading}`);
    }
    // Transect heights rise (or fall) monotonically, so the pipeline keeps every transect.
    const h = num(table, 'height_ato');
    const levels = truth.sampling.transectStartRows.map((start) => h[start + 1]);
    const sorted = [...levels].sort((a, b) => (options.descending ? b - a : a - b));
    assert.deepEqual(levels, sorted, label);
  }
});

test('the enhancement peak lies on the plume centreline at the lowest transect', () => {
  for (const options of [{}, { curtainOffset: 40 }, { stability: 'C' as const, windDirection: 10, seed: 4 }, { rows: 10_000 }]) {
    const { table, truth } = syntheticFlight(options);
    const centre = localFromLatLon(truth.source, truth.curtain.plumeCentre.latitude, truth.curtain.plumeCentre.longitude);
    const lat = num(table, 'latitude');
    const lon = num(table, 'longitude');
    const h = num(table, 'height_ato');
    for (const g of truth.gases) {
      const ppm = num(table, g);
      let best = 0;
      for (let i = 1; i < table.rowCount; i++) if (ppm[i] > ppm[best]) best = i;
      const p = localFromLatLon(truth.source, lat[best], lon[best]);
      const offCentre = Math.hypot(p.east - centre.east, p.north - centre.north);
      const label = `${JSON.stringify(options)} ${g}`;
      assert.ok(offCentre < 0.5 * truth.sigmaY, `${label}: peak ${offCentre.toFixed(1)} m off the centreline`);
      assert.ok(h[best] <= truth.curtain.heightsAto[1] + 1e-9, `${label}: peak at ${h[best]} m`);
      const enhancement = ppm[best] - truth.samples.backgroundPpm[g][best];
      assert.ok(Math.abs(enhancement / truth.peakEnhancementPpm[g] - 1) < 0.1, `${label}: peak ${enhancement} vs ${truth.peakEnhancementPpm[g]}`);
    }
    // Far from the plume the gas is at background.
    const s = alongCurtainFromTable(table, truth);
    for (let i = 0; i < table.rowCount; i++) {
      const y = s[i] + truth.curtain.offset;
      if (Math.abs(y) > 5 * truth.sigmaY) assert.ok(truth.samples.enhancementPpm.ch4[i] < 1e-4);
    }
  }
});

test('the same seed gives identical tables and a different seed gives different ones', () => {
  const a = syntheticFlight({ seed: 42 });
  const b = syntheticFlight({ seed: 42 });
  const c = syntheticFlight({ seed: 43 });
  assert.deepEqual(a.table, b.table);
  assert.deepEqual(a.truth, b.truth);
  assert.notDeepEqual(a.table, c.table);
  // The geometry does not depend on the seed; the noisy columns do.
  for (const col of ['timestamp', 'latitude', 'longitude', 'height_ato', 'height_agl']) {
    assert.deepEqual(a.table.cells[col], c.table.cells[col], col);
  }
  for (const col of ['windspeed', 'winddir', 'temperature', 'pressure', 'ch4', 'co2', 'c2h6']) {
    const x = num(a.table, col);
    const y = num(c.table, col);
    assert.ok(x.filter((v, i) => v !== y[i]).length > 0.99 * x.length, col);
  }
  // Noise streams are per quantity: dropping a gas leaves the others' values untouched.
  const ch4Only = syntheticFlight({ seed: 42, gases: ['ch4'] });
  assert.deepEqual(ch4Only.table.cells.ch4, a.table.cells.ch4);
  assert.deepEqual(ch4Only.table.columns, ['timestamp', 'latitude', 'longitude', 'height_ato', 'height_agl', 'windspeed', 'winddir', 'temperature', 'pressure', 'ch4']);
});

test('columns and values fall within the gasflux default validation ranges', () => {
  const ranges: Record<string, [number, number]> = {
    latitude: [-90, 90],
    longitude: [-180, 180],
    height_ato: [-200, 500],
    windspeed: [0, 50],
    winddir: [0, 360],
    temperature: [-50, 60],
    pressure: [900, 1100],
    ch4: [1.5, 500],
    co2: [300, 5000],
    c2h6: [-0.5, 10],
  };
  const cases: SyntheticFlightOptions[] = [
    {},
    { rows: 100_000 },
    { stability: 'A', windSpeed: 10 },
    { stability: 'F', windSpeed: 1.5, distance: 200 },
    { windDirection: 359.9, windDirectionStd: 20, seed: 3 },
    { latitude: -33.9, longitude: 151.2, groundSlope: 0.05 },
  ];
  for (const options of cases) {
    const { table } = syntheticFlight(options);
    const label = JSON.stringify(options);
    assert.deepEqual(table.columns, ['timestamp', 'latitude', 'longitude', 'height_ato', 'height_agl', 'windspeed', 'winddir', 'temperature', 'pressure', 'ch4', 'co2', 'c2h6'], label);
    assert.equal(table.firstDataRow, 2);
    for (const col of table.columns) assert.equal(table.cells[col].length, table.rowCount, `${label} ${col}`);
    const stampPattern = options.rows === 100_000 ? /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/ : /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
    for (const t of table.cells.timestamp) assert.match(t as string, stampPattern);
    for (const [col, [lo, hi]] of Object.entries(ranges)) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of table.cells[col]) {
        assert.equal(typeof v, 'number', `${label} ${col}`);
        assert.ok(Number.isFinite(v), `${label} ${col}`);
        min = Math.min(min, v as number);
        max = Math.max(max, v as number);
      }
      assert.ok(min >= lo && max <= hi, `${label} ${col}: [${min}, ${max}] outside [${lo}, ${hi}]`);
    }
    // Not every value looks like an integer (the reference rejects integer-typed columns).
    for (const col of ['height_ato', 'pressure', 'temperature']) {
      assert.ok(num(table, col).some((v) => !Number.isInteger(v)), `${label} ${col}`);
    }
  }
  assert.equal(syntheticFlight({ includeHeightAgl: false }).table.columns.includes('height_agl'), false);
});

test('height_agl follows a sloped ground and a wind profile changes only the reported wind', () => {
  const slope = 0.05;
  const { table, truth } = syntheticFlight({ groundSlope: slope });
  const s = alongCurtainFromTable(table, truth);
  const ato = num(table, 'height_ato');
  const agl = num(table, 'height_agl');
  for (let i = 0; i < table.rowCount; i++) {
    assert.ok(Math.abs(agl[i] - (ato[i] - slope * s[i])) < 1e-6);
    assert.ok(agl[i] >= 3 - 1e-6, `row ${i} at ${agl[i]} m agl`);
  }
  const flat = syntheticFlight({});
  const power = syntheticFlight({ windProfile: 'power' });
  assert.deepEqual(power.table.cells.ch4, flat.table.cells.ch4);
  const meanWind = (t: RawTable, k: number, truthK: SyntheticFlightTruth) => {
    const start = truthK.sampling.transectStartRows[k];
    const w = num(t, 'windspeed').slice(start, start + truthK.sampling.samplesPerTransect[k]);
    return w.reduce((a, b) => a + b, 0) / w.length;
  };
  assert.ok(meanWind(power.table, 0, power.truth) < 0.9 * flat.truth.wind.speed);
  assert.ok(meanWind(power.table, 11, power.truth) > 1.1 * flat.truth.wind.speed);
  assert.ok(Math.abs(power.truth.measuredWindFluxKgH.ch4 / power.truth.emissionRatesKgH.ch4 - 1) > 0.02);
});

test('a simple mass balance of the sampled curtain recovers the emission rate', () => {
  // Trapezoids along each transect and between transect heights, the lowest transect's value held down to the
  // ground, with the measured wind's normal component and the true background: a well-posed curtain gives Q.
  const cases: SyntheticFlightOptions[] = [
    {},
    { rows: 1000 },
    { stability: 'B', windSpeed: 3 },
    { rows: 10_000, seed: 5 },
    { distance: 500, windDirection: 100 },
    { stability: 'F', distance: 1000 },
    { noiseScale: 0 },
    { noiseScale: 0, stability: 'A', rows: 5000 },
  ];
  for (const options of cases) {
    const { table, truth } = syntheticFlight(options);
    const s = alongCurtainFromTable(table, truth);
    const T = num(table, 'temperature').reduce((a, b) => a + b, 0) / table.rowCount;
    const P = num(table, 'pressure').reduce((a, b) => a + b, 0) / table.rowCount;
    const vm = molarVolume(T, P);
    const ws = num(table, 'windspeed');
    const wd = num(table, 'winddir');
    for (const g of truth.gases) {
      const rho = ({ ch4: 16.042504, co2: 44.00955, c2h6: 30.069126 } as Record<string, number>)[g] / 1000 / vm;
      const ppm = num(table, g);
      const perTransect = truth.sampling.transectStartRows.map((start, k) => {
        const idx = Array.from({ length: truth.sampling.samplesPerTransect[k] }, (_, j) => start + j).sort((a, b) => s[a] - s[b]);
        const f = idx.map((i) => (ppm[i] - truth.samples.backgroundPpm[g][i]) * 1e-6 * rho * ws[i] * Math.abs(Math.sin(((wd[i] - truth.curtain.planeAngle) * Math.PI) / 180)));
        let sum = 0;
        for (let j = 1; j < idx.length; j++) sum += 0.5 * (f[j] + f[j - 1]) * (s[idx[j]] - s[idx[j - 1]]);
        return sum;
      });
      const hs = truth.curtain.heightsAto;
      const order = hs.map((_, k) => k).sort((a, b) => hs[a] - hs[b]);
      let total = perTransect[order[0]] * hs[order[0]];
      for (let j = 1; j < order.length; j++) {
        total += 0.5 * (perTransect[order[j]] + perTransect[order[j - 1]]) * (hs[order[j]] - hs[order[j - 1]]);
      }
      const rate = total * 3600;
      const q = truth.emissionRatesKgH[g];
      // The spread comes from the 10 % per-sample wind noise and the sensor noise (ch4 has the best SNR).
      const tolerance = options.noiseScale === 0 ? 0.01 : g === 'ch4' ? 0.05 : 0.08;
      assert.ok(Math.abs(rate / q - 1) < tolerance, `${JSON.stringify(options)} ${g}: ${rate} vs ${q}`);
    }
  }
});

test('writeTableFile round-trips .csv, .xlsx and .xls', () => {
  const { table } = syntheticFlight({ seed: 7 });
  const dir = mkdtempSync(join(tmpdir(), 'synthetic-flight-'));
  try {
    const expected = tableToAoa(table);
    for (const ext of ['xlsx', 'xls']) {
      const path = join(dir, `flight.${ext}`);
      writeTableFile(table, path);
      const book = XLSX.readFile(path);
      const sheet = book.Sheets[book.SheetNames[0]];
      const rows = XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: true, defval: null });
      assert.deepEqual(rows, expected, ext);
    }
    const csvPath = join(dir, 'flight.csv');
    writeTableFile(table, csvPath);
    const text = readFileSync(csvPath, 'utf8');
    assert.equal(text, tableToCsv(table));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, table.rowCount + 1);
    assert.equal(lines[0], table.columns.join(','));
    for (let r = 0; r < table.rowCount; r++) {
      const fields = lines[r + 1].split(',');
      table.columns.forEach((c, j) => {
        const v = table.cells[c][r];
        assert.equal(typeof v === 'number' ? Number(fields[j]) : fields[j], v);
      });
    }
    assert.throws(() => writeTableFile(table, join(dir, 'flight.ods')), /unsupported extension/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
