/**
 * Writing a RawTable to CSV / XLSX / XLS so tests can build input files from generated or fixture data.
 * Numbers are written at full precision (String(n) in CSV, IEEE doubles in spreadsheets); text stays text.
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import * as XLSX from 'xlsx';
import type { CellValue, RawTable } from '../../src/gasflux/table.js';

function csvField(v: CellValue): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV text: a header row and one line per data row, '\n' line ends, a trailing newline; null cells are empty. */
export function tableToCsv(table: RawTable): string {
  const lines: string[] = [table.columns.map((c) => csvField(c)).join(',')];
  const cols = table.columns.map((c) => table.cells[c]);
  for (let r = 0; r < table.rowCount; r++) {
    lines.push(cols.map((col) => csvField(col[r] ?? null)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The table as an array of arrays: header row first, then the data rows. */
export function tableToAoa(table: RawTable): CellValue[][] {
  const cols = table.columns.map((c) => table.cells[c]);
  const aoa: CellValue[][] = [[...table.columns]];
  for (let r = 0; r < table.rowCount; r++) aoa.push(cols.map((col) => col[r] ?? null));
  return aoa;
}

export type SpreadsheetType = 'xlsx' | 'xls';

/** A workbook file in memory: one sheet named `Sheet1`; 'xls' is BIFF8. */
export function tableToWorkbookBuffer(table: RawTable, type: SpreadsheetType): Buffer {
  const sheet = XLSX.utils.aoa_to_sheet(tableToAoa(table));
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, 'Sheet1');
  return XLSX.write(book, { bookType: type === 'xls' ? 'biff8' : 'xlsx', type: 'buffer' }) as Buffer;
}

/** Writes the table to `path` as .csv, .xlsx or .xls, chosen by the extension (case-insensitive). */
export function writeTableFile(table: RawTable, path: string): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') writeFileSync(path, tableToCsv(table), 'utf8');
  else if (ext === '.xlsx') writeFileSync(path, tableToWorkbookBuffer(table, 'xlsx'));
  else if (ext === '.xls') writeFileSync(path, tableToWorkbookBuffer(table, 'xls'));
  else throw new Error(`writeTableFile: unsupported extension '${ext}' (use .csv, .xlsx or .xls)`);
}
