/**
 * Background/plume separation: the fastchrom classification baseline (as in pybaselines 1.1.0) restated from the
 * behavioural spec (gasflux-pipeline.md §4.3). Strict comparisons and edge rules matter for parity: a flipped
 * comparison flips a point between signal and background.
 */
import type { FastchromSettings } from '../config/types.js';
import { triangleThreshold } from './triangle-threshold.js';

export interface BaselineResult {
  baseline: Float64Array;
  /** 1 = background point, 0 = signal (plume) point. */
  background: Uint8Array;
  /** The windows used, in samples (after the pybaselines defaults for unset ones). */
  halfWindow: number;
  minFwhm: number;
  interpHalfWindow: number;
  smoothHalfWindow: number;
  minLength: number;
  threshold: number;
  iterations: number;
}

export function fastchrom(y: Float64Array, settings: FastchromSettings = {}): BaselineResult {
  const count = y.length;
  const halfWindow = settings.half_window ?? Math.ceil(optimizeWindow(y) / 2);
  const minFwhm = settings.min_fwhm ?? 2 * halfWindow;
  const interpHalfWindow = settings.interp_half_window ?? 5;
  const smoothHalfWindow = settings.smooth_half_window ?? halfWindow;
  const maxIter = settings.max_iter ?? 100;
  const minLength = settings.min_length ?? 2;

  const std = rollingStdReflect(y, halfWindow);
  const threshold =
    settings.threshold === 'custom'
      ? triangleThreshold(std)
      : typeof settings.threshold === 'number'
        ? settings.threshold
        : percentileLinear(std, 15);

  const initial = new Uint8Array(count);
  for (let i = 0; i < count; i++) initial[i] = std[i] < threshold ? 1 : 0;
  const mask = refineMask(initial, minLength);

  let rough = averagedInterp(y, mask, interpHalfWindow);
  let iterations = 0;
  const backgroundCount = mask.reduce((s, v) => s + v, 0);
  if (backgroundCount > 0 && backgroundCount < count) {
    const peaks = peakSegments(mask);
    for (; iterations < maxIter; iterations++) {
      let changed = false;
      for (let k = 0; k < peaks.starts.length; k++) {
        const a = peaks.starts[k];
        const b = peaks.ends[k];
        const length = b - a + 1;
        const below = new Uint8Array(length);
        for (let i = 0; i < length; i++) below[i] = rough[a + i] < y[a + i] ? 1 : 0;
        const runs = peakSegments(below);
        let wide = false;
        for (let j = 0; j < runs.starts.length; j++) {
          if (runs.ends[j] - runs.starts[j] > minFwhm) wide = true;
        }
        if (!wide) continue;
        changed = true;
        let best = 0;
        let bestValue = Infinity;
        for (let i = 0; i < length; i++) {
          const d = y[a + i] - rough[a + i];
          if (d < bestValue) {
            bestValue = d;
            best = i;
          }
        }
        mask[a + best] = 1;
      }
      if (!changed) break;
      rough = averagedInterp(y, mask, interpHalfWindow);
    }
  }

  return {
    baseline: smoothEdges(rough, smoothHalfWindow),
    background: mask,
    halfWindow,
    minFwhm,
    interpHalfWindow,
    smoothHalfWindow,
    minLength,
    threshold,
    iterations,
  };
}

