import * as XLSX from 'xlsx';
import { GasfluxError } from '../errors.js';
import type { CellValue, RawTable } from '../table.js';
import { dateToText, excelSerialToText } from './excel-date.js';
import { type ReadLimits, formatBytes, xlsFileAllowance } from './limits.js';
import { SheetTableBuilder } from './table-builder.js';
import { readXlsxTable } from './xlsx-reader.js';

// Excel's error codes, for error cells (#DIV/0! and friends) read without formatted text.
const EXCEL_ERRORS: Record<number, string> = {
  0x00: '#NULL!', 0x07: '#DIV/0!', 0x0f: '#VALUE!', 0x17: '#REF!', 0x1d: '#NAME?', 0x24: '#NUM!', 0x2a: '#N/A',
};
const XLSX_MAX_ROWS = 1_048_576;

/**
 * The first worksheet of an .xlsx (`container: 'zip'`) or .xls (`'ole2'`) workbook. The header is the first row
 * holding any value; columns span every column that holds a value. Numbers stay numbers, date-formatted numbers
 * become `YYYY-MM-DD HH:MM:SS` text, booleans `TRUE`/`FALSE`, error cells their `#` code.
 *
 * An .xlsx is streamed by our own reader (xlsx-reader.ts), in memory proportional to the rows kept. An .xls has no
 * XML to stream; SheetJS reads it whole, so its size is bounded first (xlsFileAllowance) and SheetJS stops at the
 * row bound (`sheetRows`).
 */
export function readWorkbookTable(
  bytes: Uint8Array,
  fileName: string,
  container: 'zip' | 'ole2',
  limits: ReadLimits,
): RawTable {
  if (container === 'zip') return readXlsxTable(bytes, fileName, limits);
  const allowance = xlsFileAllowance(limits);
  if (bytes.byteLength > allowance) {
    throw new GasfluxError(
      'CORRUPT_FILE',
      'input',
      `'${fileName}' is ${formatBytes(bytes.byteLength)}; an .xls of at most ${formatBytes(allowance)} is accepted for the rows allowed`,
    );
  }
  const workbook = parseWorkbook(bytes, fileName, limits);
  const sheetName = workbook.SheetNames[0];
  const sheet = sheetName === undefined ? undefined : (workbook.Sheets[sheetName] as XLSX.DenseSheet | undefined);
  if (!sheet) throw new GasfluxError('CORRUPT_FILE', 'input', `'${fileName}' contains no worksheet`);
  if (isTruncated(sheet)) {
    throw new GasfluxError('TOO_MANY_ROWS', 'input', `'${fileName}' has more than ${limits.maxRows.toLocaleString('en-US')} data rows`);
  }
  const date1904 = Boolean(workbook.Workbook?.WBProps?.date1904);
  return sheetToTable(sheet['!data'] ?? [], fileName, limits, date1904);
}

function parseWorkbook(bytes: Uint8Array, fileName: string, limits: ReadLimits): XLSX.WorkBook {
  try {
    return XLSX.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      type: 'buffer',
      dense: true,
      sheets: 0,
      cellNF: true,
      cellDates: false,
      cellText: false,
      cellHTML: false,
      cellFormula: false,
      cellStyles: false,
      // Row limits beyond what the format can hold would only disable the check.
      ...(limits.maxRows + 1 < XLSX_MAX_ROWS ? { sheetRows: limits.maxRows + 1 } : {}),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /password|encrypt/i.test(reason) ? ' It is password-protected; save an unprotected copy.' : '';
    throw new GasfluxError('CORRUPT_FILE', 'input', `'${fileName}' could not be read as a workbook (${reason}).${hint}`);
  }
}

/** SheetJS keeps the full range in `!fullref` when `sheetRows` cut the sheet short. */
function isTruncated(sheet: XLSX.WorkSheet): boolean {
  const full = sheet['!fullref'] as string | undefined;
  const ref = sheet['!ref'];
  if (!full || !ref) return false;
  return XLSX.utils.decode_range(full).e.r > XLSX.utils.decode_range(ref).e.r;
}

function sheetToTable(rows: XLSX.CellObject[][], fileName: string, limits: ReadLimits, date1904: boolean): RawTable {
  const builder = new SheetTableBuilder(fileName, limits);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!row) continue;
    const values: CellValue[] = [];
    for (let c = 0; c < row.length; c++) {
      const value = cellValue(row[c], date1904);
      if (value !== null) values[c] = value;
    }
    builder.addRow(values, r + 1);
  }
  return builder.finish();
}

function isEmptyCell(cell: XLSX.CellObject | undefined): boolean {
  return !cell || cell.v === undefined || cell.v === null || cell.t === 'z' || cell.v === '';
}

function cellValue(cell: XLSX.CellObject | undefined, date1904: boolean): CellValue {
  if (!cell || isEmptyCell(cell)) return null;
  switch (cell.t) {
    case 'n':
      return typeof cell.z === 'string' && XLSX.SSF.is_date(cell.z) ? excelSerialToText(cell.v as number, date1904) : (cell.v as number);
    case 's':
      return String(cell.v);
    case 'b':
      return cell.v ? 'TRUE' : 'FALSE';
    case 'd':
      return cell.v instanceof Date ? dateToText(cell.v) : String(cell.v);
    case 'e':
      return cell.w ?? EXCEL_ERRORS[cell.v as number] ?? '#ERROR';
    default:
      return null;
  }
}
