// Figure 4: measured wind speed (left axis) and direction (right axis) against time, as markers plus 5-sample
// rolling means.

import type { ReportInput } from '../render-report.js';
import { decimationNote, indicesWhere, minMaxDecimate } from '../decimate.js';
import { clipFrame, escapeHtml, extent, fmtSig, linear, niceTicks, pad, polylinePath, px, svgOpen, xAxis, yAxis, type Frame } from '../svg.js';
import { legendRow, type Figure, type TimeAxis } from './common.js';

/** Samples in the rolling means, as in the reference. */
export const ROLLING_WINDOW = 5;
const MARKER_BUDGET = 2000;
const LINE_BUDGET = 4000;

/** Trailing rolling mean over `window` samples; NaN for the first window−1 rows and wherever the window has a NaN. */
export function rollingMean(values: ArrayLike<number>, window = ROLLING_WINDOW): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  for (let i = window - 1; i < values.length; i++) {
    let sum = 0;
    let ok = true;
    for (let k = i - window + 1; k <= i; k++) {
      const v = values[k];
      if (!Number.isFinite(v)) {
        ok = false;
        break;
      }
      sum += v;
    }
    if (ok) out[i] = sum / window;
  }
  return out;
}

/**
 * Trailing rolling mean of directions in degrees, taken on the circle (mean of unit vectors), in [0, 360).
 * A plain mean would put the average of 359° and 1° at 180°. NaN as for rollingMean, or when the vectors cancel.
 */
export function rollingCircularMean(deg: ArrayLike<number>, window = ROLLING_WINDOW): Float64Array {
  const out = new Float64Array(deg.length).fill(NaN);
  for (let i = window - 1; i < deg.length; i++) {
    let s = 0;
    let c = 0;
    let ok = true;
    for (let k = i - window + 1; k <= i; k++) {
      const v = deg[k];
      if (!Number.isFinite(v)) {
        ok = false;
        break;
      }
      s += Math.sin((v * Math.PI) / 180);
      c += Math.cos((v * Math.PI) / 180);
    }
    if (ok && Math.hypot(s, c) > 1e-9) out[i] = (((Math.atan2(s, c) * 180) / Math.PI) % 360 + 360) % 360;
  }
  return out;
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

  const speedMean = rollingMean(windspeed);
  const dirMean = rollingCircularMean(winddir);
  const speedLine = minMaxDecimate(speedMean, LINE_BUDGET, all);
  const dirLine = minMaxDecimate(dirMean, LINE_BUDGET, all);
  parts.push(`<path class="line" d="${directionPath(dirLine, (i) => X(tx[i]), dirMean, (i) => Yd(dirMean[i]))}" stroke="${DIR.line}" ${clip.attr}/>`);
  parts.push(`<path class="line" d="${polylinePath(speedLine, (i) => X(tx[i]), (i) => Ys(speedMean[i]))}" stroke="${SPEED.line}" ${clip.attr}/>`);
  parts.push(
    legendRow(FRAME.left, 26, [
      { label: 'wind speed', colour: SPEED.marker, kind: 'marker' },
      { label: `speed, ${ROLLING_WINDOW}-sample mean`, colour: SPEED.line, kind: 'line' },
      { label: 'wind direction', colour: DIR.marker, kind: 'marker' },
      { label: `direction, ${ROLLING_WINDOW}-sample circular mean`, colour: DIR.line, kind: 'line' },
    ]),
  );
  parts.push('</svg>');

  const caption = [
    `Measured wind (before the normal-component correction), every row. Lines are trailing ${ROLLING_WINDOW}-sample means; the direction mean is taken on the circle and its line breaks at the 0°/360° seam.`,
  ];
  if (time.kind === 'row') caption.push('The timestamps could not all be read as dates, so rows are placed by row number.');
  const note = decimationNote(Math.max(speedPts.length, dirPts.length), n, 'samples per series');
  if (note) caption.push(note);
  return { id: 'fig-wind', heading: 'Wind time series', span: 2, svg: parts.join(''), caption };
}
