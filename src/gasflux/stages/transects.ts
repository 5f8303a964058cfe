import { GasfluxError } from '../errors.js';
import { angularDistance } from './angles.js';

const SWITCH_ANGLE = 150;
const SWITCH_LAG = 3;

/**
 * Transect numbers from heading reversals: a new transect starts 3 rows before a sample whose heading differs by
 * more than 150° from the heading 3 samples earlier; a switch right after another is ignored.
 */
export function numberTransects(courseAzimuth: Float64Array): Int32Array {
  const count = courseAzimuth.length;
  const flag = new Uint8Array(count);
  for (let i = SWITCH_LAG; i < count; i++) {
    const previous = courseAzimuth[i - SWITCH_LAG];
    const current = courseAzimuth[i];
    if (Number.isNaN(previous) || Number.isNaN(current)) continue;
    if (angularDistance(current, previous) > SWITCH_ANGLE) flag[i] = 1;
  }
  for (let i = 1; i < count; i++) {
    if (flag[i] === 1 && (flag[i - 1] === 1 || (i >= 2 && flag[i - 2] === 1))) flag[i] = 0;
  }
  const transect = new Int32Array(count);
  let running = 0;
  const lastShifted = count - SWITCH_LAG;
  for (let i = 0; i < lastShifted; i++) {
    running += flag[i + SWITCH_LAG];
    transect[i] = 1 + running;
  }
  for (let i = Math.max(lastShifted, 0); i < count; i++) transect[i] = lastShifted > 0 ? transect[lastShifted - 1] : 1;
  return transect;
}

export interface TransectRun {
  start: number;
  end: number;
  count: number;
  meanHeights: Map<number, number>;
}

/** The longest run of transects whose mean heights rise (ties count as rising) or fall steadily. */
export function largestMonotonicRun(transect: Int32Array, height: Float64Array): TransectRun {
  const sums = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < transect.length; i++) {
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
      `Found ${numbers.length} transect; at least two are needed (a new transect starts where the heading reverses by more than ${SWITCH_ANGLE}° within ${SWITCH_LAG} samples)`,
    );
  }
  const { start, end } = monotonicRange(numbers.map((t) => meanHeights.get(t)!));
  return { start: numbers[start], end: numbers[end], count: numbers.length, meanHeights };
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
