import type { KrigingSettings, PhysicsMode } from '../config/types.js';

export interface KrigingGrid {
  nx: number;
  ny: number;
  xs: Float64Array;
  ys: Float64Array;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** Cell sizes used by the integral. gasflux 0.2.2 divides the extent by the node count instead of the gaps. */
  xCellSize: number;
  yCellSize: number;
}

function extent(values: Float64Array) {
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** The regular (distance along the curtain × height) grid of about `grid_resolution` cells. */
export function buildGrid(
  x: Float64Array,
  height: Float64Array,
  heightAgl: Float64Array | null,
  settings: KrigingSettings,
  physics: PhysicsMode,
): KrigingGrid {
  const { min: xMin, max: xMax } = extent(x);
  const { min: hMin, max: yMax } = extent(height);
  let yMin = settings.y_min ?? hMin;
  if (settings.cut_ground === true && heightAgl) {
    let ground = Infinity;
    for (let i = 0; i < height.length; i++) ground = Math.min(ground, height[i] - heightAgl[i]);
    yMin = Math.min(ground, yMin);
  }
  const cell = Math.sqrt(((xMax - xMin) * (yMax - yMin)) / settings.grid_resolution);
  const nx = Math.max(Math.trunc((xMax - xMin) / cell) || 0, settings.min_nodes);
  const ny = Math.max(Math.trunc((yMax - yMin) / cell) || 0, settings.min_nodes);
  const xs = new Float64Array(nx);
  const ys = new Float64Array(ny);
  const xStep = (xMax - xMin) / (nx - 1);
  const yStep = (yMax - yMin) / (ny - 1);
  for (let i = 0; i < nx; i++) xs[i] = xMin + i * xStep;
  for (let j = 0; j < ny; j++) ys[j] = yMin + j * yStep;
  const legacy = physics === 'gasflux-0.2.2';
  return {
    nx,
    ny,
    xs,
    ys,
    xMin,
    xMax,
    yMin,
    yMax,
    xCellSize: (xMax - xMin) / (legacy ? nx : nx - 1),
    yCellSize: (yMax - yMin) / (legacy ? ny : ny - 1),
  };
}

/** numpy.interp: linear, clamped to the end values outside the sample range; xs ascending. */
function interpolate(at: number, xs: Float64Array, vs: Float64Array): number {
  const last = xs.length - 1;
  if (at <= xs[0]) return vs[0];
  if (at >= xs[last]) return vs[last];
  let lo = 0, hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= at) lo = mid;
    else hi = mid;
  }
  return vs[lo] + ((at - xs[lo]) * (vs[hi] - vs[lo])) / (xs[hi] - xs[lo]);
}

export interface GroundProfile {
  /** Ground elevation above take-off at a distance along the curtain. */
  at: (x: number) => number;
  x: Float64Array;
  y: Float64Array;
}

/** Ground under the curtain from the rows' height_ato − height_agl, sorted by x, first row per duplicate x. */
export function groundProfile(x: Float64Array, height: Float64Array, heightAgl: Float64Array): GroundProfile {
  const order = Int32Array.from({ length: x.length }, (_, i) => i)
    .filter((i) => !Number.isNaN(height[i]) && !Number.isNaN(heightAgl[i]))
    .sort((a, b) => x[a] - x[b] || a - b);
  const keep: number[] = [];
  for (const i of order) if (keep.length === 0 || x[keep[keep.length - 1]] !== x[i]) keep.push(i);
  const xs = Float64Array.from(keep, (i) => x[i]);
  const ato = Float64Array.from(keep, (i) => height[i]);
  const agl = Float64Array.from(keep, (i) => heightAgl[i]);
  const ground = Float64Array.from(keep, (i) => height[i] - heightAgl[i]);
  return { at: (p) => interpolate(p, xs, ato) - interpolate(p, xs, agl), x: xs, y: ground };
}

/** Sets to NaN every node whose cell centre lies below the ground (the variance field is left as it is). */
export function cutGround(field: Float64Array, grid: KrigingGrid, ground: GroundProfile, xMaxData: number, yMaxData: number): number {
  let masked = 0;
  for (let i = 0; i < grid.nx; i++) {
    const xp = i < grid.nx - 1 ? (grid.xs[i] + grid.xs[i + 1]) / 2 : (grid.xs[grid.nx - 1] + xMaxData) / 2;
    const groundHere = ground.at(xp);
    for (let j = 0; j < grid.ny; j++) {
      const yp = j < grid.ny - 1 ? (grid.ys[j] + grid.ys[j + 1]) / 2 : (grid.ys[grid.ny - 1] + yMaxData) / 2;
      if (yp < groundHere && !Number.isNaN(field[i * grid.ny + j])) {
        field[i * grid.ny + j] = NaN;
        masked += 1;
      }
    }
  }
  return masked;
}
