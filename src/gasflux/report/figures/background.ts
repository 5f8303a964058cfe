// Figure 5: background correction. Raw gas and the fitted background on the left axis, the normalised
// concentration on the right axis, and the normalised values flagged as signal highlighted.

import type { ReportInput } from '../report-input.js';
import { decimationNote, indicesWhere, minMaxDecimate } from '../decimate.js';
import { clipFrame, escapeHtml, extent, fmtSig, linear, niceTicks, pad, polylinePath, px, svgOpen, xAxis, yAxis, type Frame } from '../svg.js';
import { legendRow, type Figure, type TimeAxis } from './common.js';

const LINE_BUDGET = 4000;
const SIGNAL_BUDGET = 3000;
const W = 1000;
const H = 450;
const FRAME: Frame = { left: 80, top: 50, width: 812, height: 320 };
const COLOUR = { raw: '#1f5fa8', fit: '#444444', norm: '#2a9d3a', signal: '#d62728' };

/** Left-axis range of the reference: [0.95·min, 1.05·max] of the raw gas (kept in order for negative values). */
export function rawGasRange(lo: number, hi: number): [number, number] {
  const a = Math.min(0.95 * lo, 1.05 * lo);
  const b = Math.max(1.05 * hi, 0.95 * hi);
  return b > a ? [a, b] : pad([lo, hi]);
}

export function backgroundFigure(input: ReportInput, gasLabel: string, time: TimeAxis): Figure {
  const { gas, fit, normalised, signal } = input.flight;
  const n = gas.length;
  const tx = time.x;
  const parts: string[] = [svgOpen('fig-background-svg', W, H, `${gasLabel} background correction against time`)];
  const xDom = pad(extent(tx) ?? [0, 1], 0.01);
  const X = linear(xDom, [FRAME.left, FRAME.left + FRAME.width]);
  const gr = extent(gas);
  const leftDom = gr ? rawGasRange(gr[0], gr[1]) : ([0, 1] as [number, number]);
  const YL = linear(leftDom, [FRAME.top + FRAME.height, FRAME.top]);
  const rightDom = pad(extent(normalised) ?? [0, 1], 0.05);
  const YR = linear(rightDom, [FRAME.top + FRAME.height, FRAME.top]);
  const clip = clipFrame('clip-background', FRAME);
  parts.push(`<defs>${clip.def}</defs>`);
  parts.push(`<rect class="bg" x="${FRAME.left}" y="${FRAME.top}" width="${FRAME.width}" height="${FRAME.height}"/>`);
  const xt = time.ticks(xDom[0], xDom[1], 9);
  parts.push(xAxis(FRAME, X, { title: time.title, ticks: xt, label: (v) => time.tickLabel(v, xt) }));
  parts.push(yAxis(FRAME, YL, { title: `${gasLabel} raw and background (ppm)`, ticks: niceTicks(leftDom[0], leftDom[1], 6), colour: COLOUR.raw, titleOffset: 60 }));
  parts.push(
    yAxis(FRAME, YR, { title: `${gasLabel} normalised (ppm)`, ticks: niceTicks(rightDom[0], rightDom[1], 6), side: 'right', grid: false, colour: COLOUR.norm, titleOffset: 58 }),
  );

  const all = indicesWhere(n);
  const line = (values: Float64Array, Y: (v: number) => number, colour: string, extra = '') => {
    const idx = minMaxDecimate(values, LINE_BUDGET, all);
    return `<path class="line" d="${polylinePath(idx, (i) => X(tx[i]), (i) => Y(values[i]))}" stroke="${colour}"${extra} ${clip.attr}/>`;
  };
  parts.push(line(normalised, YR, COLOUR.norm, ' stroke-width="1.2"'));
  parts.push(line(gas, YL, COLOUR.raw, ' stroke-width="1.4"'));
  parts.push(line(fit, YL, COLOUR.fit, ' stroke-width="1.8" stroke-dasharray="7 4"'));

  // Signal: the normalised values where signal is true, as highlighted markers.
  const sigAll = indicesWhere(n, signal);
  const sigShown = minMaxDecimate(normalised, SIGNAL_BUDGET, sigAll);
  const dots: string[] = [];
  for (const i of sigShown) {
    const v = normalised[i];
    const xp = X(tx[i]);
    if (!Number.isFinite(v) || !Number.isFinite(xp)) continue;
    dots.push(`<circle cx="${px(xp)}" cy="${px(YR(v))}" r="2.4"><title>${escapeHtml(time.rowLabel(i))}: signal, normalised ${fmtSig(v, 4)} ppm</title></circle>`);
  }
  parts.push(`<g class="sig" fill="${COLOUR.signal}" ${clip.attr}>${dots.join('')}</g>`);
  parts.push(
    legendRow(FRAME.left, 26, [
      { label: `${gasLabel} raw`, colour: COLOUR.raw, kind: 'line' },
      { label: 'fitted background', colour: COLOUR.fit, kind: 'dashed' },
      { label: `${gasLabel} normalised (right axis)`, colour: COLOUR.norm, kind: 'line' },
      { label: 'normalised, signal only', colour: COLOUR.signal, kind: 'marker' },
    ]),
  );
  parts.push('</svg>');

  const caption = [
    `Raw ${gasLabel} and the fitted background (dashed) on the left axis, whose range is 0.95 × min to 1.05 × max of the raw values; the normalised concentration on the right axis, with the ${sigAll.length.toLocaleString('en-US')} rows flagged as signal in red.`,
  ];
  const note = decimationNote(Math.min(n, LINE_BUDGET), n, 'samples per line');
  if (note) caption.push(note);
  if (sigShown.length < sigAll.length) caption.push(decimationNote(sigShown.length, sigAll.length, 'signal rows'));
  return { id: 'fig-background', heading: 'Background correction', span: 2, svg: parts.join(''), caption };
}
