import { GasfluxError } from '../errors.js';
import type { CellValue, RawTable } from '../table.js';
import { type ReadLimits, formatCount } from './limits.js';

/**
 * Collects a header and data rows into a column-oriented RawTable, enforcing the row, column and cell limits as
 * rows arrive. Trailing rows with no value at all are dropped (spreadsheets and exports often end with some);
 * empty rows in the middle are kept so that validation reports them with their row number.
 */
export class TableBuilder {
  private columns: string[] = [];
  private cells: CellValue[][] = [];
  private rowCount = 0;
  private filledRowCount = 0;
  private firstDataRow = 0;
  private maxRowsHere = 0;

  constructor(
    private readonly fileName: string,
    private readonly limits: ReadLimits,
  ) {}

  get hasHeader(): boolean {
    return this.columns.length > 0;
  }

  /** The header row: names are trimmed; an empty name becomes `Unnamed: <index>` and a repeated one `<name>.1`, as pandas does. */
  setHeader(names: readonly CellValue[], fileRow: number): void {
    if (names.length > this.limits.maxColumns) throw tooManyColumns(this.fileName, names.length, this.limits);
    this.columns = columnNames(names);
    this.cells = this.columns.map(() => []);
    this.firstDataRow = fileRow + 1;
    this.maxRowsHere = Math.min(this.limits.maxRows, Math.floor(this.limits.maxCells / this.columns.length));
  }

  /** One data row; `cells[i]` belongs to column i. Non-empty cells beyond the header are an error. */
  addRow(cells: readonly CellValue[], fileRow: number): void {
    const width = this.columns.length;
    let filled = false;
    for (let i = 0; i < cells.length; i++) {
      const value = cells[i];
      if (value === null) continue;
      if (i >= width) {
        throw new GasfluxError(
          'INVALID_DATA_FORMAT',
          'input',
          `Row ${fileRow} has a value in column ${i + 1}, but the header names only ${width} columns`,
          { row: fileRow, value },
        );
      }
      filled = true;
    }
    if (this.rowCount >= this.maxRowsHere) throw tooManyRows(this.fileName, this.limits, this.columns.length);
    for (let i = 0; i < width; i++) this.cells[i].push(i < cells.length ? cells[i] : null);
    this.rowCount++;
    if (filled) this.filledRowCount = this.rowCount;
  }

  finish(): RawTable {
    if (!this.hasHeader) throw new GasfluxError('EMPTY_FILE', 'input', `'${this.fileName}' is empty`);
    for (const column of this.cells) column.length = this.filledRowCount;
    return finishTable(this.fileName, this.columns, this.cells, this.filledRowCount, this.firstDataRow);
  }
}

/**
 * Collects a spreadsheet's rows into a RawTable as they stream in. Unlike CSV, the header is the first row holding
 * any value and the columns span every column holding a value in any row, so the span is only known at the end:
 * cells are kept by sheet column, each column created when its first value arrives, and the names are given at
 * `finish`. The row, column and cell limits are enforced as rows arrive, against the span seen so far.
 */
export class SheetTableBuilder {
  /** Data cells by 0-based sheet column; each column is as long as the data rows up to its last value. */
  private readonly byColumn: (CellValue[] | undefined)[] = [];
  private header: CellValue[] = [];
  private headerRow = 0;
  private lastRow = 0;
  private firstCol = Infinity;
  private lastCol = -1;
  private rowCount = 0;
  private maxRowsHere: number;

  constructor(
    private readonly fileName: string,
    private readonly limits: ReadLimits,
  ) {
    this.maxRowsHere = limits.maxRows;
  }

