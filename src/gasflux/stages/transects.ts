import { GasfluxError } from '../errors.js';
import { angularDistance } from './angles.js';

const SWITCH_ANGLE = 150;
/** The reference's lag, in samples (3 s at gasflux's 1 Hz). */
export const SWITCH_LAG = 3;

/**
 * Transect numbers from heading reversals: a new transect starts `lag` rows before a sample whose heading differs
 * by more than 150° from the heading `lag` samples earlier; a switch within `lag − 1` rows after a kept one is
 * ignored. The reference's lag is 3 (a switch right after another, or two rows after, is ignored); `corrected`
 * physics passes the same 3 s at the flight's logging rate.
 */
export function numberTransects(courseAzimuth: Float64Array, lag = SWITCH_LAG): Int32Array {
  if (!Number.isInteger(lag) || lag < 1) throw new RangeError(`numberTransects: lag must be an integer >= 1, got ${lag}`);
  const count = courseAzimuth.length;
  const flag = new Uint8Array(count);
  for (let i = lag; i < count; i++) {
    const previous = courseAzimuth[i - lag];
    const current = courseAzimuth[i];
    if (Number.isNaN(previous) || Number.isNaN(current)) continue;
    if (angularDistance(current, previous) > SWITCH_ANGLE) flag[i] = 1;
  }
  // Flags are visited in order, each seeing the ones already cleared: a flag survives unless a surviving flag
  // lies within the lag − 1 rows before it.
  let lastKept = -Infinity;
  for (let i = 0; i < count; i++) {
    if (flag[i] !== 1) continue;
    if (i - lastKept < lag) flag[i] = 0;
    else lastKept = i;
  }
  const transect = new Int32Array(count);
  let running = 0;
  const lastShifted = count - lag;
  for (let i = 0; i < lastShifted; i++) {
    running += flag[i + lag];
    transect[i] = 1 + running;
  }
  for (let i = Math.max(lastShifted, 0); i < count; i++) transect[i] = lastShifted > 0 ? transect[lastShifted - 1] : 1;
  return transect;
}

/**
 * numberTransects over the rows that `skip` does not mark, as if the skipped rows were not there (the heading
 * before a hover is compared with the heading after it); a skipped row takes the number of the row before it.
 * Row 0 must not be skipped.
 */
export function numberTransectsSkipping(courseAzimuth: Float64Array, skip: Uint8Array, lag = SWITCH_LAG): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < courseAzimuth.length; i++) if (!skip[i]) rows.push(i);
  const numbers = numberTransects(Float64Array.from(rows, (i) => courseAzimuth[i]), lag);
  const out = new Int32Array(courseAzimuth.length);
  let k = 0;
  let current = 1;
  for (let i = 0; i < out.length; i++) {
    if (!skip[i]) current = numbers[k++];
    out[i] = current;
  }
  return out;
}

export interface TransectRun {
  start: number;
  end: number;
  count: number;
  meanHeights: Map<number, number>;
}

/**
 * The longest run of transects whose mean heights rise (ties count as rising) or fall steadily. `lag` is the one
 * numberTransects used, for the message when fewer than two transects are found. Rows that `skip` marks take no
 * part in the mean heights.
 */
export function largestMonotonicRun(transect: Int32Array, height: Float64Array, lag = SWITCH_LAG, skip?: Uint8Array): TransectRun {
  const sums = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < transect.length; i++) {
    if (skip?.[i]) continue;
    const entry = sums.get(transect[i]) ?? { sum: 0, n: 0 };
    entry.sum += height[i];
    entry.n += 1;
    sums.set(transect[i], entry);
  }
  const numbers = [...sums.keys()].sort((a, b) => a - b);
  const meanHeights = new Map(numbers.map((t) => [t, sums.get(t)!.sum / sums.get(t)!.n]));
  if (numbers.length < 2) {
    throw new GasfluxError(
      'NO_TRANSECTS',
      'curtain',
      `Found ${numbers.length} transect; at least two are needed (a new transect starts where the heading reverses by more than ${SWITCH_ANGLE}° within ${lag} samples), ` +
        'and a mass balance needs transects at two or more heights',
    );
  }
  const { start, end } = monotonicRange(numbers.map((t) => meanHeights.get(t)!));
  return { start: numbers[start], end: numbers[end], count: numbers.length, meanHeights };
}

