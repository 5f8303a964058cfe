/**
 * Hover segments: stretches where the drone stays put horizontally (hovering at a transect end while the pilot waits,
 * or climbing straight up between transects). Its course azimuth there is GPS noise (or 0 for identical fixes), which
 * the heading-based transect detection reads as turns, and its samples pile up at one point of the curtain.
 */
import type { GasfluxWarning } from '../errors.js';

/** A drone that stays within this horizontal distance (m) of where it stopped counts as stationary (GNSS jitter). */
export const HOVER_RADIUS_M = 3;
/** ... for at least this long (s). Shorter stops, such as a turn at a transect end, are ordinary flying. */
export const HOVER_MIN_DURATION_S = 10;

export interface HoverSegment {
  /** First row (0-based index into the flight's rows): where the drone arrived; its heading is still a real one. */
  start: number;
  /** Last row of the segment (inclusive). */
  end: number;
}

/**
 * Maximal runs of at least `HOVER_MIN_DURATION_S × rateHz` rows (and at least 3) that all lie within HOVER_RADIUS_M
 * of the run's first row, horizontally. Runs that follow each other directly (a long hover whose fix wanders) are
 * merged. Worst case O(n × minimum rows).
 */
export function findHoverSegments(easting: Float64Array, northing: Float64Array, rateHz: number): HoverSegment[] {
  const count = easting.length;
  const minRows = Math.max(3, Math.ceil(HOVER_MIN_DURATION_S * rateHz));
  const r2 = HOVER_RADIUS_M * HOVER_RADIUS_M;
  const segments: HoverSegment[] = [];
  let anchor = 0;
  while (anchor < count) {
    let end = anchor;
    while (end + 1 < count) {
      const dE = easting[end + 1] - easting[anchor];
      const dN = northing[end + 1] - northing[anchor];
      if (dE * dE + dN * dN > r2) break;
      end++;
    }
    if (end - anchor + 1 >= minRows) {
      const last = segments.at(-1);
      if (last && last.end + 1 >= anchor) last.end = end;
      else segments.push({ start: anchor, end });
      anchor = end + 1;
    } else {
      anchor++;
    }
  }
  return segments;
}

/** Segments described in the warning; the rest are counted. */
const SEGMENTS_SHOWN = 5;

function formatSeconds(s: number): string {
  return s >= 100 ? s.toFixed(0) : String(Number(s.toPrecision(2)));
}

/**
 * One HOVER_SEGMENT warning for the flight's hover segments (none without), naming each one's file rows, times,
 * duration and height, and what the physics mode does with them.
 */
export function hoverWarning(
  segments: HoverSegment[],
  flight: { fileRows: Int32Array; timestamps: string[] | null; height: Float64Array; rateHz: number },
  excluded: boolean,
): GasfluxWarning | null {
  if (segments.length === 0) return null;
  const described = segments.slice(0, SEGMENTS_SHOWN).map(({ start, end }) => {
    const rows = end - start + 1;
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i <= end; i++) {
      low = Math.min(low, flight.height[i]);
      high = Math.max(high, flight.height[i]);
    }
    const at = high - low < 1 ? `at ${((low + high) / 2).toFixed(1)} m` : `climbing from ${flight.height[start].toFixed(1)} to ${flight.height[end].toFixed(1)} m`;
    const when = flight.timestamps ? ` (${flight.timestamps[start]} to ${flight.timestamps[end]})` : '';
    return `${formatSeconds(rows / flight.rateHz)} s at rows ${flight.fileRows[start]}–${flight.fileRows[end]}${when}, ${at} above take-off`;
  });
  const more = segments.length > SEGMENTS_SHOWN ? `; and ${segments.length - SEGMENTS_SHOWN} more` : '';
  const times = segments.length === 1 ? '' : ` ${segments.length} times`;
  const effect = excluded
    ? 'Corrected physics leaves those rows (after the first of each hover) out of the background fit, the transect detection and ' +
      'the curtain, so they neither split nor merge transects nor pile up at one point of the curtain'
    : 'gasflux-0.2.2 physics keeps them, as gasflux does: the course heading there is GPS noise (0° for identical fixes), ' +
      'which can split or merge transects, and the samples pile up at one point of the curtain (physics: corrected leaves them out)';
  return {
    code: 'HOVER_SEGMENT',
    count: segments.length,
    message:
      `The drone hovers${times} (stays within ${HOVER_RADIUS_M} m horizontally for ${HOVER_MIN_DURATION_S} s or more): ${described.join('; ')}${more}. ${effect}`,
  };
}

/**
 * Per-row values computed over a subset of the rows (`rows`, ascending, the moving ones) spread back over all
 * `count` rows: a row left out takes the linear interpolation, by row index, between the subset rows either side
 * of it (the nearest one past either end).
 */
export function spreadOverRows(values: Float64Array, rows: Int32Array, count: number): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < count; i++) {
    while (k < rows.length && rows[k] < i) k++;
    if (k < rows.length && rows[k] === i) out[i] = values[k];
    else if (k === 0) out[i] = values[0];
    else if (k === rows.length) out[i] = values[rows.length - 1];
    else {
      const [a, b] = [rows[k - 1], rows[k]];
      out[i] = values[k - 1] + ((i - a) * (values[k] - values[k - 1])) / (b - a);
    }
  }
  return out;
}

/** A per-row flag computed over a subset of the rows, spread back: a row left out takes the flag of the subset row before it. */
export function holdOverRows(flags: Uint8Array, rows: Int32Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let k = -1;
  for (let i = 0; i < count; i++) {
    if (k + 1 < rows.length && rows[k + 1] === i) k++;
    out[i] = flags[Math.max(k, 0)];
  }
  return out;
}
