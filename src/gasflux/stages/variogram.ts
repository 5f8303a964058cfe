/**
 * Directional experimental variogram (as scikit-gstat's DirectionalVariogram with the "even" binning), enumerating
 * only the pairs that can count: within the band across the azimuth and closer than the largest lag. Nothing here
 * is O(n²) in memory, and the pair count is bounded by the band and lag geometry.
 */
import { GasfluxError } from '../errors.js';
import type { SemivariogramSettings } from '../config/types.js';
import { levenbergMarquardt } from './levenberg-marquardt.js';
import { diameter } from './convex-hull.js';
import { variogramModel, type VariogramModelName } from './variogram-models.js';

export interface ExperimentalVariogram {
  /** Upper bin edges, n_lags long. */
  bins: Float64Array;
  /** γ per bin; NaN for an empty bin. */
  experimental: Float64Array;
  pairCounts: Int32Array;
  /** Largest lag actually used (maxlag, or the largest directional pair distance when that is smaller). */
  maxLag: number;
  /** Directional pairs within the lag that went into the bins. */
  pairsUsed: number;
  /** Candidate pairs examined while binning (within the band's buckets and the lag along the azimuth). */
  pairsExamined: number;
}

export interface FittedVariogram extends ExperimentalVariogram {
  model: VariogramModelName;
  effectiveRange: number;
  sill: number;
  nugget: 0;
  /** γ(h) of the fitted model. */
  gamma: (h: number) => number;
}

const DEG = Math.PI / 180;

/** The reference's directional test on one pair vector (dx, dy) of length d > 0. */
function isDirectional(dx: number, dy: number, d: number, azimuthRad: number, halfTolerance: number, halfBand: number) {
  let theta = Math.acos(dx / d);
  if (dy < 0) theta = -theta;
  const shifted = Math.abs(theta + azimuthRad);
  let a = shifted;
  if (a > Math.PI) a -= Math.PI;
  if (a > Math.PI / 2) a = Math.PI - a;
  return a <= halfTolerance && halfBand >= Math.abs(d * Math.sin(shifted));
}

/** Buckets per half-band: candidates then lie within 1 + 1/BUCKETS_PER_HALF_BAND half-bands across the azimuth. */
const BUCKETS_PER_HALF_BAND = 2;

interface Frame {
  order: Int32Array; // point indices sorted by u within each band bucket, buckets concatenated
  bucketStart: Map<number, [number, number]>;
  /** Coordinates along (u) and across (v) the azimuth. */
  u: Float64Array;
  v: Float64Array;
  bucketKeys: number[];
  /** Largest |Δv| a pair may have and still be directional (with a rounding margin). */
  maxAcross: number;
}

function buildFrame(x: Float64Array, h: Float64Array, azimuthRad: number, halfBand: number): Frame {
  const count = x.length;
  const u = new Float64Array(count);
  const v = new Float64Array(count);
  const bucketOf = new Float64Array(count);
  const c = Math.cos(azimuthRad);
  const s = Math.sin(azimuthRad);
  const bucketWidth = halfBand > 0 ? halfBand / BUCKETS_PER_HALF_BAND : 1;
  for (let i = 0; i < count; i++) {
    u[i] = x[i] * c - h[i] * s;
    v[i] = x[i] * s + h[i] * c;
    bucketOf[i] = Math.floor(v[i] / bucketWidth);
  }
  const order = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => bucketOf[a] - bucketOf[b] || u[a] - u[b]);
  const bucketStart = new Map<number, [number, number]>();
  for (let k = 0; k < count; ) {
    const key = bucketOf[order[k]];
    let end = k;
    while (end < count && bucketOf[order[end]] === key) end++;
    bucketStart.set(key, [k, end]);
    k = end;
  }
  let extent = 0;
  for (let i = 0; i < count; i++) extent = Math.max(extent, Math.abs(u[i]), Math.abs(v[i]));
  const maxAcross = halfBand * (1 + 1e-9) + 1e-9 * extent;
  return { order, bucketStart, u, v, bucketKeys: [...bucketStart.keys()], maxAcross };
}

/**
 * Calls `visit(i, j)` for every pair within the band across the azimuth (up to a rounding margin) whose separation
 * along it lies in [minAlong, maxAlong]. Pairs farther apart across are skipped before any distance is computed.
 * Returns early when `visit` returns true.
 */
