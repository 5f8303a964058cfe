import { DEG } from './angles.js';

/** Sample standard deviation (ddof 1); NaN with fewer than two values. */
export function sampleStd(values: ArrayLike<number>): number {
  const count = values.length;
  if (count < 2) return NaN;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i];
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < count; i++) squares += (values[i] - mean) ** 2;
  return Math.sqrt(squares / (count - 1));
}

/** Circular standard deviation of compass directions, in degrees. */
export function circularStd(degrees: ArrayLike<number>): number {
  let c = 0, s = 0;
  for (let i = 0; i < degrees.length; i++) {
    c += Math.cos(degrees[i] * DEG);
    s += Math.sin(degrees[i] * DEG);
  }
  const resultant = Math.hypot(c, s) / degrees.length;
  return Math.sqrt(-2 * Math.log(resultant)) / DEG;
}
