import * as XLSX from 'xlsx';
import { GasfluxError } from '../errors.js';
import type { CellValue, RawTable } from '../table.js';
import { dateToText, excelSerialToText } from './excel-date.js';
import type { ReadLimits } from './limits.js';
import { TableBuilder } from './table-builder.js';
import { unpackZipWithinBudget } from './zip-guard.js';

// Excel's error codes, for error cells (#DIV/0! and friends) read without formatted text.
const EXCEL_ERRORS: Record<number, string> = {
  0x00: '#NULL!', 0x07: '#DIV/0!', 0x0f: '#VALUE!', 0x17: '#REF!', 0x1d: '#NAME?', 0x24: '#NUM!', 0x2a: '#N/A',
};
const XLSX_MAX_ROWS = 1_048_576;

/**
 * The first worksheet of an .xlsx (`container: 'zip'`) or .xls (`'ole2'`) workbook. The header is the first row
 * holding any value; columns span every column that holds a value. Numbers stay numbers, date-formatted numbers
 * become `YYYY-MM-DD HH:MM:SS` text, booleans `TRUE`/`FALSE`, error cells their `#` code.
 */
export function readWorkbookTable(
  bytes: Uint8Array,
  fileName: string,
  container: 'zip' | 'ole2',
  limits: ReadLimits,
): RawTable {
  const readable = container === 'zip' ? unpackZipWithinBudget(bytes, fileName, limits.maxUncompressedBytes) : bytes;
  const workbook = parseWorkbook(readable, fileName, limits);
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
  let headerRow = -1;
  let firstCol = Infinity;
  let lastCol = -1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!row) continue;
    for (let c = 0; c < row.length; c++) {
      if (isEmptyCell(row[c])) continue;
      if (headerRow < 0) headerRow = r;
      if (c < firstCol) firstCol = c;
      if (c > lastCol) lastCol = c;
    }
  }
  const builder = new TableBuilder(fileName, limits);
  if (headerRow < 0) return builder.finish();

  const width = lastCol - firstCol + 1;
  const readRow = (r: number): CellValue[] => {
    const row = rows[r];
    const out = new Array<CellValue>(width);
    for (let c = 0; c < width; c++) out[c] = row ? cellValue(row[firstCol + c], date1904) : null;
    return out;
  };
  builder.setHeader(readRow(headerRow), headerRow + 1);
  for (let r = headerRow + 1; r < rows.length; r++) builder.addRow(readRow(r), r + 1);
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
