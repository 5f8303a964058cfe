export const DEG = Math.PI / 180;

/** Floored modulo, always in [0, m) (Python `%` semantics). */
export function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/** Smallest angle between two compass bearings, in [0, 180]. */
export function angularDistance(a: number, b: number): number {
  const d = Math.abs(a - b);
  return Math.min(mod(d, 360), mod(360 - d, 360));
}
