// Figure 4: measured wind speed (left axis) and direction (right axis) against time, as markers plus rolling means
// (5 samples, as in the reference; 5 s at the logging rate in corrected physics).

import type { ReportInput } from '../report-input.js';
import { decimationNote, indicesWhere, minMaxDecimate } from '../decimate.js';
import { clipFrame, escapeHtml, extent, fmtSig, linear, niceTicks, pad, polylinePath, px, svgOpen, xAxis, yAxis, type Frame } from '../svg.js';
import { legendRow, type Figure, type TimeAxis } from './common.js';
import { WIND_ROLLING_SAMPLES } from '../../config/sample-windows.js';

/** Samples in the rolling means, as in the reference (a window of 5 s at its 1 Hz; `corrected` physics passes 5 s at the logging rate). */
export const ROLLING_WINDOW = WIND_ROLLING_SAMPLES;
const MARKER_BUDGET = 2000;
const LINE_BUDGET = 4000;

/**
 * Trailing sums over `window` rows of each series, kept as running sums so the cost does not grow with the window.
 * NaN for the first window−1 rows and wherever a window holds a non-finite value in any series.
 */
function trailingSums(series: Float64Array[], window: number): Float64Array[] {
  const count = series[0].length;
  const out = series.map(() => new Float64Array(count).fill(NaN));
  const finite = (i: number) => series.every((values) => Number.isFinite(values[i]));
  const sums = series.map(() => 0);
  let bad = 0;
  for (let i = 0; i < count; i++) {
    if (finite(i)) series.forEach((values, k) => (sums[k] += values[i]));
    else bad++;
    const leaving = i - window;
    if (leaving >= 0) {
      if (finite(leaving)) series.forEach((values, k) => (sums[k] -= values[leaving]));
      else bad--;
    }
    if (i >= window - 1 && bad === 0) sums.forEach((sum, k) => (out[k][i] = sum));
  }
  return out;
}

/** Trailing rolling mean over `window` samples; NaN for the first window−1 rows and wherever the window has a NaN. */
export function rollingMean(values: ArrayLike<number>, window = ROLLING_WINDOW): Float64Array {
  return trailingSums([Float64Array.from(values)], window)[0].map((sum) => sum / window);
}

/**
 * Trailing rolling mean of directions in degrees, taken on the circle (mean of unit vectors), in [0, 360).
 * A plain mean would put the average of 359° and 1° at 180°. NaN as for rollingMean, or when the vectors cancel.
 */
export function rollingCircularMean(deg: ArrayLike<number>, window = ROLLING_WINDOW): Float64Array {
  const radians = Float64Array.from(deg, (v) => (v * Math.PI) / 180);
  const [s, c] = trailingSums([radians.map(Math.sin), radians.map(Math.cos)], window);
  return s.map((sum, i) =>
    Number.isFinite(sum) && Math.hypot(sum, c[i]) > 1e-9 * window ? (((Math.atan2(sum, c[i]) * 180) / Math.PI) % 360 + 360) % 360 : NaN,
  );
}

/** Path through the indices that also breaks where consecutive directions jump by more than 180° (the 0/360 seam). */
function directionPath(indices: Int32Array, xOf: (i: number) => number, dir: Float64Array, yOf: (i: number) => number): string {
  let d = '';
  let prev = NaN;
  for (const i of indices) {
    const v = dir[i];
    const xp = xOf(i);
    if (!Number.isFinite(v) || !Number.isFinite(xp)) {
      prev = NaN;
      continue;
    }
    const jump = !Number.isFinite(prev) || Math.abs(v - prev) > 180;
    d += `${jump ? 'M' : 'L'}${px(xp)} ${px(yOf(i))}`;
    prev = v;
  }
  return d;
}

const W = 1000;
const H = 450;
const FRAME: Frame = { left: 76, top: 50, width: 820, height: 320 };
const SPEED = { marker: '#7fb2e5', line: '#1f4e9c' };
const DIR = { marker: '#f5b47a', line: '#c2560c' };