  /**
   * One sheet row: `cells[c]` is the value in 0-based sheet column c (a sparse array; null or missing is empty),
   * `fileRow` its 1-based row number. Rows must come in increasing order; rows without a value may be left out.
   */
  addRow(cells: readonly (CellValue | undefined)[], fileRow: number): void {
    let first = -1;
    let last = -1;
    for (let c = 0; c < cells.length; c++) {
      const value = cells[c];
      if (value === null || value === undefined) continue;
      if (first < 0) first = c;
      last = c;
    }
    if (first < 0) return;
    if (fileRow <= this.lastRow) {
      throw new GasfluxError('CORRUPT_FILE', 'input', `'${this.fileName}' is damaged: its row ${fileRow} comes after row ${this.lastRow}`, { row: fileRow });
    }
    this.lastRow = fileRow;
    if (this.headerRow === 0) {
      this.headerRow = fileRow;
      this.header = Array.from(cells, (v) => v ?? null);
      this.widen(first, last);
      return;
    }
    const index = fileRow - this.headerRow - 1;
    this.checkRows(index + 1);
    this.widen(first, last);
    for (let c = first; c <= last; c++) {
      const value = cells[c];
      if (value === null || value === undefined) continue;
      let column = this.byColumn[c];
      if (!column) {
        column = [];
        this.byColumn[c] = column;
      }
      while (column.length < index) column.push(null);
      column.push(value);
    }
    this.rowCount = index + 1;
  }

  finish(): RawTable {
    if (this.headerRow === 0) throw new GasfluxError('EMPTY_FILE', 'input', `'${this.fileName}' is empty`);
    const width = this.lastCol - this.firstCol + 1;
    const names: CellValue[] = [];
    const cells: CellValue[][] = [];
    for (let c = this.firstCol; c <= this.lastCol; c++) {
      names.push(this.header[c] ?? null);
      const column = this.byColumn[c] ?? [];
      while (column.length < this.rowCount) column.push(null);
      cells.push(column);
    }
    if (width > this.limits.maxColumns) throw tooManyColumns(this.fileName, width, this.limits);
    return finishTable(this.fileName, columnNames(names), cells, this.rowCount, this.headerRow + 1);
  }

  private widen(first: number, last: number): void {
    if (first >= this.firstCol && last <= this.lastCol) return;
    this.firstCol = Math.min(this.firstCol, first);
    this.lastCol = Math.max(this.lastCol, last);
    const width = this.lastCol - this.firstCol + 1;
    if (width > this.limits.maxColumns) throw tooManyColumns(this.fileName, width, this.limits);
    this.maxRowsHere = Math.min(this.limits.maxRows, Math.floor(this.limits.maxCells / width));
    this.checkRows(this.rowCount);
  }

  private checkRows(rows: number): void {
    if (rows > this.maxRowsHere) throw tooManyRows(this.fileName, this.limits, this.lastCol - this.firstCol + 1);
  }
}

/** Header names: trimmed; an empty name becomes `Unnamed: <index>` and a repeated one `<name>.1`, as pandas does. */
function columnNames(names: readonly CellValue[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name, index) => {
    const base = name === null || String(name).trim() === '' ? `Unnamed: ${index}` : String(name).trim();
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}.${count}`;
  });
}

function finishTable(fileName: string, columns: string[], columnCells: CellValue[][], rowCount: number, firstDataRow: number): RawTable {
  if (rowCount === 0) throw new GasfluxError('EMPTY_FILE', 'input', `'${fileName}' has a header row but no data rows`);
  const cells: Record<string, CellValue[]> = {};
  columns.forEach((name, i) => {
    // defineProperty, because a column may be called `__proto__`
    Object.defineProperty(cells, name, { value: columnCells[i], enumerable: true, writable: true, configurable: true });
  });
  return { columns, cells, rowCount, firstDataRow };
}

function tooManyColumns(fileName: string, columns: number, limits: ReadLimits): GasfluxError {
  return new GasfluxError(
    'UNSUPPORTED_FILE',
    'input',
    `'${fileName}' has ${formatCount(columns)} columns; at most ${formatCount(limits.maxColumns)} are supported`,
  );
}

/** The row bound for `width` columns is the smaller of maxRows and maxCells / width; the message names which. */
function tooManyRows(fileName: string, limits: ReadLimits, width: number): GasfluxError {
  const maxRowsHere = Math.min(limits.maxRows, Math.floor(limits.maxCells / Math.max(1, width)));
  const limit =
    maxRowsHere < limits.maxRows
      ? `at most ${formatCount(limits.maxCells)} cells are read, which is ${formatCount(maxRowsHere)} rows of ${width} columns`
      : `at most ${formatCount(limits.maxRows)} are accepted`;
  return new GasfluxError('TOO_MANY_ROWS', 'input', `'${fileName}' has more than ${formatCount(maxRowsHere)} data rows; ${limit}`);
}
