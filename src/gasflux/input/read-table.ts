import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { GasfluxError } from '../errors.js';
import type { RawTable } from '../table.js';
import { readCsvText } from './csv.js';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './limits.js';
import { sniffContent } from './sniff.js';
import { readWorkbookTable } from './spreadsheet.js';

export { DEFAULT_READ_LIMITS, type ReadLimits } from './limits.js';
export type ReadTableOptions = Partial<ReadLimits>;

const EXTENSIONS = ['.csv', '.xlsx', '.xls'] as const;
type Extension = (typeof EXTENSIONS)[number];

/** Reads a flight file (.csv, .xlsx or .xls) from disk; see readTableBuffer. */
export async function readTableFile(path: string, options: ReadTableOptions = {}): Promise<RawTable> {
  const fileName = basename(path);
  supportedExtension(fileName);
  return readTableBuffer(await readFile(path), fileName, options);
}

/**
 * Reads the first sheet of an untrusted flight file into a RawTable. The name must end in .csv, .xlsx or .xls
 * (UNSUPPORTED_FILE otherwise); the content decides how it is read: a zip is read as .xlsx, a Compound File
 * as .xls, NUL-free text as CSV (only under a .csv name). A spreadsheet name on text, or binary that is no
 * workbook, is CORRUPT_FILE; no data rows is EMPTY_FILE; over the limits is TOO_MANY_ROWS (or CORRUPT_FILE
 * for a zip that would unpack to too much).
 */
export function readTableBuffer(buf: Buffer | Uint8Array, fileName: string, options: ReadTableOptions = {}): RawTable {
  const limits: ReadLimits = { ...DEFAULT_READ_LIMITS, ...options };
  const extension = supportedExtension(fileName);
  if (buf.byteLength === 0) throw new GasfluxError('EMPTY_FILE', 'input', `'${fileName}' is empty`);

  const content = sniffContent(buf);
  switch (content) {
    case 'zip':
    case 'ole2':
      return readWorkbookTable(buf, fileName, content, limits);
    case 'text':
      if (extension === '.csv') return readCsvText(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'), fileName, limits);
      throw new GasfluxError(
        'CORRUPT_FILE',
        'input',
        `'${fileName}' is not an Excel workbook: it contains plain text. Save it from Excel as ${extension}, or upload comma-separated text as .csv`,
      );
    case 'binary':
      throw new GasfluxError(
        'CORRUPT_FILE',
        'input',
        extension === '.csv'
          ? `'${fileName}' is not a CSV text file: it contains binary data (CSV must be UTF-8 text)`
          : `'${fileName}' is not a readable Excel workbook`,
      );
  }
}

function supportedExtension(fileName: string): Extension {
  const extension = extname(fileName).toLowerCase();
  if ((EXTENSIONS as readonly string[]).includes(extension)) return extension as Extension;
  throw new GasfluxError(
    'UNSUPPORTED_FILE',
    'input',
    `Unsupported file type ${extension ? `'${extension}'` : '(no extension)'} for '${fileName}': upload a .csv, .xlsx or .xls file`,
  );
}