/** numpy "reflect" index (edge sample not repeated: … c b | a b c …), periodic for short arrays. */
function reflectIndex(i: number, count: number): number {
  if (count === 1) return 0;
  const period = 2 * (count - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < count ? k : period - k;
}

/** Sample std (ddof 1) over centred windows of 2hw+1, with a sliding Welford update as pybaselines does. */
export function rollingStdReflect(y: Float64Array, halfWindow: number): Float64Array {
  const count = y.length;
  const width = 2 * halfWindow + 1;
  const padded = new Float64Array(count + 2 * halfWindow);
  for (let k = 0; k < padded.length; k++) padded[k] = y[reflectIndex(k - halfWindow, count)];
  const out = new Float64Array(count);
  let mean = 0;
  let m2 = 0;
  for (let k = 0; k < width; k++) {
    const delta = padded[k] - mean;
    mean += delta / (k + 1);
    m2 += delta * (padded[k] - mean);
  }
  out[0] = Math.sqrt(m2 / (width - 1));
  for (let j = 1; j < count; j++) {
    const oldValue = padded[j - 1];
    const newValue = padded[j + width - 1];
    const d = newValue - oldValue;
    const newMean = mean + d / width;
    m2 += d * (oldValue + newValue - mean - newMean);
    mean = newMean;
    out[j] = Math.sqrt(m2 / (width - 1));
  }
  return out;
}

/** numpy's default ("linear") percentile. */
export function percentileLinear(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const fraction = position - lower;
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

/** Drops background runs shorter than `minLength`, then fills single interior gaps (pybaselines' mask refinement). */
export function refineMask(mask: Uint8Array, minLength: number): Uint8Array {
  const length = Math.max(minLength, 1);
  const pad = Math.floor(length / 2);
  const count = mask.length;
  const padded = new Uint8Array(count + 2 * pad).fill(1);
  padded.set(mask, pad);
  let runStart = -1;
  for (let i = 0; i <= padded.length; i++) {
    const on = i < padded.length && padded[i] === 1;
    if (on && runStart < 0) runStart = i;
    if (!on && runStart >= 0) {
      if (i - runStart < length) padded.fill(0, runStart, i);
      runStart = -1;
    }
  }
  const trimmed = padded.slice(pad, pad + count);
  const out = trimmed.slice();
  for (let i = 1; i < count - 1; i++) {
    if (trimmed[i - 1] === 1 && trimmed[i + 1] === 1) out[i] = 1;
  }
  return out;
}

/**
 * Segments around each run of signal points (0s): an interior run [p..q] becomes (p-1, q+1). The first start stays
 * at 0 and the last end stays at n-1 when the run touches that edge.
 */
export function peakSegments(mask: Uint8Array): { starts: number[]; ends: number[] } {
  const count = mask.length;
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < count; i++) {
    if (mask[i] !== 0) continue;
    if (i === 0 || mask[i - 1] !== 0) starts.push(i);
    if (i === count - 1 || mask[i + 1] !== 0) ends.push(i);
  }
  for (let k = 0; k < starts.length; k++) if (!(k === 0 && starts[k] === 0)) starts[k] -= 1;
  for (let k = 0; k < ends.length; k++) if (!(k === ends.length - 1 && ends[k] === count - 1)) ends[k] += 1;
  return { starts, ends };
}

/** Linear interpolation across each signal segment between window means at its two ends; end points keep raw values. */
export function averagedInterp(y: Float64Array, mask: Uint8Array, halfWindow: number): Float64Array {
  const count = y.length;
  const background = mask.reduce((s, v) => s + v, 0);
  if (background === count) return Float64Array.from(y);
  const segments = background === 0 ? { starts: [0], ends: [count - 1] } : peakSegments(mask);
  const out = Float64Array.from(y);
  const windowMean = (centre: number) => {
    const lo = Math.max(0, centre - halfWindow);
    const hi = Math.min(centre + halfWindow, count - 1);
    let sum = 0;
    for (let i = lo; i <= hi; i++) sum += y[i];
    return sum / (hi - lo + 1);
  };
  for (let k = 0; k < segments.starts.length; k++) {
    const a = segments.starts[k];
    const b = segments.ends[k];
    const left = windowMean(a);
    const right = windowMean(b);
    const slope = (right - left) / (b - a);
    for (let i = a + 1; i < b; i++) out[i] = left + (i - a) * slope;
  }
  return out;
}

/** Least-squares line through (k, v[k]) evaluated at `at`; one point gives a constant. */
function lineThrough(xs: number[], vs: number[], at: number): number {
  const m = xs.length;
  if (m === 1) return vs[0];
  let sx = 0, sv = 0;
  for (let i = 0; i < m; i++) {
    sx += xs[i];
    sv += vs[i];
  }
  const mx = sx / m;
  const mv = sv / m;
  let sxx = 0, sxv = 0;
  for (let i = 0; i < m; i++) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxv += (xs[i] - mx) * (vs[i] - mv);
  }
  const slope = sxv / sxx;
  return mv + slope * (at - mx);
}

