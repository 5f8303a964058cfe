import { GasfluxError } from '../errors.js';
import type { CellValue, RawTable } from '../table.js';
import type { ReadLimits } from './limits.js';
import { TableBuilder } from './table-builder.js';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Reads comma-separated text (RFC 4180 quoting; LF, CRLF or CR line ends). Values stay text exactly as written;
 * empty fields are null. Blank lines before the header are skipped; the header is the first non-blank record.
 */
export function readCsvText(text: string, fileName: string, limits: ReadLimits): RawTable {
  const builder = new TableBuilder(fileName, limits);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  forEachCsvRecord(body, fileName, (fields, row) => {
    if (builder.hasHeader) builder.addRow(fields, row);
    else if (fields.some((f) => f !== null)) builder.setHeader(fields, row);
  });
  return builder.finish();
}

/** Calls `onRecord` with each record's fields and its 1-based record number. */
export function forEachCsvRecord(
  text: string,
  fileName: string,
  onRecord: (fields: CellValue[], recordNumber: number) => void,
): void {
  const n = text.length;
  if (n === 0) return;
  let i = 0;
  let record = 1;
  let fields: CellValue[] = [];
  for (;;) {
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) {
          throw new GasfluxError(
            'CORRUPT_FILE',
            'input',
            `'${fileName}' row ${record}: a quoted value is never closed`,
            { row: record },
          );
        }
        value += text.slice(from, quote);
        if (text.charCodeAt(quote + 1) === QUOTE) {
          value += '"';
          from = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      // Like pandas, keep any stray text between the closing quote and the next separator.
      const end = fieldEnd(text, i);
      if (end > i) value += text.slice(i, end);
      i = end;
    } else {
      const end = fieldEnd(text, i);
      value = text.slice(i, end);
      i = end;
    }
    fields.push(value === '' ? null : value);

    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    onRecord(fields, record++);
    fields = [];
    if (i >= n) return;
  }
  onRecord(fields, record);
}

function fieldEnd(text: string, from: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === LF || c === CR) break;
    i++;
  }
  return i;
}
