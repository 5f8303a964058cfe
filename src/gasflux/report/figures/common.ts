// Shared pieces of the figures: the figure record, the time axis and small legend helpers.

import { escapeHtml, px } from '../svg.js';

/** One figure of the report: an inline SVG with a heading and caption. */
export interface Figure {
  id: string;
  heading: string;
  /** Grid columns on a wide screen (the reference layout uses 1 or 2 of 4). */
  span: 1 | 2;
  svg: string;
  /** Plain-text caption sentences (escaped when the page is assembled). */
  caption: string[];
}

/** How rows are placed along the x axis of the time-series figures. */
export interface TimeAxis {
  kind: 'time' | 'row';
  /** Position of each row: milliseconds (clock as written in the file, read as UTC) or the row number. */
  x: Float64Array;
  title: string;
  ticks(lo: number, hi: number, count: number): number[];
  tickLabel(v: number, ticks: number[]): string;
  /** Text naming row i in a tooltip. */
  rowLabel(i: number): string;
}

const STAMP = /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?/;

/**
 * Reads "YYYY-MM-DD HH:MM[:SS[.fff]]" (a "T" separator is fine; any zone suffix is ignored) as a wall-clock time.
 * Returns NaN for anything else. Treating the clock as UTC keeps the labels equal to the text in the file whatever
 * the time zone of the machine that renders the report.
 */
export function parseWallClock(text: string): number {
  const m = STAMP.exec(text);
  if (!m) return NaN;
  const frac = m[7] ? Number(m[7]) * 1000 : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0) + frac;
}

const TIME_STEPS = [
  1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3,
  43200e3, 86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3,
];

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** Builds the x axis: real time when every timestamp parses, otherwise row numbers. */
export function makeTimeAxis(timestamps: string[] | null, n: number): TimeAxis {
  const rowAxis: TimeAxis = {
    kind: 'row',
    x: Float64Array.from({ length: n }, (_, i) => i),
    title: 'row number',
    ticks: (lo, hi, count) => niceRowTicks(lo, hi, count),
    tickLabel: (v) => String(Math.round(v)),
    rowLabel: (i) => (timestamps && timestamps[i] !== undefined ? `row ${i}, ${timestamps[i]}` : `row ${i}`),
  };
  if (!timestamps || timestamps.length !== n || n === 0) return rowAxis;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = parseWallClock(timestamps[i]);
    if (!Number.isFinite(x[i])) return rowAxis;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const d0 = new Date(lo);
  const d1 = new Date(hi);
  const day = (d: Date) => `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  const oneDay = day(d0) === day(d1);
  return {
    kind: 'time',
    x,
    title: oneDay ? `time on ${day(d0)} (clock as in the file)` : 'time (clock as in the file)',
    ticks(a, b, count) {
      const span = b - a;
      const step = TIME_STEPS.find((s) => span / s <= count) ?? TIME_STEPS[TIME_STEPS.length - 1];
      const out: number[] = [];
      for (let t = Math.ceil(a / step) * step; t <= b && out.length < 100; t += step) out.push(t);
      return out;
    },
    tickLabel(v, ticks) {
      const d = new Date(v);
      const step = ticks.length > 1 ? ticks[1] - ticks[0] : 60e3;
      const hm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
      const clock = step < 60e3 ? `${hm}:${two(d.getUTCSeconds())}` : hm;
      if (oneDay) return clock;
      return step >= 86400e3 ? day(d).slice(5) : `${day(d).slice(5)} ${clock}`;
    },
    rowLabel: (i) => `row ${i}, ${timestamps[i]}`,
  };
}

function niceRowTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [Math.round(lo)];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = Math.max(1, (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag);
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi && out.length < 100; t += step) out.push(t);
  return out;
}

export interface LegendItem {
  label: string;
  colour: string;
  kind: 'line' | 'dashed' | 'marker' | 'thick';
}

/** A one-line legend starting at (x, y); items are spaced by an estimate of their text width. */
export function legendRow(x: number, y: number, items: LegendItem[]): string {
  const parts: string[] = [];
  let cx = x;
  for (const it of items) {
    if (it.kind === 'marker') {
      parts.push(`<circle cx="${px(cx + 10)}" cy="${px(y - 4)}" r="4" fill="${it.colour}"/>`);
    } else {
      const dash = it.kind === 'dashed' ? ' stroke-dasharray="6 4"' : '';
      const w = it.kind === 'thick' ? 3 : 2;
      parts.push(`<line x1="${px(cx)}" y1="${px(y - 4)}" x2="${px(cx + 20)}" y2="${px(y - 4)}" stroke="${it.colour}" stroke-width="${w}"${dash}/>`);
    }
    parts.push(`<text class="lg" x="${px(cx + 26)}" y="${px(y)}">${escapeHtml(it.label)}</text>`);
    cx += 26 + textWidth(it.label, 13) + 22;
  }
  return `<g class="legend">${parts.join('')}</g>`;
}

/** A rough width of text in the report's sans-serif font (good enough for layout). */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.56;
}

/** A note centred in a frame, used for empty plots. */
export function centredNote(x: number, y: number, text: string): string {
  return `<text class="note" x="${px(x)}" y="${px(y)}" text-anchor="middle">${escapeHtml(text)}</text>`;
}