function forEachCandidatePair(frame: Frame, minAlong: number, maxAlong: number, visit: (i: number, j: number) => boolean | void) {
  const { order, bucketStart, u, v, maxAcross } = frame;
  const neighbourKeys = Array.from({ length: BUCKETS_PER_HALF_BAND + 1 }, (_, k) => k);
  for (const key of frame.bucketKeys) {
    const [a0, a1] = bucketStart.get(key)!;
    for (const offset of neighbourKeys) {
      const otherKey = key + offset;
      const other = bucketStart.get(otherKey);
      if (!other) continue;
      const [b0, b1] = other;
      const same = otherKey === key;
      let lo = b0;
      for (let p = a0; p < a1; p++) {
        const i = order[p];
        const ui = u[i];
        // Within a bucket, each unordered pair once (q > p); across buckets, both directions along u.
        const from = same ? p + 1 : b0;
        if (same) {
          for (let q = from; q < b1; q++) {
            const du = u[order[q]] - ui;
            if (du > maxAlong) break;
            if (du >= minAlong && Math.abs(v[order[q]] - v[i]) <= maxAcross && visit(i, order[q])) return;
          }
        } else {
          while (lo < b1 && u[order[lo]] < ui - maxAlong) lo++;
          for (let q = lo; q < b1; q++) {
            const du = Math.abs(u[order[q]] - ui);
            if (u[order[q]] - ui > maxAlong) break;
            if (du >= minAlong && Math.abs(v[order[q]] - v[i]) <= maxAcross && visit(i, order[q])) return;
          }
        }
      }
    }
  }
}

/**
 * Experimental variograms of several value sets on the same points (one per gas): the pair search and binning are
 * done once and shared.
 */
export function experimentalVariograms(
  x: Float64Array,
  h: Float64Array,
  values: Float64Array[],
  settings: SemivariogramSettings,
): ExperimentalVariogram[] {
  const nLags = settings.n_lags;
  const azimuthRad = settings.azimuth * DEG;
  const halfTolerance = (settings.tolerance / 2) * DEG;
  const allPairsMax = diameter(x, h);
  const band = settings.bandwidth <= allPairsMax ? settings.bandwidth : 0;
  const halfBand = band / 2;
  const requestedLag = settings.maxlag < 1 ? settings.maxlag * allPairsMax : settings.maxlag;
  const frame = buildFrame(x, h, azimuthRad, halfBand);
  const { u, v } = frame;
  const tanHalfTolerance = Math.tan(halfTolerance);
  const fastPath = Math.abs(azimuthRad) < Math.PI && halfTolerance < Math.PI / 2;
  const MARGIN = 1e-9;

  /** Pair distance when the pair is directional, else −1. Clear cases skip the reference's acos/sin. */
  const pairDistance = (i: number, j: number) => {
    const dx = x[i] - x[j];
    const dy = h[i] - h[j];
    const d = Math.sqrt(dx * dx + dy * dy);
    if (!(d > 0)) return -1;
    if (fastPath) {
      const across = Math.abs(v[i] - v[j]);
      const along = Math.abs(u[i] - u[j]);
      const angleLimit = along * tanHalfTolerance;
      const clearlyIn = across <= halfBand * (1 - MARGIN) && across <= angleLimit * (1 - MARGIN) - MARGIN * d;
      if (clearlyIn) return d;
      const clearlyOut = across > halfBand * (1 + MARGIN) + MARGIN * d || across > angleLimit * (1 + MARGIN) + MARGIN * d;
      if (clearlyOut) return -1;
    }
    return isDirectional(dx, dy, d, azimuthRad, halfTolerance, halfBand) ? d : -1;
  };

  // The lag is maxlag when some directional pair reaches it, else the longest directional pair (scikit-gstat).
  // Such a pair has |Δu| ≥ sqrt(maxlag² − (band/2)²), so the search starts there and stops at the first hit.
  let reachesLag = false;
  const minAlong = Math.sqrt(Math.max(0, requestedLag * requestedLag - halfBand * halfBand)) * (1 - 1e-12);
  forEachCandidatePair(frame, minAlong, Infinity, (i, j) => {
    if (pairDistance(i, j) >= requestedLag) reachesLag = true;
    return reachesLag;
  });
  let maxLag = requestedLag;
  if (!reachesLag) {
    let longest = 0;
    forEachCandidatePair(frame, 0, requestedLag, (i, j) => {
      longest = Math.max(longest, pairDistance(i, j));
    });
    maxLag = longest;
  }

  const bins = new Float64Array(nLags);
  const step = maxLag / nLags;
  for (let k = 0; k < nLags - 1; k++) bins[k] = (k + 1) * step;
  bins[nLags - 1] = maxLag;
  const sets = values.length;
  const sums = new Float64Array(nLags * sets);
  const pairCounts = new Int32Array(nLags);
  const useCressie = settings.estimator === 'cressie';
  let pairsUsed = 0;
  let pairsExamined = 0;
  forEachCandidatePair(frame, 0, maxLag, (i, j) => {
    pairsExamined += 1;
    const d = pairDistance(i, j);
    if (!(d >= 0 && d < maxLag)) return;
    let k = Math.min(Math.floor(d / step), nLags - 1);
    while (k > 0 && d < bins[k - 1]) k--;
    while (k < nLags - 1 && d >= bins[k]) k++;
    if (d >= bins[k]) return;
    for (let s = 0; s < sets; s++) {
      const z = values[s];
      const diff = Math.abs(z[i] - z[j]);
      sums[k * sets + s] += useCressie ? Math.sqrt(diff) : diff * diff;
    }
    pairCounts[k] += 1;
    pairsUsed += 1;
  });

  return values.map((_, s) => {
    const experimental = new Float64Array(nLags);
    for (let k = 0; k < nLags; k++) {
      const count = pairCounts[k];
      const sum = sums[k * sets + s];
      if (count === 0) experimental[k] = NaN;
      else if (useCressie) {
        const term = ((1 / count) * sum) ** 4;
        experimental[k] = (0.5 * term) / (0.457 + 0.494 / count + 0.045 / (count * count));
      } else {
        experimental[k] = (1 / (2 * count)) * sum;
      }
    }
    return { bins: bins.slice(), experimental, pairCounts: pairCounts.slice(), maxLag, pairsUsed, pairsExamined };
  });
}

