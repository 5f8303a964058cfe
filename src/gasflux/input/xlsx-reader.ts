import { posix } from 'node:path';
import { GasfluxError } from '../errors.js';
import type { CellValue, RawTable } from '../table.js';
import { dateToText, excelSerialToText } from './excel-date.js';
import {
  type ReadLimits,
  SHARED_STRING_OVERHEAD_BYTES,
  SMALL_PART_MAX_BYTES,
  formatBytes,
  sharedStringsAllowance,
  sheetXmlAllowance,
} from './limits.js';
import { isBuiltInDateFormat, isDateFormatCode } from './number-format.js';
import { SheetTableBuilder } from './table-builder.js';
import { parseXmlPart, prefixedAttribute } from './xml-part.js';
import { ZipArchive, type ZipEntry } from './zip-guard.js';

const RELATIONSHIP_TYPES = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/';

/**
 * The first worksheet of an .xlsx, streamed: the workbook, its relationships and styles (for date formats) are read
 * first, then the shared strings (bounded by sharedStringsAllowance), then the worksheet's XML is parsed as it is
 * inflated and each row goes straight into a SheetTableBuilder, which stops at the row bound. Memory follows the rows
 * kept, not the size of the XML. Same results as the SheetJS reader it replaces: see readWorkbookTable.
 */
export function readXlsxTable(bytes: Uint8Array, fileName: string, limits: ReadLimits): RawTable {
  const zip = ZipArchive.open(bytes, fileName);
  const book = findParts(zip, fileName);
  // Only the first worksheet named by a workbook gets the allowance of the rows; without a workbook part every
  // entry counts against the fixed allowance.
  zip.checkDeclaredSizes(book.workbook ? book.sheet : undefined, sheetXmlAllowance(limits), limits.maxUncompressedBytes);
  if (!book.sheet) {
    throw new GasfluxError(
      'CORRUPT_FILE',
      'input',
      book.workbook
        ? `'${fileName}' contains no worksheet`
        : `'${fileName}' is not an Excel workbook (.xlsx): it is a zip without xl/workbook.xml (an .xlsb or .ods file must be saved as .xlsx)`,
    );
  }
  const dateStyles = book.styles ? readDateStyles(zip, book.styles, fileName) : [];
  const sharedStrings = book.sharedStrings ? readSharedStrings(zip, book.sharedStrings, fileName, limits) : [];
  return readSheet(zip, book.sheet, fileName, limits, { dateStyles, sharedStrings, date1904: book.date1904 });
}

interface BookParts {
  workbook?: ZipEntry;
  sheet?: ZipEntry;
  styles?: ZipEntry;
  sharedStrings?: ZipEntry;
  date1904: boolean;
}

