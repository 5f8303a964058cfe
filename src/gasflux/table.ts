/** One spreadsheet/CSV cell as read: numbers from typed spreadsheet cells, text otherwise, null when empty. */
export type CellValue = string | number | null;

/** A file's first sheet as read, before any validation. Column-oriented. */
export interface RawTable {
  /** Header names in file order (trimmed). */
  columns: string[];
  /** One array per column, `rowCount` long. */
  cells: Record<string, CellValue[]>;
  rowCount: number;
  /** File row number of data row 0 (the header is the row before it), for error messages. */
  firstDataRow: number;
}

/**
 * A validated flight: the raw table plus the numeric columns the pipeline uses. Rows with a missing value (logger
 * dropouts) are already dropped from all of it, `raw` included.
 */
export interface Flight {
  raw: RawTable;
  rowCount: number;
  /** File row number of each row (header = row 1), for messages: `raw.firstDataRow + i` unless rows were dropped. */
  fileRows: Int32Array;
  /** Validated numeric columns: required columns, processed gases, and `height_agl` when present and valid. */
  numeric: Record<string, Float64Array>;
  /** Display labels per row: the timestamp text, or null when the file has no timestamp column. */
  timestamps: string[] | null;
  /** Gases to process, in config order, all present in `numeric`. */
  gases: string[];
  /** The logging rate and how the sample windows relate to it. */
  sampling: import('./input/sample-rate.js').FlightSampling;
  warnings: import('./errors.js').GasfluxWarning[];
}
