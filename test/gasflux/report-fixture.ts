// A synthetic, deterministic ReportInput for the report tests: a drone flying transects back and forth along a
// curtain, climbing between passes, through a Gaussian plume, with wandering wind. Not a test file itself.

import type { ReportInput } from '../../src/gasflux/report/report-input.js';

import { mulberry32 as random } from '../helpers/synthetic-flight.js';

function two(n: number): string {
  return String(n).padStart(2, '0');
}

export interface FixtureOptions {
  gas?: string;
  warnings?: string[];
  fileName?: string;
  allNaNField?: boolean;
  ground?: boolean;
  timestamps?: boolean;
}

export function syntheticReportInput(rows = 1000, opt: FixtureOptions = {}): ReportInput {
  const rnd = random(42);
  const n = rows;
  const transects = 10;
  const lead = Math.max(1, Math.floor(n * 0.05)); // takeoff and landing rows, dropped by the curtain step
  const body = n - 2 * lead;
  const length = 200; // m along the curtain
  const bearing = (30 * Math.PI) / 180;
  const e0 = 526300;
  const n0 = 6081100;
  const easting = new Float64Array(n);
  const northing = new Float64Array(n);
  const heightAto = new Float64Array(n);
  const windspeed = new Float64Array(n);
  const winddir = new Float64Array(n);
  const gas = new Float64Array(n);
  const fit = new Float64Array(n);
  const normalised = new Float64Array(n);
  const signal = new Uint8Array(n);
  const kept = new Uint8Array(n);
  const along = new Float64Array(n);
  const timestamps: string[] = [];
  let speed = 4;
  let dir = 265;
  const start = Date.UTC(2022, 8, 26, 2, 3, 0);
  for (let i = 0; i < n; i++) {
    let s: number;
    let h: number;
    if (i < lead) {
      s = 0;
      h = (5 * i) / lead;
    } else if (i >= n - lead) {
      s = transects % 2 === 0 ? 0 : length;
      h = 50 * (1 - (i - (n - lead)) / lead);
    } else {
      const k = i - lead;
      const t = Math.min(transects - 1, Math.floor((k * transects) / body));
      const frac = (k - (t * body) / transects) / (body / transects);
      s = t % 2 === 0 ? frac * length : (1 - frac) * length;
      h = 5 + t * 5 + frac * 0.5;
      kept[i] = 1;
    }
    along[i] = s;
    easting[i] = e0 + s * Math.sin(bearing) + (rnd() - 0.5) * 2;
    northing[i] = n0 + s * Math.cos(bearing) + (rnd() - 0.5) * 2;
    heightAto[i] = h + (rnd() - 0.5) * 0.6;
    speed = Math.max(0.2, speed + (rnd() - 0.5) * 0.6 + (4 - speed) * 0.05);
    dir = dir + (rnd() - 0.5) * 14 + (265 - dir) * 0.03;
    windspeed[i] = speed;
    winddir[i] = ((dir % 360) + 360) % 360;
    const base = 1.95 + 0.02 * Math.sin(i / (n / 3));
    const plume = 0.8 * Math.exp(-(((s - 110) / 25) ** 2) - (((heightAto[i] - 22) / 12) ** 2));
    gas[i] = base + plume + (rnd() - 0.5) * 0.01;
    fit[i] = base;
    normalised[i] = gas[i] - fit[i];
    signal[i] = normalised[i] > 0.05 ? 1 : 0;
    const d = new Date(start + i * 1000);
    timestamps.push(
      `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`,
    );
  }
  const keptIdx = Array.from(kept.keys()).filter((i) => kept[i]);
  const curtain = {
    x: Float64Array.from(keptIdx, (i) => along[i]),
    heightAto: Float64Array.from(keptIdx, (i) => heightAto[i]),
    normalised: Float64Array.from(keptIdx, (i) => normalised[i]),
  };
  const nx = 70;
  const ny = 10;
  const xs = Float64Array.from({ length: nx }, (_, i) => (length * i) / (nx - 1));
  const ys = Float64Array.from({ length: ny }, (_, j) => 5 + (45.5 * j) / (ny - 1));
  const field = new Float64Array(nx * ny);
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const v = 0.9 * Math.exp(-(((xs[i] - 110) / 25) ** 2) - (((ys[j] - 22) / 12) ** 2)) - 0.06 * Math.exp(-(((xs[i] - 30) / 15) ** 2));
      field[i * ny + j] = opt.allNaNField ? NaN : v;
    }
  }
  if (!opt.allNaNField) {
    field[0 * ny + (ny - 1)] = NaN; // a corner the kriging could not reach
    field[(nx - 1) * ny + (ny - 1)] = NaN;
  }
  const ground = opt.ground
    ? {
        x: Float64Array.from({ length: 200 }, (_, k) => (length * k) / 199),
        y: Float64Array.from({ length: 200 }, (_, k) => 2 + 2.5 * Math.sin((k / 199) * Math.PI * 2)),
      }
    : null;
  const signalPoints = keptIdx.filter((i) => signal[i]).length;
  return {
    gas: opt.gas ?? 'ch4',
    fileName: opt.fileName ?? 'synthetic_flight.csv',
    generatedAt: '2025-05-23T14:10:41.123Z',
    physics: 'gasflux-0.2.2',
    summary: {
      volume: 901.0584,
      volumepos: 905.25,
      volumeneg: -4.1916,
      volumeError: 0.0123456,
      backgroundStd: 0.0031,
      signalPoints,
      backgroundPoints: keptIdx.length - signalPoints,
      nx,
      ny,
      xCellSize: length / nx,
      yCellSize: 45.5 / ny,
      transectRange: [1, transects],
      planeAngle: 30,
      meanTemperature: 10,
      meanPressure: 1000,
      warnings: opt.warnings ?? ['Timestamps are not strictly increasing at 2 rows.'],
    },
    flight: {
      timestamps: opt.timestamps === false ? null : timestamps,
      easting, northing, heightAto, windspeed, winddir, gas, fit, normalised, signal, kept,
    },
    curtain,
    grid: { xs, ys, field, ground },
  };
}
