// Figure 3: windrose of the measured wind (every row, before the curtain step): 16 direction sectors of 22.5°
// centred on N … NNW, 13 Beaufort-like speed classes, stacked bars whose length is the percent of samples.

import type { ReportInput } from '../report-input.js';
import { turbo } from '../colour-scale.js';
import { escapeHtml, niceTicks, px, svgOpen } from '../svg.js';
import type { Figure } from './common.js';

export const SECTOR_NAMES = [
  'N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW',
] as const;
export const SECTOR_WIDTH = 22.5;
/** Speed class edges in m/s; class k is [SPEED_EDGES[k], SPEED_EDGES[k+1]) (left-closed). */
export const SPEED_EDGES = [0, 1, 2, 4, 6, 9, 11, 14, 17, 21, 25, 29, 33, 200] as const;
export const SPEED_CLASSES = SPEED_EDGES.length - 1;

/**
 * Direction sector 0..15 (0 = N) of a direction in degrees, or -1 for a non-finite value. Sectors are
 * [c − 11.25°, c + 11.25°) around their centre c, so 11.24° → N, 11.25° → NNE and 348.75° → N.
 * Any finite angle is reduced modulo 360 first, so 360° → N. (The reference leaves exactly 360° outside every
 * sector; we count it as north, which is what 360° means in a wind direction.)
 */
export function directionSector(deg: number): number {
  if (!Number.isFinite(deg)) return -1;
  const d = ((deg % 360) + 360) % 360;
  return Math.floor((d + SECTOR_WIDTH / 2) / SECTOR_WIDTH) % 16;
}

/** Speed class 0..12 of a speed in m/s, or -1 when it is not finite or outside [0, 200). */
export function speedClass(ms: number): number {
  if (!(ms >= SPEED_EDGES[0] && ms < SPEED_EDGES[SPEED_EDGES.length - 1])) return -1;
  let k = 0;
  while (k + 1 < SPEED_CLASSES && ms >= SPEED_EDGES[k + 1]) k++;
  return k;
}

export interface WindroseBins {
  /** counts[sector][speedClass] */
  counts: number[][];
  /** percent[sector][speedClass] = 100 · count / binned. */
  percent: number[][];
  /** Samples that fell in a sector and a speed class (the denominator of the percentages). */
  binned: number;
  /** Samples left out (non-finite direction or speed, or speed outside [0, 200) m/s). */
  skipped: number;
}

/** Counts samples per (direction sector, speed class); percentages are of the binned samples, so they sum to 100. */
export function windroseBins(windspeed: ArrayLike<number>, winddir: ArrayLike<number>): WindroseBins {
  const counts = Array.from({ length: 16 }, () => new Array<number>(SPEED_CLASSES).fill(0));
  let binned = 0;
  let skipped = 0;
  const n = Math.min(windspeed.length, winddir.length);
  for (let i = 0; i < n; i++) {
    const s = directionSector(winddir[i]);
    const c = speedClass(windspeed[i]);
    if (s < 0 || c < 0) {
      skipped++;
      continue;
    }
    counts[s][c]++;
    binned++;
  }
  skipped += Math.max(windspeed.length, winddir.length) - n;
  const percent = counts.map((row) => row.map((c) => (binned > 0 ? (100 * c) / binned : 0)));
  return { counts, percent, binned, skipped };
}

/** The label of speed class k, e.g. "4–6 m/s". */
export function speedClassLabel(k: number): string {
  return `${SPEED_EDGES[k]}–${SPEED_EDGES[k + 1]} m/s`;
}

const W = 540;
const H = 640;
const C = { x: 270, y: 250, r: 190 };

function polar(r: number, deg: number): [number, number] {
  const a = (deg * Math.PI) / 180;
  return [C.x + r * Math.sin(a), C.y - r * Math.cos(a)];
}

/** Path of an annular sector between radii r0 < r1 and bearings a0 < a1 (degrees clockwise from north). */
function wedge(r0: number, r1: number, a0: number, a1: number): string {
  const [x1, y1] = polar(r1, a0);
  const [x2, y2] = polar(r1, a1);
  if (r0 <= 0.05) return `M${px(C.x)} ${px(C.y)}L${px(x1)} ${px(y1)}A${px(r1)} ${px(r1)} 0 0 1 ${px(x2)} ${px(y2)}Z`;
  const [x3, y3] = polar(r0, a1);
  const [x4, y4] = polar(r0, a0);
  return `M${px(x1)} ${px(y1)}A${px(r1)} ${px(r1)} 0 0 1 ${px(x2)} ${px(y2)}L${px(x3)} ${px(y3)}A${px(r0)} ${px(r0)} 0 0 0 ${px(x4)} ${px(y4)}Z`;
}