export function experimentalVariogram(x: Float64Array, h: Float64Array, z: Float64Array, settings: SemivariogramSettings): ExperimentalVariogram {
  return experimentalVariograms(x, h, [z], settings)[0];
}

export interface FitVariogramOptions {
  /**
   * Keep a fit whose range or sill is not positive instead of failing. gasflux 0.2.2 does: every grid node then lacks
   * neighbours within the range and the gas integrates to 0 kg/h. Parity mode does the same (and warns).
   */
  acceptNonPositive?: boolean;
}

/** Fits the theoretical model (no nugget) to the non-empty bins at their upper edges with Levenberg–Marquardt. */
export function fitVariogram(
  experimental: ExperimentalVariogram,
  modelName: VariogramModelName,
  gas: string,
  options: FitVariogramOptions = {},
): FittedVariogram {
  const xs: number[] = [];
  const ys: number[] = [];
  experimental.experimental.forEach((g, k) => {
    if (!Number.isNaN(g)) {
      xs.push(experimental.bins[k]);
      ys.push(g);
    }
  });
  if (xs.length < 2) {
    throw new GasfluxError(
      'VARIOGRAM_FIT_FAILED',
      'variogram',
      `Gas '${gas}': only ${xs.length} variogram lag bin(s) hold pairs; at least 2 are needed to fit the model (check maxlag, bandwidth and the spacing of transects)`,
    );
  }
  const model = variogramModel(modelName);
  const p0 = [Math.max(...experimental.bins), Math.max(...ys)];
  const fit = levenbergMarquardt((p) => xs.map((h, k) => model(h, p[0], p[1]) - ys[k]), p0);
  const [range, sill] = fit.x;
  if (!fit.converged || !Number.isFinite(range) || !Number.isFinite(sill)) {
    throw new GasfluxError(
      'VARIOGRAM_FIT_FAILED',
      'variogram',
      `Gas '${gas}': the ${modelName} variogram fit did not converge (MINPACK info ${fit.info} after ${fit.nfev} evaluations)`,
    );
  }
  // The unbounded fit can run to r ≤ 0 when the experimental variogram is flat (pure noise): every grid node would
  // then lack neighbours and the flux would silently integrate to 0.
  if (!options.acceptNonPositive && (!(range > 0) || !(sill > 0))) {
    throw new GasfluxError(
      'VARIOGRAM_FIT_FAILED',
      'variogram',
      `Gas '${gas}': the ${modelName} variogram fit gave range ${range.toPrecision(4)} m and sill ${sill.toPrecision(4)}; both must be positive. ` +
        'The point fluxes show no spatial structure at the sampled lags (noise-dominated); check the background settings (half_window) for the sampling rate, or maxlag',
    );
  }
  return { ...experimental, model: modelName, effectiveRange: range, sill, nugget: 0, gamma: (h) => model(h, range, sill) };
}
