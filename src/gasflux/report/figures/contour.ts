// Figure 2: the kriged point-flux field on the curtain as filled bands (21 levels from min to max, semi-transparent),
// with the kept measurements on top coloured by the normalised concentration, and the ground line when given.

import type { ReportInput } from '../report-input.js';
import { colourBar, divergingT, diverging, sequentialT, viridis } from '../colour-scale.js';
import { decimationNote, indicesWhere, MAX_MARKERS, scatterDecimate } from '../decimate.js';
import {
  clipFrame, escapeHtml, extent, fmtSig, linear, niceTicks, pad, polylinePath, px, svgOpen, xAxis, yAxis,
  type Frame,
} from '../svg.js';
import { centredNote, legendRow, type Figure } from './common.js';

const W = 1000;
const H = 540;
const FRAME: Frame = { left: 80, top: 46, width: 720, height: 420 };
/** Number of contour levels, min to max inclusive (so LEVELS − 1 filled bands). */
export const LEVELS = 21;
/** Opacity of the filled field (the reference uses 0.5; a little more keeps weak negative bands visible). */
export const FIELD_OPACITY = 0.6;
/** Raster cell of the filled field, in SVG units. */
const CELL = 3;

/** The LEVELS equally spaced level values from lo to hi. */
export function contourLevels(lo: number, hi: number, count = LEVELS): number[] {
  return Array.from({ length: count }, (_, k) => lo + ((hi - lo) * k) / (count - 1));
}

function ascendingOrder(a: Float64Array): Int32Array {
  return Int32Array.from(Array.from(a.keys()).sort((p, q) => a[p] - a[q]));
}