/** Transects (or spiral rows) whose heights differ by less than this (m) fly at one height: GNSS/baro noise. */
export const HEIGHT_LEVEL_TOLERANCE_M = 1;

const metres = (v: number) => `${v.toFixed(1)} m`;

/**
 * A mass balance integrates the flux over a vertical plane, so the transects kept must span at least two heights
 * (mean heights HEIGHT_LEVEL_TOLERANCE_M or more apart). With one height the kriging grid is a line (or, with
 * cut_ground, a plane extrapolated from one line down to the ground) and its integral means nothing.
 */
export function requireSeveralHeights(run: TransectRun): void {
  const kept: number[] = [];
  const all = [...run.meanHeights.values()];
  for (const [t, h] of run.meanHeights) if (t >= run.start && t <= run.end) kept.push(h);
  const low = Math.min(...kept);
  const high = Math.max(...kept);
  if (high - low >= HEIGHT_LEVEL_TOLERANCE_M) return;
  const allLow = Math.min(...all);
  const allHigh = Math.max(...all);
  const selection =
    run.count === run.end - run.start + 1
      ? `All ${run.count} transects fly`
      : `The ${run.end - run.start + 1} transects kept (${run.start}–${run.end} of ${run.count}, the longest run of steadily rising or falling mean heights) fly`;
  const others =
    allHigh - allLow >= HEIGHT_LEVEL_TOLERANCE_M
      ? `; the flight's transects range from ${metres(allLow)} to ${metres(allHigh)}, but not in one steadily rising or falling run`
      : '';
  throw new GasfluxError(
    'TOO_FEW_HEIGHTS',
    'curtain',
    `${selection} at one height (${metres((low + high) / 2)} above take-off, mean heights within ${(high - low).toFixed(2)} m)${others}. ` +
      `A mass balance needs transects at two or more heights (at least ${HEIGHT_LEVEL_TOLERANCE_M} m apart) to integrate the flux over a vertical plane`,
  );
}

/** Index range (inclusive) of the longest ascending-or-tied / descending run; ascending wins ties in length. */
export function monotonicRange(heights: number[]): { start: number; end: number } {
  let pos = 0, neg = 0, maxPos = 0, maxNeg = 0;
  let posStart = 0, posEnd = 0, negStart = 0, negEnd = 0;
  for (let i = 1; i < heights.length; i++) {
    if (heights[i] >= heights[i - 1]) {
      pos += 1;
      neg = 0;
    } else {
      neg += 1;
      pos = 0;
    }
    if (pos > maxPos) {
      maxPos = pos;
      posEnd = i;
      posStart = i - pos;
    } else if (neg > maxNeg) {
      maxNeg = neg;
      negEnd = i;
      negStart = i - neg;
    }
  }
  return maxPos >= maxNeg ? { start: posStart, end: posEnd } : { start: negStart, end: negEnd };
}

/** The spiral strategy's form of requireSeveralHeights: its rows must span HEIGHT_LEVEL_TOLERANCE_M or more. */
export function requireSpiralHeights(height: Float64Array): void {
  let low = Infinity;
  let high = -Infinity;
  for (const h of height) {
    if (h < low) low = h;
    if (h > high) high = h;
  }
  if (high - low >= HEIGHT_LEVEL_TOLERANCE_M) return;
  throw new GasfluxError(
    'TOO_FEW_HEIGHTS',
    'spiral',
    `The spiral flies at one height (${metres((low + high) / 2)} above take-off, every row within ${(high - low).toFixed(2)} m). ` +
      `A mass balance needs loops at two or more heights (at least ${HEIGHT_LEVEL_TOLERANCE_M} m apart) to integrate the flux over a vertical surface`,
  );
}