/** Centred moving average of width 2·shw+1 over the baseline padded at both ends by straight-line extrapolation. */
export function smoothEdges(rough: Float64Array, shw: number): Float64Array {
  const count = rough.length;
  if (shw <= 0) return rough;
  const window = Math.min(shw, count);
  const padded = new Float64Array(count + 2 * shw);
  padded.set(rough, shw);
  const leftX: number[] = [], leftV: number[] = [], rightX: number[] = [], rightV: number[] = [];
  for (let k = 0; k < window; k++) {
    leftX.push(k);
    leftV.push(rough[k]);
    rightX.push(count - window + k);
    rightV.push(rough[count - window + k]);
  }
  for (let k = 1; k <= shw; k++) {
    padded[shw - k] = lineThrough(leftX, leftV, -k);
    padded[shw + count - 1 + k] = lineThrough(rightX, rightV, count - 1 + k);
  }
  const width = 2 * shw + 1;
  const out = new Float64Array(count);
  let sum = 0;
  for (let k = 0; k < width; k++) sum += padded[k];
  let running = sum / width;
  out[0] = running;
  for (let k = 1; k < count; k++) {
    running += (padded[k + width - 1] - padded[k - 1]) / width;
    out[k] = running;
  }
  return out;
}

/** Moving minimum then maximum of width w (scipy grey_opening with its "reflect" edges: … b a | a b …). */
function greyOpening(y: Float64Array, width: number): Float64Array {
  return slidingExtreme(slidingExtreme(y, width, true), width, false);
}

function slidingExtreme(y: Float64Array, width: number, minimum: boolean): Float64Array {
  const count = y.length;
  const half = Math.floor(width / 2);
  const period = 2 * count;
  const padded = new Float64Array(count + 2 * half);
  for (let k = 0; k < padded.length; k++) {
    let i = (k - half) % period;
    if (i < 0) i += period;
    padded[k] = y[i < count ? i : period - 1 - i];
  }
  const out = new Float64Array(count);
  const deque = new Int32Array(padded.length);
  let head = 0;
  let tail = 0;
  for (let k = 0; k < padded.length; k++) {
    const v = padded[k];
    while (tail > head && (minimum ? padded[deque[tail - 1]] >= v : padded[deque[tail - 1]] <= v)) tail--;
    deque[tail++] = k;
    const start = k - width + 1;
    if (start < 0) continue;
    while (deque[head] < start) head++;
    out[start] = padded[deque[head]];
  }
  return out;
}

/** pybaselines' optimize_window: the smallest half-window beyond which grey openings stop changing. */
export function optimizeWindow(y: Float64Array): number {
  const maxHalfWindow = Math.floor((y.length - 1) / 2);
  let opening = greyOpening(y, 3);
  let hits = 0;
  let best = 1;
  let halfWindow = 1;
  for (let hw = 2; hw < maxHalfWindow; hw++) {
    halfWindow = hw;
    const next = greyOpening(y, 2 * hw + 1);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < y.length; i++) {
      diff += (next[i] - opening[i]) ** 2;
      norm += opening[i] ** 2;
    }
    if (Math.sqrt(diff) / Math.max(Math.sqrt(norm), Number.EPSILON) < 1e-6) {
      if (hits === 0) best = hw - 1;
      hits += 1;
      if (hits >= 3) {
        halfWindow = best;
        break;
      }
    } else if (hits > 0) {
      hits = 0;
    }
    opening = next;
  }
  return Math.max(halfWindow, 1);
}