export function speedClassColour(k: number): string {
  return turbo(SPEED_CLASSES > 1 ? k / (SPEED_CLASSES - 1) : 0);
}

export function windroseFigure(input: ReportInput): Figure {
  const bins = windroseBins(input.flight.windspeed, input.flight.winddir);
  const parts: string[] = [svgOpen('fig-windrose-svg', W, H, 'Windrose of the measured wind')];
  const totals = bins.percent.map((row) => row.reduce((a, b) => a + b, 0));
  const maxTotal = Math.max(0, ...totals);
  const ticks = maxTotal > 0 ? niceTicks(0, maxTotal, 4) : [];
  const top = maxTotal > 0 ? Math.max(maxTotal, ticks[ticks.length - 1] ?? maxTotal) : 1;
  const R = (p: number) => (p / top) * C.r;

  // Grid: rings with percent labels and 16 spokes with sector names.
  const grid: string[] = [];
  for (const t of ticks) if (t > 0) grid.push(`<circle class="ring" cx="${C.x}" cy="${C.y}" r="${px(R(t))}"/>`);
  grid.push(`<circle class="ring outer" cx="${C.x}" cy="${C.y}" r="${C.r}"/>`);
  for (let s = 0; s < 16; s++) {
    const [x, y] = polar(C.r, s * SECTOR_WIDTH);
    grid.push(`<line class="gl" x1="${C.x}" y1="${C.y}" x2="${px(x)}" y2="${px(y)}"/>`);
    const [lx, ly] = polar(C.r + 18, s * SECTOR_WIDTH);
    grid.push(`<text class="${s % 4 === 0 ? 'at' : 'tl'}" x="${px(lx)}" y="${px(ly + 4)}" text-anchor="middle">${SECTOR_NAMES[s]}</text>`);
  }
  parts.push(`<g class="rose-grid">${grid.join('')}</g>`);

  // Stacked bars, slowest class innermost.
  const bars: string[] = [];
  const gap = 1.2;
  for (let s = 0; s < 16; s++) {
    let cum = 0;
    const a0 = s * SECTOR_WIDTH - SECTOR_WIDTH / 2 + gap;
    const a1 = s * SECTOR_WIDTH + SECTOR_WIDTH / 2 - gap;
    for (let k = 0; k < SPEED_CLASSES; k++) {
      const p = bins.percent[s][k];
      if (p <= 0) continue;
      const d = wedge(R(cum), R(cum + p), a0, a1);
      const tip = `${SECTOR_NAMES[s]}, ${speedClassLabel(k)}: ${p.toFixed(1)} % (${bins.counts[s][k]} samples)`;
      bars.push(`<path d="${d}" fill="${speedClassColour(k)}"><title>${escapeHtml(tip)}</title></path>`);
      cum += p;
    }
  }
  parts.push(`<g class="bars">${bars.join('')}</g>`);
  // Percent labels along the NNE–NE gap, drawn over the bars.
  for (const t of ticks) {
    if (t <= 0) continue;
    const [x, y] = polar(R(t), 33.75);
    parts.push(`<text class="tl ringlabel" x="${px(x + 3)}" y="${px(y - 3)}">${t} %</text>`);
  }
  if (bins.binned === 0) {
    parts.push(`<text class="note" x="${C.x}" y="${C.y}" text-anchor="middle">No valid wind samples.</text>`);
  }

  // Legend: 13 classes in 3 columns under the rose.
  const legend: string[] = [`<text class="at" x="40" y="492">wind speed</text>`];
  for (let k = 0; k < SPEED_CLASSES; k++) {
    const col = Math.floor(k / 5);
    const row = k % 5;
    const x = 40 + col * 165;
    const y = 512 + row * 22;
    legend.push(`<rect x="${x}" y="${y - 11}" width="14" height="14" fill="${speedClassColour(k)}"/>`);
    legend.push(`<text class="lg" x="${x + 20}" y="${y}">${escapeHtml(speedClassLabel(k))}</text>`);
  }
  parts.push(`<g class="legend">${legend.join('')}</g>`);
  parts.push('</svg>');

  const caption = [
    `Measured wind, every row before the curtain step: ${bins.binned.toLocaleString('en-US')} samples in 16 sectors of 22.5° and 13 speed classes; bar length is the percent of these samples.`,
  ];
  if (bins.skipped > 0) caption.push(`${bins.skipped.toLocaleString('en-US')} samples without a valid speed (0–200 m/s) or direction were left out.`);
  return { id: 'fig-windrose', heading: 'Windrose', span: 1, svg: parts.join(''), caption };
}
