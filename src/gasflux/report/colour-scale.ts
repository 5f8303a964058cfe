// Interpolated colour maps written out as hex stops (sampled by eye from the well-known perceptual maps),
// plus a colour-bar drawer. Colours are always returned as "#rrggbb".

import { escapeHtml, px, linear, niceTicks, tickLabel } from './svg.js';

export type ColourMap = (t: number) => string;

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex(r: number, g: number, b: number): string {
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** A colour map that linearly interpolates (in RGB) between evenly spaced hex stops; t is clamped to [0, 1]. */
export function interpolatedMap(stops: string[]): ColourMap {
  const rgb = stops.map(hexToRgb);
  const n = rgb.length - 1;
  return (t: number) => {
    const u = Number.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
    const pos = u * n;
    const k = Math.min(n - 1, Math.floor(pos));
    const f = pos - k;
    const a = rgb[k];
    const b = rgb[k + 1];
    return rgbToHex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
  };
}

/** Viridis-like: dark purple → blue → green → yellow. For concentrations. */
export const viridis: ColourMap = interpolatedMap([
  '#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725',
]);

/** Turbo-like rainbow: dark blue → cyan → green → yellow → red → dark red. For the windrose speed classes. */
export const turbo: ColourMap = interpolatedMap([
  '#30123b', '#4145ab', '#4675ed', '#39a2fc', '#1bcfd4', '#24eca6', '#61fc6c', '#a4fc3b', '#d1e834', '#f3c63a',
  '#fe9b2d', '#f36315', '#d93806', '#b11901', '#7a0402',
]);

/** Diverging blue → near-white → red (0.5 is the neutral middle). For signed fluxes. */
export const diverging: ColourMap = interpolatedMap([
  '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b',
]);

/** Maps a value onto t ∈ [0, 1] for a sequential map over [lo, hi]. */
export function sequentialT(lo: number, hi: number): (v: number) => number {
  const span = hi - lo;
  return (v) => (span > 0 ? (v - lo) / span : 0.5);
}

/** Maps a signed value onto t ∈ [0, 1] for a diverging map, symmetric about zero (0 → 0.5). */
export function divergingT(lo: number, hi: number): (v: number) => number {
  const lim = Math.max(Math.abs(lo), Math.abs(hi));
  return (v) => (lim > 0 ? 0.5 + 0.5 * (v / lim) : 0.5);
}

export interface ColourBarOptions {
  x: number;
  y: number;
  width: number;
  height: number;
  lo: number;
  hi: number;
  /** Colour of a value. */
  colourOf: (v: number) => string;
  /** Plain-text title (escaped here), written above the bar. */
  title: string;
  /** Draw discrete bands between these level values instead of a smooth ramp. */
  levels?: number[];
  /** An id prefix for the gradient definition (must be unique in the document). */
  id: string;
  /** Opacity of the colours, to match a semi-transparent layer in the plot (default 1). */
  opacity?: number;
  /** Lay the bar out horizontally (default vertical). */
  horizontal?: boolean;
}

/**
 * A colour bar: vertical (low at the bottom, ticks on the right, title above) or, with `horizontal`, low at the
 * left with ticks below and the title to the left of the bar.
 */
export function colourBar(o: ColourBarOptions): string {
  const parts: string[] = [];
  const hor = o.horizontal === true;
  // pos(v) is the coordinate along the bar; rect(a, b) is the rectangle between two positions.
  const pos = hor ? linear([o.lo, o.hi], [o.x, o.x + o.width]) : linear([o.lo, o.hi], [o.y + o.height, o.y]);
  const rect = (p0: number, p1: number, fill: string) => {
    const lo = Math.min(p0, p1);
    const len = Math.abs(p1 - p0) + 0.4;
    return hor
      ? `<rect x="${px(lo)}" y="${px(o.y)}" width="${px(len)}" height="${px(o.height)}" fill="${fill}"/>`
      : `<rect x="${px(o.x)}" y="${px(lo)}" width="${px(o.width)}" height="${px(len)}" fill="${fill}"/>`;
  };
  const fills: string[] = [];
  if (o.levels && o.levels.length > 1) {
    for (let k = 0; k + 1 < o.levels.length; k++) {
      const a = o.levels[k];
      const b = o.levels[k + 1];
      fills.push(rect(pos(a), pos(b), o.colourOf((a + b) / 2)));
    }
  } else {
    const stops: string[] = [];
    for (let k = 0; k <= 16; k++) {
      const v = o.lo + ((o.hi - o.lo) * k) / 16;
      stops.push(`<stop offset="${(k / 16).toFixed(4)}" stop-color="${o.colourOf(v)}"/>`);
    }
    const dir = hor ? 'x1="0" y1="0" x2="1" y2="0"' : 'x1="0" y1="1" x2="0" y2="0"';
    parts.push(`<defs><linearGradient id="${o.id}" ${dir}>${stops.join('')}</linearGradient></defs>`);
    fills.push(`<rect x="${px(o.x)}" y="${px(o.y)}" width="${px(o.width)}" height="${px(o.height)}" fill="url(#${o.id})"/>`);
  }
  const op = o.opacity !== undefined && o.opacity < 1 ? ` opacity="${o.opacity}"` : '';
  parts.push(`<g${op} shape-rendering="crispEdges">${fills.join('')}</g>`);
  parts.push(`<rect class="cbframe" x="${px(o.x)}" y="${px(o.y)}" width="${px(o.width)}" height="${px(o.height)}"/>`);
  const ticks = o.hi > o.lo ? niceTicks(o.lo, o.hi, 5) : [o.lo];
  for (const t of ticks) {
    const p = pos(t);
    const text = escapeHtml(tickLabel(t, ticks));
    if (hor) {
      const yb = o.y + o.height;
      parts.push(`<line class="tk" x1="${px(p)}" y1="${px(yb)}" x2="${px(p)}" y2="${px(yb + 4)}"/>`);
      parts.push(`<text class="tl" x="${px(p)}" y="${px(yb + 17)}" text-anchor="middle">${text}</text>`);
    } else {
      parts.push(`<line class="tk" x1="${px(o.x + o.width)}" y1="${px(p)}" x2="${px(o.x + o.width + 4)}" y2="${px(p)}"/>`);
      parts.push(`<text class="tl" x="${px(o.x + o.width + 7)}" y="${px(p + 4)}">${text}</text>`);
    }
  }
  parts.push(
    hor
      ? `<text class="cbt" x="${px(o.x - 10)}" y="${px(o.y + o.height / 2 + 4)}" text-anchor="end">${escapeHtml(o.title)}</text>`
      : `<text class="cbt" x="${px(o.x)}" y="${px(o.y - 10)}">${escapeHtml(o.title)}</text>`,
  );
  return `<g class="cbar">${parts.join('')}</g>`;
}
