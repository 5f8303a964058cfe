/**
 * Bounds on the work done for one untrusted file: the budget of one flight.
 *
 * The largest flight accepted is `maxRows` data rows (whatever the format) and at most `maxCells` cells. Reading an
 * .xlsx streams its first worksheet, so memory follows the rows kept, not the XML; what the XML may weigh follows
 * from the row bound too: `sheetBytesPerRow` bytes of worksheet XML for each row accepted (see sheetXmlAllowance).
 */
export interface ReadLimits {
  /** Most data rows (header excluded): the largest flight accepted. */
  maxRows: number;
  /** Most columns. */
  maxColumns: number;
  /** Most cells (data rows × columns) held in memory. */
  maxCells: number;
  /**
   * Most bytes a workbook's zip entries other than its first worksheet may unpack to, in total (styles, shared
   * strings, other sheets, pictures...), from their declared sizes: the fixed part of the budget.
   */
  maxUncompressedBytes: number;
  /**
   * Bytes of worksheet XML allowed per row accepted. The first worksheet may unpack to
   * `(maxRows + 1) × sheetBytesPerRow + 1 MB`. 2 kB is about three times what a real 20-column flight needs
   * (a numeric cell is written in 30 to 45 bytes, e.g. `<c r="K123456" s="3"><v>54.876670000000004</v></c>`).
   */
  sheetBytesPerRow: number;
}

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxRows: 1_000_000,
  maxColumns: 1_000,
  maxCells: 50_000_000,
  maxUncompressedBytes: 512 * 1024 * 1024,
  sheetBytesPerRow: 2048,
});

const MB = 1024 * 1024;
/** Room in a worksheet for what is not rows: dimension, column widths, views, merged cells, page setup. */
const SHEET_FIXED_BYTES = MB;
/** What one kept shared string costs besides its characters (string header and its slot in the table). */
export const SHARED_STRING_OVERHEAD_BYTES = 24;
/** Shared strings kept: a fixed part for labels and headers ... */
const SHARED_STRINGS_FIXED_BYTES = 16 * MB;
/** ... plus this much per row accepted, enough for a text timestamp and a text label on every row. */
const SHARED_STRING_BYTES_PER_ROW = 128;
/** Workbook, relationships and styles are read whole (they are small); each may unpack to at most this. */
export const SMALL_PART_MAX_BYTES = 32 * MB;
/** The .xls (BIFF8) format holds at most 65,536 rows per sheet. */
const XLS_MAX_ROWS = 65_536;

/** Most bytes the first worksheet's XML may unpack to. */
export function sheetXmlAllowance(limits: ReadLimits): number {
  return (limits.maxRows + 1) * limits.sheetBytesPerRow + SHEET_FIXED_BYTES;
}

/** Most a workbook's shared strings may cost in memory: characters plus SHARED_STRING_OVERHEAD_BYTES each. */
export function sharedStringsAllowance(limits: ReadLimits): number {
  return Math.min(limits.maxUncompressedBytes, SHARED_STRINGS_FIXED_BYTES + limits.maxRows * SHARED_STRING_BYTES_PER_ROW);
}

/** Most bytes an .xls file may have: SheetJS reads it whole, so it gets the row allowance of the rows it can hold. */
export function xlsFileAllowance(limits: ReadLimits): number {
  return Math.min(limits.maxRows + 1, XLS_MAX_ROWS) * limits.sheetBytesPerRow + SHARED_STRINGS_FIXED_BYTES;
}

/** A count for messages: 2000000 → "2,000,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A byte size for messages, in binary units: 536870912 → "512 MB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}
