/** Simpson's rule with unit spacing, scipy ≥ 1.11 semantics (Cartwright's correction for an even sample count). */
export function simpsonUnit(y: ArrayLike<number>): number {
  const count = y.length;
  if (count === 0) return 0;
  if (count === 1) return 0;
  if (count === 2) return 0.5 * (y[0] + y[1]);
  const oddRule = (last: number) => {
    let sum = 0;
    for (let k = 0; k <= last - 2; k += 2) sum += y[k] + 4 * y[k + 1] + y[k + 2];
    return sum / 3;
  };
  if (count % 2 === 1) return oddRule(count - 1);
  return oddRule(count - 2) + (5 / 12) * y[count - 1] + (2 / 3) * y[count - 2] - (1 / 12) * y[count - 3];
}

/**
 * Integrates a field on an nx × ny grid (flat index i·ny + j) along x first, then y; NaN counts as 0.
 * `transform` lets callers integrate the positive or negative part without copying.
 */
export function integrateGrid(
  field: Float64Array,
  nx: number,
  ny: number,
  xCell: number,
  yCell: number,
  transform: (v: number) => number = (v) => v,
): number {
  const rowIntegrals = new Float64Array(ny);
  const column = new Float64Array(nx);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = field[i * ny + j];
      column[i] = Number.isNaN(v) ? 0 : transform(v);
    }
    rowIntegrals[j] = simpsonUnit(column);
  }
  return simpsonUnit(rowIntegrals) * xCell * yCell;
}
