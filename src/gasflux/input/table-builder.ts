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
    if (names.length > this.limits.maxColumns) {
      throw new GasfluxError(
        'UNSUPPORTED_FILE',
        'input',
        `'${this.fileName}' has ${formatCount(names.length)} columns; at most ${formatCount(this.limits.maxColumns)} are supported`,
      );
    }
    const seen = new Map<string, number>();
    this.columns = names.map((name, index) => {
      const base = name === null || String(name).trim() === '' ? `Unnamed: ${index}` : String(name).trim();
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      return count === 0 ? base : `${base}.${count}`;
    });
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
    if (this.rowCount >= this.maxRowsHere) throw this.tooManyRows();
    for (let i = 0; i < width; i++) this.cells[i].push(i < cells.length ? cells[i] : null);
    this.rowCount++;
    if (filled) this.filledRowCount = this.rowCount;
  }

  finish(): RawTable {
    if (!this.hasHeader) throw new GasfluxError('EMPTY_FILE', 'input', `'${this.fileName}' is empty`);
    if (this.filledRowCount === 0) {
      throw new GasfluxError('EMPTY_FILE', 'input', `'${this.fileName}' has a header row but no data rows`);
    }
    const cells: Record<string, CellValue[]> = {};
    this.columns.forEach((name, i) => {
      const column = this.cells[i];
      column.length = this.filledRowCount;
      // defineProperty, because a column may be called `__proto__`
      Object.defineProperty(cells, name, { value: column, enumerable: true, writable: true, configurable: true });
    });
    return { columns: this.columns, cells, rowCount: this.filledRowCount, firstDataRow: this.firstDataRow };
  }

  private tooManyRows(): GasfluxError {
    const byCells = this.maxRowsHere < this.limits.maxRows;
    const limit = byCells
      ? `at most ${formatCount(this.limits.maxCells)} cells are read, which is ${formatCount(this.maxRowsHere)} rows of ${this.columns.length} columns`
      : `at most ${formatCount(this.limits.maxRows)} are accepted`;
    return new GasfluxError(
      'TOO_MANY_ROWS',
      'input',
      `'${this.fileName}' has more than ${formatCount(this.maxRowsHere)} data rows; ${limit}`,
    );
  }
}
