/** Largest distance between any two points (exact): convex hull by monotone chain, then all hull pairs. */
export function diameter(x: Float64Array, y: Float64Array): number {
  const count = x.length;
  if (count < 2) return 0;
  const order = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const cross = (o: number, a: number, b: number) => (x[a] - x[o]) * (y[b] - y[o]) - (y[a] - y[o]) * (x[b] - x[o]);
  const hull: number[] = [];
  for (const p of order) {
    while (hull.length >= 2 && cross(hull[hull.length - 2], hull[hull.length - 1], p) <= 0) hull.pop();
    hull.push(p);
  }
  const lowerSize = hull.length + 1;
  for (let k = count - 2; k >= 0; k--) {
    const p = order[k];
    while (hull.length >= lowerSize && cross(hull[hull.length - 2], hull[hull.length - 1], p) <= 0) hull.pop();
    hull.push(p);
  }
  let best = 0;
  for (let a = 0; a < hull.length; a++) {
    for (let b = a + 1; b < hull.length; b++) {
      const d = Math.hypot(x[hull[a]] - x[hull[b]], y[hull[a]] - y[hull[b]]);
      if (d > best) best = d;
    }
  }
  return best;
}
