import type { CellValue } from '../table.js';

// A plain decimal: optional sign, digits with an optional point, optional exponent. No hex, no Infinity, no NaN.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a finite number, or undefined. Text is parsed with Number(), which rounds correctly. */
export function numericCellValue(cell: CellValue): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  if (cell === null) return undefined;
  const text = cell.trim();
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Cells a logger writes for a reading it did not get (a GPS fix or an analyser sample that dropped out): empty or
 * blank, `NaN` in any case (pandas, numpy), `NA` (R) and `#N/A` (a spreadsheet's not-available error). Any other
 * text is not a dropout but a wrong value, and stays an error.
 */
export function isMissingCell(cell: CellValue): boolean {
  if (cell === null) return true;
  if (typeof cell === 'number') return Number.isNaN(cell);
  const text = cell.trim();
  return text === '' || text.toLowerCase() === 'nan' || text === 'NA' || text === '#N/A';
}

/** Why a cell is not a number, for `Column 'x' row 3: <reason>`. */
export function describeNonNumeric(cell: CellValue): string {
  if (cell === null || (typeof cell === 'string' && cell.trim() === '')) return 'the cell is empty (a number is required)';
  if (typeof cell === 'number') return `value ${cell} is not a finite number`;
  const shown = cell.length > 40 ? `${cell.slice(0, 37)}...` : cell;
  const hint = /^\s*[+-]?\d+,\d+\s*$/.test(cell) ? ' (use a point, not a comma, as the decimal separator)' : '';
  return `value '${shown}' is not a number${hint}`;
}