export function windSeriesFigure(input: ReportInput, time: TimeAxis): Figure {
  const { windspeed, winddir } = input.flight;
  const n = windspeed.length;
  const tx = time.x;
  const parts: string[] = [svgOpen('fig-wind-svg', W, H, 'Measured wind speed and direction against time')];
  const xr = extent(tx) ?? [0, 1];
  const xDom = pad(xr, 0.01);
  const X = linear(xDom, [FRAME.left, FRAME.left + FRAME.width]);
  const sr = extent(windspeed) ?? [0, 1];
  const sDom: [number, number] = [Math.min(0, sr[0]), sr[1] > 0 ? sr[1] * 1.08 : 1];
  const Ys = linear(sDom, [FRAME.top + FRAME.height, FRAME.top]);
  const Yd = linear([0, 360], [FRAME.top + FRAME.height, FRAME.top]);
  const clip = clipFrame('clip-wind', FRAME);
  parts.push(`<defs>${clip.def}</defs>`);
  parts.push(`<rect class="bg" x="${FRAME.left}" y="${FRAME.top}" width="${FRAME.width}" height="${FRAME.height}"/>`);
  const xt = time.ticks(xDom[0], xDom[1], 9);
  parts.push(xAxis(FRAME, X, { title: time.title, ticks: xt, label: (v) => time.tickLabel(v, xt) }));
  parts.push(yAxis(FRAME, Ys, { title: 'wind speed (m s⁻¹)', ticks: niceTicks(sDom[0], sDom[1], 6), colour: SPEED.line }));
  parts.push(
    yAxis(FRAME, Yd, { title: 'wind direction (°)', ticks: [0, 90, 180, 270, 360], side: 'right', grid: false, colour: DIR.line, titleOffset: 46 }),
  );

  const all = indicesWhere(n);
  const speedPts = minMaxDecimate(windspeed, MARKER_BUDGET, all);
  const dirPts = minMaxDecimate(winddir, MARKER_BUDGET, all);
  const marker = (idx: Int32Array, values: Float64Array, Y: (v: number) => number, fill: string, unit: string, what: string) => {
    const out: string[] = [];
    for (const i of idx) {
      const v = values[i];
      const xp = X(tx[i]);
      if (!Number.isFinite(v) || !Number.isFinite(xp)) continue;
      out.push(`<circle cx="${px(xp)}" cy="${px(Y(v))}" r="2.2"><title>${escapeHtml(time.rowLabel(i))}: ${what} ${fmtSig(v, 4)} ${unit}</title></circle>`);
    }
    return `<g fill="${fill}" ${clip.attr}>${out.join('')}</g>`;
  };
  parts.push(marker(dirPts, winddir, Yd, DIR.marker, '°', 'direction'));
  parts.push(marker(speedPts, windspeed, Ys, SPEED.marker, 'm s⁻¹', 'speed'));

  const window = input.flight.rollingWindow ?? ROLLING_WINDOW;
  const speedMean = rollingMean(windspeed, window);
  const dirMean = rollingCircularMean(winddir, window);
  const speedLine = minMaxDecimate(speedMean, LINE_BUDGET, all);
  const dirLine = minMaxDecimate(dirMean, LINE_BUDGET, all);
  parts.push(`<path class="line" d="${directionPath(dirLine, (i) => X(tx[i]), dirMean, (i) => Yd(dirMean[i]))}" stroke="${DIR.line}" ${clip.attr}/>`);
  parts.push(`<path class="line" d="${polylinePath(speedLine, (i) => X(tx[i]), (i) => Ys(speedMean[i]))}" stroke="${SPEED.line}" ${clip.attr}/>`);
  parts.push(
    legendRow(FRAME.left, 26, [
      { label: 'wind speed', colour: SPEED.marker, kind: 'marker' },
      { label: `speed, ${window}-sample mean`, colour: SPEED.line, kind: 'line' },
      { label: 'wind direction', colour: DIR.marker, kind: 'marker' },
      { label: `direction, ${window}-sample circular mean`, colour: DIR.line, kind: 'line' },
    ]),
  );
  parts.push('</svg>');

  const caption = [
    `Measured wind (before the normal-component correction), every row. Lines are trailing ${window}-sample means; the direction mean is taken on the circle and its line breaks at the 0°/360° seam.`,
  ];
  if (time.kind === 'row') caption.push('The timestamps could not all be read as dates, so rows are placed by row number.');
  const note = decimationNote(Math.max(speedPts.length, dirPts.length), n, 'samples per series');
  if (note) caption.push(note);
  return { id: 'fig-wind', heading: 'Wind time series', span: 2, svg: parts.join(''), caption };
}
