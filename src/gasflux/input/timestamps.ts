import type { CellValue } from '../table.js';

// `YYYY-MM-DD HH:MM[:SS[.fff]]` with an optional `T`, and an optional `Z` or `±HH[:]MM` offset.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** A timestamp label in milliseconds since the epoch (offset-free text is read as UTC), or undefined. */
export function parseTimestamp(cell: CellValue): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  if (cell === null) return undefined;
  const m = DATE_TIME.exec(cell.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, s ? +s : 0) + (fraction ? Math.round(Number(fraction) * 1000) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : ms;
}

export interface OrderProblem {
  /** Rows whose timestamp is at or before the previous parseable one. */
  count: number;
  /** Index (0-based data row) of the first such row. */
  firstIndex: number;
}

/** Checks that the parseable timestamps strictly increase; unparseable ones are skipped. */
export function findTimestampDisorder(cells: readonly CellValue[]): OrderProblem | undefined {
  let previous: number | undefined;
  let count = 0;
  let firstIndex = -1;
  for (let i = 0; i < cells.length; i++) {
    const t = parseTimestamp(cells[i]);
    if (t === undefined) continue;
    if (previous !== undefined && t <= previous) {
      count++;
      if (firstIndex < 0) firstIndex = i;
    }
    previous = t;
  }
  return count > 0 ? { count, firstIndex } : undefined;
}