/** Finds k with s[k] ≤ v ≤ s[k+1] in the ascending array s (binary search); returns -1 outside. */
function bracket(s: Float64Array, v: number): number {
  const n = s.length;
  if (n === 0 || v < s[0] || v > s[n - 1]) return -1;
  if (n === 1) return 0;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s[mid] <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Bilinear sample of the field at (x, y) on the node grid. Where a corner is NaN, the nearest corner's value is used
 * (NaN if that is NaN too), so holes stay holes without bleeding far.
 */
export function makeFieldSampler(grid: ReportInput['grid']): (x: number, y: number) => number {
  const nx = grid.xs.length;
  const ny = grid.ys.length;
  const ox = ascendingOrder(grid.xs);
  const oy = ascendingOrder(grid.ys);
  const sx = Float64Array.from(ox, (i) => grid.xs[i]);
  const sy = Float64Array.from(oy, (j) => grid.ys[j]);
  const at = (a: number, b: number) => grid.field[ox[a] * ny + oy[b]];
  return (x, y) => {
    const a = bracket(sx, x);
    const b = bracket(sy, y);
    if (a < 0 || b < 0) return NaN;
    const a1 = Math.min(a + 1, nx - 1);
    const b1 = Math.min(b + 1, ny - 1);
    const tx = a1 > a && sx[a1] > sx[a] ? (x - sx[a]) / (sx[a1] - sx[a]) : 0;
    const ty = b1 > b && sy[b1] > sy[b] ? (y - sy[b]) / (sy[b1] - sy[b]) : 0;
    const f00 = at(a, b);
    const f10 = at(a1, b);
    const f01 = at(a, b1);
    const f11 = at(a1, b1);
    if (Number.isFinite(f00) && Number.isFinite(f10) && Number.isFinite(f01) && Number.isFinite(f11)) {
      return (f00 * (1 - tx) + f10 * tx) * (1 - ty) + (f01 * (1 - tx) + f11 * tx) * ty;
    }
    return at(tx < 0.5 ? a : a1, ty < 0.5 ? b : b1);
  };
}

export function contourFigure(input: ReportInput, gasLabel: string): Figure {
  const { grid, curtain } = input;
  const nx = grid.xs.length;
  const ny = grid.ys.length;
  const fieldRange = nx * ny === grid.field.length ? extent(grid.field) : null;
  const caption: string[] = [];
  const parts: string[] = [svgOpen('fig-contour-svg', W, H, `Kriged flux field and ${gasLabel} measurements on the curtain`)];
  const heading = 'Kriging contour on the flux plane';

  // Axis ranges: the grid, the points and the ground line together.
  const ptsMask = new Uint8Array(curtain.x.length);
  for (let i = 0; i < ptsMask.length; i++) ptsMask[i] = Number.isFinite(curtain.x[i]) && Number.isFinite(curtain.heightAto[i]) ? 1 : 0;
  const xr = [extent(grid.xs), extent(curtain.x, ptsMask), grid.ground ? extent(grid.ground.x) : null].filter((r) => r !== null);
  const yr = [extent(grid.ys), extent(curtain.heightAto, ptsMask), grid.ground ? extent(grid.ground.y) : null].filter((r) => r !== null);
  const xDom = pad(xr.length ? [Math.min(...xr.map((r) => r[0])), Math.max(...xr.map((r) => r[1]))] : [0, 1], 0.02);
  const yDom = pad(yr.length ? [Math.min(...yr.map((r) => r[0])), Math.max(...yr.map((r) => r[1]))] : [0, 1], 0.04);
  const X = linear(xDom, [FRAME.left, FRAME.left + FRAME.width]);
  const Y = linear(yDom, [FRAME.top + FRAME.height, FRAME.top]);
  const clip = clipFrame('clip-contour', FRAME);
  parts.push(`<defs>${clip.def}</defs>`);
  parts.push(`<rect class="bg" x="${FRAME.left}" y="${FRAME.top}" width="${FRAME.width}" height="${FRAME.height}"/>`);
  parts.push(xAxis(FRAME, X, { title: 'horizontal distance on projected flux plane (m)', ticks: niceTicks(xDom[0], xDom[1], 10) }));
  parts.push(yAxis(FRAME, Y, { title: 'height above takeoff (m)', ticks: niceTicks(yDom[0], yDom[1], 7) }));

  if (!fieldRange) {
    parts.push(centredNote(FRAME.left + FRAME.width / 2, FRAME.top + FRAME.height / 2, 'The kriged field has no finite value: nothing to draw.'));
    parts.push('</svg>');
    caption.push('The kriged field is entirely NaN (or empty), so the plot is left empty, as the reference does.');
    return { id: 'fig-contour', heading, span: 2, svg: parts.join(''), caption };
  }

  // Filled bands: sample the field bilinearly on a fine raster, colour each cell by its band, merge runs per row.
  const [fLo, fHi] = fieldRange;
  const levels = contourLevels(fLo, fHi);
  const bands = levels.length - 1;
  const step = (fHi - fLo) / bands;
  const colourT = divergingT(fLo, fHi);
  const fieldColour = (v: number) => diverging(colourT(v));
  const bandColour = levels.slice(0, -1).map((lv, k) => (step > 0 ? fieldColour((lv + levels[k + 1]) / 2) : fieldColour(fLo)));
  const bandOf = (v: number) => (step > 0 ? Math.max(0, Math.min(bands - 1, Math.floor((v - fLo) / step))) : 0);
  const sample = makeFieldSampler(grid);
  const gx = extent(grid.xs)!;
  const gy = extent(grid.ys)!;
  const px0 = Math.max(FRAME.left, X(gx[0]));
  const px1 = Math.min(FRAME.left + FRAME.width, X(gx[1]));
  const py0 = Math.max(FRAME.top, Y(gy[1]));
  const py1 = Math.min(FRAME.top + FRAME.height, Y(gy[0]));
  const cols = Math.max(1, Math.ceil((px1 - px0) / CELL));
  const rows = Math.max(1, Math.ceil((py1 - py0) / CELL));
  const cw = (px1 - px0) / cols;
  const ch = (py1 - py0) / rows;
  const paths: string[] = Array.from({ length: bands }, () => '');
  const xInv = linear([FRAME.left, FRAME.left + FRAME.width], xDom);
  const yInv = linear([FRAME.top + FRAME.height, FRAME.top], yDom);
  for (let r = 0; r < rows; r++) {
    const yTop = py0 + r * ch;
    const yv = yInv(yTop + ch / 2);
    let runBand = -1;
    let runStart = 0;
    const flush = (endCol: number) => {
      if (runBand >= 0) {
        const x0 = px0 + runStart * cw;
        paths[runBand] += `M${px(x0)} ${px(yTop)}h${px((endCol - runStart) * cw)}v${px(ch)}h${px(-(endCol - runStart) * cw)}z`;
      }
    };
    for (let c = 0; c < cols; c++) {
      const v = sample(xInv(px0 + (c + 0.5) * cw), yv);
      const band = Number.isFinite(v) ? bandOf(v) : -1;
      if (band !== runBand) {
        flush(c);
        runBand = band;
        runStart = c;
      }
    }
    flush(cols);
  }
  parts.push(
    `<g class="field" opacity="${FIELD_OPACITY}" shape-rendering="crispEdges" ${clip.attr}>${paths
      .map((d, k) => (d ? `<path d="${d}" fill="${bandColour[k]}"><title>${escapeHtml(`${fmtSig(levels[k])} to ${fmtSig(levels[k + 1])} kg m⁻² h⁻¹`)}</title></path>` : ''))
      .join('')}</g>`,
  );

  // Ground line.
  const legend: Parameters<typeof legendRow>[2] = [];
  if (grid.ground && grid.ground.x.length > 1) {
    const gxv = grid.ground.x;
    const gyv = grid.ground.y;
    const idx = indicesWhere(gxv.length);
    const d = polylinePath(idx, (i) => X(gxv[i]), (i) => Y(gyv[i]));
    if (d) {
      parts.push(`<path class="ground" d="${d}" ${clip.attr}/>`);
      legend.push({ label: 'ground', colour: '#5a3d1e', kind: 'dashed' });
    }
  }

  // Kept measurements on top.
  const all = indicesWhere(curtain.x.length, ptsMask);
  const shown = scatterDecimate(all, MAX_MARKERS, (i) => Math.abs(curtain.normalised[i]));
  const nRange = extent(curtain.normalised, ptsMask) ?? [0, 1];
  const nT = sequentialT(nRange[0], nRange[1]);
  const circles: string[] = [];
  for (const i of shown) {
    const v = curtain.normalised[i];
    const fill = Number.isFinite(v) ? viridis(nT(v)) : '#999999';
    circles.push(
      `<circle cx="${px(X(curtain.x[i]))}" cy="${px(Y(curtain.heightAto[i]))}" r="2.6" fill="${fill}"><title>x ${fmtSig(curtain.x[i], 5)} m, height ${fmtSig(curtain.heightAto[i], 4)} m: ${escapeHtml(gasLabel)} normalised ${fmtSig(v, 4)} ppm</title></circle>`,
    );
  }
  parts.push(`<g class="pts2" ${clip.attr}>${circles.join('')}</g>`);
  if (legend.length) parts.push(legendRow(FRAME.left + 4, 30, legend));

  parts.push(
    colourBar({
      x: 830, y: 70, width: 14, height: 165, lo: fLo, hi: fHi, colourOf: fieldColour, levels: step > 0 ? levels : undefined,
      title: 'kriged flux (kg m⁻² h⁻¹)', id: 'cb-field', opacity: FIELD_OPACITY,
    }),
  );
  parts.push(
    colourBar({
      x: 830, y: 290, width: 14, height: 165, lo: nRange[0], hi: nRange[1], colourOf: (v) => viridis(nT(v)),
      title: `${gasLabel} normalised (ppm)`, id: 'cb-norm',
    }),
  );
  parts.push('</svg>');

  caption.push(
    `Kriged point flux (${nx} × ${ny} nodes) as ${bands} filled bands between ${LEVELS} levels from ${fmtSig(fLo)} to ${fmtSig(fHi)} kg m⁻² h⁻¹ (semi-transparent; blue negative, red positive, white zero), with the ${all.length.toLocaleString('en-US')} kept measurements coloured by ${gasLabel} normalised (ppm).`,
  );
  if (grid.ground) caption.push('The dashed line is the ground (cut_ground).');
  const note = decimationNote(shown.length, all.length, 'measurements');
  if (note) caption.push(note);
  return { id: 'fig-contour', heading, span: 2, svg: parts.join(''), caption };
}
