/**
 * Ordinary kriging of the point fluxes onto the grid (as scikit-gstat's OrdinaryKriging, exact mode): per node, the
 * data points within the variogram range, at most `max_points` nearest (ties to the lower row), and an (m+1)² system
 * solved by LU with partial pivoting. A uniform-grid index finds neighbours; nothing is O(n²).
 */
import { GasfluxError } from '../errors.js';
import type { KrigingGrid } from './kriging-grid.js';

export interface KrigingPoints {
  x: Float64Array;
  y: Float64Array;
  /** Original row index per point (for tie-breaking and diagnostics). */
  count: number;
}

/** Keeps the first occurrence of every identical (x, y) pair, in row order. */
export function uniquePoints(x: Float64Array, y: Float64Array): Int32Array {
  const seen = new Set<string>();
  const keep: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const key = `${x[i]},${y[i]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    keep.push(i);
  }
  return Int32Array.from(keep);
}

/** For every grid node, the `k` nearest points sorted by (distance, index): shared by every gas. */
export interface NeighbourTable {
  k: number;
  /** nodes × k point indices (−1 where fewer points exist). */
  indices: Int32Array;
  /** nodes × k distances. */
  distances: Float64Array;
}

export function nearestNeighbours(px: Float64Array, py: Float64Array, grid: KrigingGrid, k: number): NeighbourTable {
  const count = px.length;
  const kk = Math.min(k, count);
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (let i = 0; i < count; i++) {
    xMin = Math.min(xMin, px[i]);
    xMax = Math.max(xMax, px[i]);
    yMin = Math.min(yMin, py[i]);
    yMax = Math.max(yMax, py[i]);
  }
  const spanX = Math.max(xMax - xMin, 1e-9);
  const spanY = Math.max(yMax - yMin, 1e-9);
  // Cells holding about k/4 points each keep the ring search short.
  const cellsWanted = Math.max(1, (4 * count) / Math.max(kk, 1));
  let cell = Math.sqrt((spanX * spanY) / cellsWanted);
  if (!(cell > 0)) cell = Math.max(spanX, spanY);
  cell = Math.max(cell, Math.max(spanX, spanY) / 4096);
  const cols = Math.floor(spanX / cell) + 1;
  const rows = Math.floor(spanY / cell) + 1;
  const cellOf = (i: number) => Math.floor((py[i] - yMin) / cell) * cols + Math.floor((px[i] - xMin) / cell);
  const cellCounts = new Int32Array(cols * rows + 1);
  for (let i = 0; i < count; i++) cellCounts[cellOf(i) + 1] += 1;
  for (let c = 0; c < cols * rows; c++) cellCounts[c + 1] += cellCounts[c];
  const members = new Int32Array(count);
  const fill = cellCounts.slice(0, cols * rows);
  for (let i = 0; i < count; i++) members[fill[cellOf(i)]++] = i;

  const nodes = grid.nx * grid.ny;
  const indices = new Int32Array(nodes * kk).fill(-1);
  const distances = new Float64Array(nodes * kk).fill(Infinity);
  let candidates = new Int32Array(256);
  let candidateDistances = new Float64Array(256);
  const order: number[] = [];

  for (let node = 0; node < nodes; node++) {
    const gx = grid.xs[Math.floor(node / grid.ny)];
    const gy = grid.ys[node % grid.ny];
    const cx = Math.min(Math.max(Math.floor((gx - xMin) / cell), 0), cols - 1);
    const cy = Math.min(Math.max(Math.floor((gy - yMin) / cell), 0), rows - 1);
    // Distance from the node to the boundary of its (clamped) home cell block, for the stopping bound.
    const outsideX = Math.max(xMin + cx * cell - gx, gx - (xMin + (cx + 1) * cell), 0);
    const outsideY = Math.max(yMin + cy * cell - gy, gy - (yMin + (cy + 1) * cell), 0);
    const outside = Math.hypot(outsideX, outsideY);
    let found = 0;
    const maxRing = Math.max(cols, rows);
    for (let ring = 0; ring <= maxRing; ring++) {
      for (let ry = cy - ring; ry <= cy + ring; ry++) {
        if (ry < 0 || ry >= rows) continue;
        const edgeRow = ry === cy - ring || ry === cy + ring;
        for (let rx = cx - ring; rx <= cx + ring; rx += edgeRow ? 1 : 2 * ring || 1) {
          if (rx < 0 || rx >= cols) continue;
          const c = ry * cols + rx;
          for (let m = cellCounts[c]; m < cellCounts[c + 1]; m++) {
            const p = members[m];
            if (found === candidates.length) {
              const grownIdx = new Int32Array(found * 2);
              grownIdx.set(candidates);
              candidates = grownIdx;
              const grownDist = new Float64Array(found * 2);
              grownDist.set(candidateDistances);
              candidateDistances = grownDist;
            }
            candidates[found] = p;
            candidateDistances[found] = Math.hypot(px[p] - gx, py[p] - gy);
            found += 1;
          }
        }
      }
      if (found >= kk) {
        // Any point outside rings 0..ring is at least ring·cell (+ the node's offset) away.
        const kth = kthSmallest(candidateDistances, found, kk);
        if (Math.hypot(ring * cell, outside) > kth) break;
      }
    }
    order.length = 0;
    for (let c = 0; c < found; c++) order.push(c);
    order.sort((a, b) => candidateDistances[a] - candidateDistances[b] || candidates[a] - candidates[b]);
    for (let r = 0; r < kk && r < found; r++) {
      indices[node * kk + r] = candidates[order[r]];
      distances[node * kk + r] = candidateDistances[order[r]];
    }
  }
  return { k: kk, indices, distances };
}

function kthSmallest(values: Float64Array, count: number, k: number): number {
  const copy = values.slice(0, count).sort();
  return copy[k - 1];
}

export interface KrigingResult {
  field: Float64Array;
  variance: Float64Array;
  /** Nodes left NaN because fewer than min_points data points lie within the range. */
  insufficientNodes: number;
}

export interface KrigingTarget {
  gas: string;
  /** Point value per (unique) data point. */
  values: Float64Array;
  gamma: (h: number) => number;
  range: number;
}

/**
 * Krigs every target (one per gas) on the grid. Per node the neighbour distances are computed once and shared by
 * all targets; each target then solves its own system.
 *
 * The system Γλ + μ1 = g, Σλ = 1 is solved through M = a·11ᵀ − Γ, which is symmetric positive definite for a large
 * enough a (Γ is conditionally negative definite), so one Cholesky factorisation replaces an LU with pivoting at half
 * the cost. λ is unchanged by the shift; μ = ν − a. If the factorisation meets a non-positive pivot, the node falls
 * back to LU with partial pivoting.
 */
export function krigeGrid(
  px: Float64Array,
  py: Float64Array,
  grid: KrigingGrid,
  neighbours: NeighbourTable,
  targets: KrigingTarget[],
  minPoints: number,
  onNode?: (done: number, total: number) => void,
): KrigingResult[] {
  const nodes = grid.nx * grid.ny;
  const k = neighbours.k;
  const results = targets.map(() => ({ field: new Float64Array(nodes), variance: new Float64Array(nodes), insufficientNodes: 0 }));
  const pairDistances = new Float64Array(k * k);
  const matrix = new Float64Array((k + 1) * (k + 1));
  const g = new Float64Array(k + 1);
  const ones = new Float64Array(k);
  const work = new Float64Array(k);
  const chosen = new Int32Array(k);
  const reportEvery = Math.max(1, Math.floor(nodes / 50));

  for (let node = 0; node < nodes; node++) {
    let available = 0;
    while (available < k && neighbours.indices[node * k + available] >= 0) {
      chosen[available] = neighbours.indices[node * k + available];
      available += 1;
    }
    for (let a = 0; a < available; a++) {
      const xa = px[chosen[a]];
      const ya = py[chosen[a]];
      for (let b = a + 1; b < available; b++) {
        const dx = xa - px[chosen[b]];
        const dy = ya - py[chosen[b]];
        pairDistances[a * k + b] = Math.sqrt(dx * dx + dy * dy);
      }
    }
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t];
      const out = results[t];
      let m = 0;
      while (m < available && neighbours.distances[node * k + m] <= target.range) m++;
      if (m < minPoints) {
        out.field[node] = NaN;
        out.variance[node] = NaN;
        out.insufficientNodes += 1;
        continue;
      }
      const gamma = target.gamma;
      for (let a = 0; a < m; a++) g[a] = gamma(neighbours.distances[node * k + a]);
      let shift = 0;
      for (let a = 0; a < m; a++) {
        matrix[a * m + a] = 0;
        for (let b = a + 1; b < m; b++) {
          const v = gamma(pairDistances[a * k + b]);
          matrix[b * m + a] = v;
          if (v > shift) shift = v;
        }
      }
      shift = 2 * shift || 1;
      let solved: { lambda: Float64Array; mu: number } | null = solveShiftedCholesky(matrix, g, m, shift, ones, work);
      if (!solved) solved = solveByLu(g, m, chosen, px, py, node, gamma, target.gas);
      const { lambda, mu } = solved;
      let estimate = 0;
      let variance = mu;
      for (let a = 0; a < m; a++) {
        estimate += lambda[a] * target.values[chosen[a]];
        variance += lambda[a] * g[a];
      }
      out.field[node] = estimate;
      out.variance[node] = variance;
    }
    if (onNode && (node + 1) % reportEvery === 0) onNode(node + 1, nodes);
  }
  onNode?.(nodes, nodes);
  return results;
}

/**
 * `matrix` holds Γ in its strict lower triangle (row-major, stride m). Factorises M = shift·11ᵀ − Γ = LLᵀ in place
 * and solves for λ and μ; null when M is not numerically positive definite.
 */
function solveShiftedCholesky(matrix: Float64Array, g: Float64Array, m: number, shift: number, ones: Float64Array, work: Float64Array) {
  for (let a = 0; a < m; a++) {
    matrix[a * m + a] = shift;
    for (let b = 0; b < a; b++) matrix[a * m + b] = shift - matrix[a * m + b];
  }
  for (let j = 0; j < m; j++) {
    const rowJ = j * m;
    const d = matrix[rowJ + j] - dot(matrix, rowJ, rowJ, j);
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    matrix[rowJ + j] = ljj;
    let i = j + 1;
    for (; i + 1 < m; i += 2) updateTwoRows(matrix, i * m, m, rowJ, j, ljj);
    if (i < m) matrix[i * m + j] = (matrix[i * m + j] - dot(matrix, i * m, rowJ, j)) / ljj;
  }
  ones.fill(1, 0, m);
  choleskySolve(matrix, ones, m);
  for (let a = 0; a < m; a++) work[a] = g[a];
  choleskySolve(matrix, work, m);
  let sumOnes = 0, sumG = 0;
  for (let a = 0; a < m; a++) {
    sumOnes += ones[a];
    sumG += work[a];
  }
  const nu = (1 + sumG) / sumOnes;
  const lambda = new Float64Array(m);
  for (let a = 0; a < m; a++) lambda[a] = nu * ones[a] - work[a];
  return { lambda, mu: nu - shift };
}

/**
 * Column j of rows i and i+1 (`rowI`, `rowI + m`) of the factor: two `dot`s against row j sharing its loads, each
 * summed in `dot`'s order, so the factor is the same to the bit (about 1.25× faster than one row at a time).
 */
function updateTwoRows(a: Float64Array, rowI: number, m: number, rowJ: number, j: number, ljj: number): void {
  const rowK = rowI + m;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  let p = 0;
  for (; p + 3 < j; p += 4) {
    const x0 = a[rowJ + p], x1 = a[rowJ + p + 1], x2 = a[rowJ + p + 2], x3 = a[rowJ + p + 3];
    a0 += a[rowI + p] * x0;
    a1 += a[rowI + p + 1] * x1;
    a2 += a[rowI + p + 2] * x2;
    a3 += a[rowI + p + 3] * x3;
    b0 += a[rowK + p] * x0;
    b1 += a[rowK + p + 1] * x1;
    b2 += a[rowK + p + 2] * x2;
    b3 += a[rowK + p + 3] * x3;
  }
  for (; p < j; p++) {
    const x = a[rowJ + p];
    a0 += a[rowI + p] * x;
    b0 += a[rowK + p] * x;
  }
  a[rowI + j] = (a[rowI + j] - (a0 + a1 + a2 + a3)) / ljj;
  a[rowK + j] = (a[rowK + j] - (b0 + b1 + b2 + b3)) / ljj;
}

/** Σ a[i+p]·a[j+p] for p < length, unrolled by four (the Cholesky inner loop). */
function dot(a: Float64Array, i: number, j: number, length: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let p = 0;
  for (; p + 3 < length; p += 4) {
    s0 += a[i + p] * a[j + p];
    s1 += a[i + p + 1] * a[j + p + 1];
    s2 += a[i + p + 2] * a[j + p + 2];
    s3 += a[i + p + 3] * a[j + p + 3];
  }
  for (; p < length; p++) s0 += a[i + p] * a[j + p];
  return s0 + s1 + s2 + s3;
}

/** Solves LLᵀx = b in place (L in the lower triangle, row-major, stride m). */
function choleskySolve(l: Float64Array, b: Float64Array, m: number) {
  for (let i = 0; i < m; i++) {
    let s = b[i];
    const row = i * m;
    for (let p = 0; p < i; p++) s -= l[row + p] * b[p];
    b[i] = s / l[row + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i];
    for (let p = i + 1; p < m; p++) s -= l[p * m + i] * b[p];
    b[i] = s / l[i * m + i];
  }
}

/** The bordered system [Γ 1; 1ᵀ 0] by LU with partial pivoting, rebuilt from the distances. */
function solveByLu(
  g: Float64Array,
  m: number,
  chosen: Int32Array,
  px: Float64Array,
  py: Float64Array,
  node: number,
  gamma: (h: number) => number,
  gas: string,
) {
  const size = m + 1;
  const a = new Float64Array(size * size);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const v = gamma(Math.sqrt((px[chosen[i]] - px[chosen[j]]) ** 2 + (py[chosen[i]] - py[chosen[j]]) ** 2));
      a[i * size + j] = v;
      a[j * size + i] = v;
    }
    a[i * size + m] = 1;
    a[m * size + i] = 1;
  }
  const b = new Float64Array(size);
  b.set(g.subarray(0, m));
  b[m] = 1;
  const x = luSolve(a, b, size);
  if (!x) throw new GasfluxError('SINGULAR_MATRIX', 'kriging', `Gas '${gas}': the kriging system at grid node ${node} is singular`);
  return { lambda: x.subarray(0, m), mu: x[m] };
}

/** Gaussian elimination with partial pivoting on a row-major size×size matrix; null when singular. */
function luSolve(a: Float64Array, b: Float64Array, size: number): Float64Array | null {
  for (let col = 0; col < size; col++) {
    let pivot = col;
    let best = Math.abs(a[col * size + col]);
    for (let r = col + 1; r < size; r++) {
      const v = Math.abs(a[r * size + col]);
      if (v > best) {
        best = v;
        pivot = r;
      }
    }
    if (best === 0) return null;
    if (pivot !== col) {
      for (let c = col; c < size; c++) {
        const t = a[col * size + c];
        a[col * size + c] = a[pivot * size + c];
        a[pivot * size + c] = t;
      }
      const t = b[col];
      b[col] = b[pivot];
      b[pivot] = t;
    }
    const diagonal = a[col * size + col];
    for (let r = col + 1; r < size; r++) {
      const factor = a[r * size + col] / diagonal;
      if (factor === 0) continue;
      for (let c = col + 1; c < size; c++) a[r * size + c] -= factor * a[col * size + c];
      b[r] -= factor * b[col];
    }
  }
  for (let r = size - 1; r >= 0; r--) {
    let sum = b[r];
    for (let c = r + 1; c < size; c++) sum -= a[r * size + c] * b[c];
    b[r] = sum / a[r * size + r];
  }
  return b;
}