/** The package relationships name the workbook; the workbook's relationships name its sheets, styles and strings. */
function findParts(zip: ZipArchive, fileName: string): BookParts {
  const root = readRelationships(zip, '_rels/.rels', '', fileName);
  const workbookPath = root.find((r) => r.type === `${RELATIONSHIP_TYPES}officeDocument` || r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const workbook = zip.find(workbookPath);
  if (!workbook) return { sheet: zip.find('xl/worksheets/sheet1.xml'), date1904: false };

  let firstSheetId: string | undefined;
  let sawSheet = false;
  let date1904 = false;
  parseXmlPart(
    zip,
    workbook,
    fileName,
    {
      open(name, attributes) {
        if (name === 'workbookPr') date1904 = isTrue(attributes.date1904);
        else if (name === 'sheet' && !sawSheet) {
          sawSheet = true;
          firstSheetId = prefixedAttribute(attributes, 'id');
        }
      },
    },
    SMALL_PART_MAX_BYTES,
  );
  const relations = readRelationships(zip, relationshipsPath(workbookPath), workbookPath, fileName);
  const byType = (type: string) => relations.find((r) => r.type.endsWith(`/${type}`))?.target;
  const sheetPath = firstSheetId === undefined ? undefined : relations.find((r) => r.id === firstSheetId)?.target;
  return {
    workbook,
    sheet: sawSheet ? zip.find(sheetPath ?? 'xl/worksheets/sheet1.xml') : undefined,
    styles: zip.find(byType('styles') ?? 'xl/styles.xml'),
    sharedStrings: zip.find(byType('sharedStrings') ?? 'xl/sharedStrings.xml'),
    date1904,
  };
}

interface Relationship {
  id: string;
  type: string;
  /** The part it points to, as a path inside the zip. */
  target: string;
}

function readRelationships(zip: ZipArchive, path: string, source: string, fileName: string): Relationship[] {
  const entry = zip.find(path);
  if (!entry) return [];
  const relations: Relationship[] = [];
  parseXmlPart(
    zip,
    entry,
    fileName,
    {
      open(name, a) {
        if (name !== 'Relationship' || a.TargetMode === 'External' || !a.Target) return;
        const target = a.Target.startsWith('/') ? a.Target.slice(1) : posix.join(posix.dirname(source), a.Target);
        relations.push({ id: a.Id ?? '', type: a.Type ?? '', target: posix.normalize(target) });
      },
    },
    SMALL_PART_MAX_BYTES,
  );
  return relations;
}

/** `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`. */
function relationshipsPath(part: string): string {
  return posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`);
}

/** For each cell style (`<cellXfs>` entry, by index), whether its number format shows a date or time. */
function readDateStyles(zip: ZipArchive, entry: ZipEntry, fileName: string): boolean[] {
  const customDate = new Map<number, boolean>();
  const styleFormats: number[] = [];
  let section = '';
  parseXmlPart(
    zip,
    entry,
    fileName,
    {
      open(name, a) {
        if (name === 'numFmts' || name === 'cellXfs') section = name;
        else if (name === 'numFmt' && section === 'numFmts') customDate.set(Number(a.numFmtId), isDateFormatCode(a.formatCode ?? ''));
        else if (name === 'xf' && section === 'cellXfs') styleFormats.push(Number(a.numFmtId ?? 0));
      },
      close(name) {
        if (name === section) section = '';
      },
    },
    SMALL_PART_MAX_BYTES,
  );
  return styleFormats.map((id) => customDate.get(id) ?? isBuiltInDateFormat(id));
}

/**
 * The shared strings, rich-text runs joined, phonetic runs left out. What they cost in memory (characters plus a
 * fixed overhead each) is counted as they are read, against sharedStringsAllowance: a huge sharedStrings.xml is
 * refused before it fills memory.
 */
function readSharedStrings(zip: ZipArchive, entry: ZipEntry, fileName: string, limits: ReadLimits): string[] {
  const allowance = sharedStringsAllowance(limits);
  const strings: string[] = [];
  let cost = 0;
  let inItem = false;
  let inText = false;
  let phonetic = 0;
  let current = '';
  parseXmlPart(zip, entry, fileName, {
    open(name) {
      if (name === 'si') {
        inItem = true;
        current = '';
      } else if (name === 't' && inItem && phonetic === 0) inText = true;
      else if (name === 'rPh') phonetic++;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') {
        inItem = false;
        const value = decodeEscapes(current);
        cost += value.length + SHARED_STRING_OVERHEAD_BYTES;
        if (cost > allowance) {
          throw new GasfluxError(
            'CORRUPT_FILE',
            'input',
            `'${fileName}' holds more than ${formatBytes(allowance)} of shared text (${strings.length.toLocaleString('en-US')} strings read); at most that is accepted for the rows allowed`,
          );
        }
        strings.push(value);
      }
    },
    text(t) {
      if (inText) current += t;
    },
  });
  return strings;
}

interface SheetContext {
  dateStyles: readonly boolean[];
  sharedStrings: readonly string[];
  date1904: boolean;
}

/**
 * Streams `<sheetData>`: rows and cells without an `r` follow the previous one, as in Excel. Each row's values go to
 * the builder when the row closes; the builder throws TOO_MANY_ROWS at the first row past the bound, which stops
 * the inflating and parsing there.
 */
function readSheet(zip: ZipArchive, entry: ZipEntry, fileName: string, limits: ReadLimits, context: SheetContext): RawTable {
  const builder = new SheetTableBuilder(fileName, limits);
  let inSheetData = false;
  let rowNumber = 0;
  let row: CellValue[] = [];
  let inRow = false;
  let column = -1;
  let ref = '';
  let type = '';
  let style = 0;
  // What the cell's text is collected from: its <v>, or the <t> runs of its inline string <is>.
  let capture: 'v' | 'is' | '' = '';
  let inInline = false;
  let phonetic = 0;
  let value = '';
  let inlineText = '';
  let hasValue = false;

  parseXmlPart(
    zip,
    entry,
    fileName,
    {
      open(name, a) {
        if (!inSheetData) {
          if (name === 'sheetData') inSheetData = true;
          return;
        }
        switch (name) {
          case 'row': {
            const r = a.r === undefined ? NaN : Number(a.r);
            rowNumber = Number.isInteger(r) && r > 0 ? r : rowNumber + 1;
            row = [];
            inRow = true;
            column = -1;
            break;
          }
          case 'c':
            ref = a.r ?? '';
            column = columnOfRef(ref) ?? column + 1;
            type = a.t ?? 'n';
            style = a.s === undefined ? 0 : Number(a.s);
            value = '';
            inlineText = '';
            hasValue = false;
            break;
          case 'v':
            capture = 'v';
            hasValue = true;
            break;
          case 'is':
            inInline = true;
            hasValue = true;
            break;
          case 't':
            if (inInline && phonetic === 0) capture = 'is';
            break;
          case 'rPh':
            phonetic++;
            break;
        }
      },
      close(name) {
        if (!inSheetData) return;
        switch (name) {
          case 'v':
          case 't':
            capture = '';
            break;
          case 'is':
            inInline = false;
            break;
          case 'rPh':
            phonetic--;
            break;
          case 'c':
            if (inRow && hasValue && column >= 0) {
              const cell = cellValue(type, style, value, inlineText, context, fileName, ref, rowNumber);
              if (cell !== null) row[column] = cell;
            }
            break;
          case 'row':
            inRow = false;
            builder.addRow(row, rowNumber);
            break;
          case 'sheetData':
            inSheetData = false;
            break;
        }
      },
      text(t) {
        if (capture === 'v') value += t;
        else if (capture === 'is') inlineText += t;
      },
    },
    sheetXmlAllowance(limits),
  );
  return builder.finish();
}

function cellValue(
  type: string,
  style: number,
  v: string,
  inlineText: string,
  context: SheetContext,
  fileName: string,
  ref: string,
  rowNumber: number,
): CellValue {
  switch (type) {
    case 'n': {
      const text = v.trim();
      if (text === '') return null;
      const number = Number(text);
      if (Number.isNaN(number)) return text;
      return context.dateStyles[style] ? excelSerialToText(number, context.date1904) : number;
    }
    case 's': {
      const index = Number(v);
      const text = Number.isInteger(index) ? context.sharedStrings[index] : undefined;
      if (text === undefined) {
        throw new GasfluxError(
          'CORRUPT_FILE',
          'input',
          `'${fileName}' is damaged: cell ${ref || `in row ${rowNumber}`} refers to shared string ${v.trim()}, but there are ${context.sharedStrings.length}`,
          { row: rowNumber },
        );
      }
      return text === '' ? null : text;
    }
    case 'inlineStr':
    case 'str': {
      const text = decodeEscapes(type === 'inlineStr' ? inlineText || v : v);
      return text === '' ? null : text;
    }
    case 'b': {
      const text = v.trim().toLowerCase();
      if (text === '') return null;
      return text === '1' || text === 'true' ? 'TRUE' : 'FALSE';
    }
    case 'e':
      return v.trim() || null;
    case 'd':
      return isoDateText(v.trim());
    default:
      return v.trim() || null;
  }
}

/** An ISO 8601 date cell (`t="d"`), as `YYYY-MM-DD HH:MM:SS` wall-clock text; text that is no date stays text. */
function isoDateText(text: string): CellValue {
  if (text === '') return null;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text) || !text.includes('T') ? text : `${text}Z`;
  const time = Date.parse(/^\d{4}-\d\d-\d\d$/.test(zoned) ? `${zoned}T00:00:00Z` : zoned);
  return Number.isNaN(time) ? text : dateToText(new Date(time));
}

/** The 0-based column of a cell reference (`AB12` → 27), or undefined when it has none. */
function columnOfRef(ref: string): number | undefined {
  let column = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i) & ~0x20; // upper case
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return i === 0 ? undefined : column - 1;
}

/** Text in .xlsx escapes characters XML cannot hold as `_xHHHH_` (ECMA-376 ST_Xstring). */
function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true';
}
