/**
 * The `bbox` condition's geometry test (§4.4 item 6): a Point must lie strictly within the box,
 * a Polygon / MultiPolygon must intersect it (touching counts). The box is the plain rectangle
 * spanned by west/east and south/north (an antimeridian box is not special-cased). Malformed
 * geometry throws; the caller turns that into "matches" (fail-open).
 */
type Pt = [number, number];
type Box = { minX: number; maxX: number; minY: number; maxY: number };

function position(v: unknown): Pt {
  if (!Array.isArray(v) || v.length < 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number' || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
    throw new Error('bad position');
  }
  return [v[0], v[1]];
}

function ring(v: unknown): Pt[] {
  if (!Array.isArray(v)) throw new Error('bad ring');
  const pts = v.map(position);
  if (pts.length < 4) throw new Error('a ring needs at least 4 positions');
  return pts;
}

function segmentHitsBox([x1, y1]: Pt, [x2, y2]: Pt, b: Box): boolean {
  let t0 = 0, t1 = 1;
  const dx = x2 - x1, dy = y2 - y1;
  const edges: Array<[number, number]> = [[-dx, x1 - b.minX], [dx, b.maxX - x1], [-dy, y1 - b.minY], [dy, b.maxY - y1]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) {
        if (r > t1) return false;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return false;
        if (r < t1) t1 = r;
      }
    }
  }
  return true;
}

function inRing([x, y]: Pt, pts: Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i], [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function polygonHitsBox(rings: Pt[][], b: Box): boolean {
  if (rings.length === 0) return false; // an empty polygon intersects nothing
  for (const r of rings) for (let i = 0; i + 1 < r.length; i++) if (segmentHitsBox(r[i], r[i + 1], b)) return true;
  // No boundary touches the box: the box is wholly inside the polygon's area or wholly outside.
  const centre: Pt = [(b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2];
  return inRing(centre, rings[0]) && !rings.slice(1).some((hole) => inRing(centre, hole));
}

export function geometryMatchesBox(geometry: unknown, box: { north: number; south: number; east: number; west: number }): boolean {
  if (geometry === null || geometry === undefined) return true;
  if (typeof geometry !== 'object' || Array.isArray(geometry)) throw new Error('geometry is not an object');
  const b: Box = {
    minX: Math.min(box.west, box.east),
    maxX: Math.max(box.west, box.east),
    minY: Math.min(box.south, box.north),
    maxY: Math.max(box.south, box.north),
  };
  const g = geometry as { type?: unknown; coordinates?: unknown };
  switch (g.type) {
    case 'Point': {
      const [x, y] = position(g.coordinates);
      return x > b.minX && x < b.maxX && y > b.minY && y < b.maxY;
    }
    case 'Polygon': {
      if (!Array.isArray(g.coordinates)) throw new Error('bad polygon');
      return polygonHitsBox(g.coordinates.map(ring), b);
    }
    case 'MultiPolygon': {
      if (!Array.isArray(g.coordinates)) throw new Error('bad multipolygon');
      return g.coordinates.some((poly) => {
        if (!Array.isArray(poly)) throw new Error('bad polygon');
        return polygonHitsBox(poly.map(ring), b);
      });
    }
    default:
      return true; // other geometry types pass through
  }
}
