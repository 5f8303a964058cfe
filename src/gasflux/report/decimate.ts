// Display decimation: keep the figures small for long flights while keeping what the eye looks for
// (extremes of a line, the peaks of a scatter). Only used for drawing; the numbers in the report are never decimated.

/** The largest number of markers (or line vertices) drawn for one trace. */
export const MAX_MARKERS = 4000;

/** Row indices 0..n-1 (or those with mask[i] = 1). */
export function indicesWhere(n: number, mask?: ArrayLike<number>): Int32Array {
  if (!mask) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (mask[i]) count++;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (mask[i]) out[k++] = i;
  return out;
}

/**
 * Min/max bucket decimation of a line: the candidate indices (ascending) are split into budget/2 equal buckets and
 * each bucket keeps the index of its smallest and largest finite value, in order. A bucket that holds a non-finite
 * value also keeps one such index so that gaps in the line survive. Returns the candidates unchanged if they fit.
 */
export function minMaxDecimate(values: ArrayLike<number>, budget: number, candidates?: Int32Array): Int32Array {
  const idx = candidates ?? indicesWhere(values.length);
  if (idx.length <= budget) return idx;
  const buckets = Math.max(1, Math.floor(budget / 2));
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * idx.length) / buckets);
    const end = Math.floor(((b + 1) * idx.length) / buckets);
    let iMin = -1;
    let iMax = -1;
    let iGap = -1;
    for (let k = start; k < end; k++) {
      const i = idx[k];
      const v = values[i];
      if (!Number.isFinite(v)) {
        if (iGap < 0) iGap = i;
        continue;
      }
      if (iMin < 0 || v < values[iMin]) iMin = i;
      if (iMax < 0 || v > values[iMax]) iMax = i;
    }
    const keep = [iMin, iMax, iGap].filter((i) => i >= 0).sort((a, b2) => a - b2);
    for (let k = 0; k < keep.length; k++) if (k === 0 || keep[k] !== keep[k - 1]) out.push(keep[k]);
  }
  return Int32Array.from(out);
}

/**
 * Scatter decimation: if there are more candidates than the budget, keep the `peakShare` of the budget with the
 * highest priority (e.g. the concentration, so plume peaks are always drawn) and fill the rest with an even stride
 * through the remaining candidates. Returns ascending row indices.
 */
export function scatterDecimate(
  candidates: Int32Array,
  budget: number,
  priority?: (i: number) => number,
  peakShare = 0.1,
): Int32Array {
  if (candidates.length <= budget) return candidates;
  const chosen = new Uint8Array(candidates.length);
  let taken = 0;
  if (priority) {
    const peaks = Math.floor(budget * peakShare);
    const order = Array.from(candidates.keys())
      .filter((k) => Number.isFinite(priority(candidates[k])))
      .sort((a, b) => priority(candidates[b]) - priority(candidates[a]));
    for (let k = 0; k < peaks && k < order.length; k++) {
      chosen[order[k]] = 1;
      taken++;
    }
  }
  const rest = budget - taken;
  const remaining = candidates.length - taken;
  if (rest > 0 && remaining > 0) {
    const step = remaining / rest;
    let next = 0;
    let seen = 0;
    for (let k = 0; k < candidates.length && taken < budget; k++) {
      if (chosen[k]) continue;
      if (seen >= next) {
        chosen[k] = 1;
        taken++;
        next += step;
      }
      seen++;
    }
  }
  const out: number[] = [];
  for (let k = 0; k < candidates.length; k++) if (chosen[k]) out.push(candidates[k]);
  return Int32Array.from(out);
}

/** A caption sentence about decimation, or '' when everything was drawn. */
export function decimationNote(shown: number, total: number, what: string): string {
  if (shown >= total) return '';
  return `Showing ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${what} (decimated for display; extremes and peaks kept).`;
}
