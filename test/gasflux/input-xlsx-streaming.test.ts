import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import * as XLSX from 'xlsx';
import { excelSerialToText } from '../../src/gasflux/input/excel-date.js';
import { DEFAULT_READ_LIMITS, type ReadLimits, readTableBuffer } from '../../src/gasflux/input/read-table.js';
import { TableBuilder } from '../../src/gasflux/input/table-builder.js';
import type { CellValue, RawTable } from '../../src/gasflux/table.js';
import { flightTable, withTempDir, writeTemp, rejects } from '../helpers/bad-files.js';
import { book, bookParts, inflationBook, zipOf } from '../helpers/xlsx-books.js';
import { syntheticFlight } from '../helpers/synthetic-flight.js';
import { tableToWorkbookBuffer } from '../helpers/table-files.js';

const MB = 1024 * 1024;

/**
 * The reader this one replaces, kept as the reference: SheetJS reads the whole workbook into a dense sheet, then
 * the header is the first row holding a value and the columns span every column holding one.
 */
function sheetJsReference(bytes: Uint8Array, fileName: string, limits: ReadLimits = DEFAULT_READ_LIMITS): RawTable {
  const book = XLSX.read(bytes, { type: 'buffer', dense: true, sheets: 0, cellNF: true, cellDates: false, cellText: false, cellHTML: false });
  const rows = (book.Sheets[book.SheetNames[0]] as XLSX.DenseSheet)['!data'] ?? [];
  const date1904 = Boolean(book.Workbook?.WBProps?.date1904);
  const empty = (cell: XLSX.CellObject | undefined) => !cell || cell.v === undefined || cell.v === null || cell.t === 'z' || cell.v === '';
  const errors: Record<number, string> = { 0: '#NULL!', 7: '#DIV/0!', 15: '#VALUE!', 23: '#REF!', 29: '#NAME?', 36: '#NUM!', 42: '#N/A' };
  const value = (cell: XLSX.CellObject | undefined): CellValue => {
    if (!cell || empty(cell)) return null;
    if (cell.t === 'n') return typeof cell.z === 'string' && XLSX.SSF.is_date(cell.z) ? excelSerialToText(cell.v as number, date1904) : (cell.v as number);
    if (cell.t === 's') return String(cell.v);
    if (cell.t === 'b') return cell.v ? 'TRUE' : 'FALSE';
    if (cell.t === 'e') return cell.w ?? errors[cell.v as number] ?? '#ERROR';
    return null;
  };
  let headerRow = -1;
  let firstCol = Infinity;
  let lastCol = -1;
  rows.forEach((row, r) =>
    row?.forEach((cell, c) => {
      if (empty(cell)) return;
      if (headerRow < 0) headerRow = r;
      firstCol = Math.min(firstCol, c);
      lastCol = Math.max(lastCol, c);
    }),
  );
  const builder = new TableBuilder(fileName, limits);
  const read = (r: number) => Array.from({ length: lastCol - firstCol + 1 }, (_, c) => value(rows[r]?.[firstCol + c]));
  builder.setHeader(read(headerRow), headerRow + 1);
  for (let r = headerRow + 1; r < rows.length; r++) builder.addRow(read(r), r + 1);
  return builder.finish();
}

function assertSameTable(actual: RawTable, expected: RawTable): void {
  assert.deepEqual(actual.columns, expected.columns);
  assert.equal(actual.rowCount, expected.rowCount);
  assert.equal(actual.firstDataRow, expected.firstDataRow);
  for (const column of expected.columns) assert.deepEqual(actual.cells[column], expected.cells[column], column);
}


const CHILD = fileURLToPath(new URL('./input-read-child.ts', import.meta.url));

/** Reads the file in a fresh process and returns its outcome and the peak RSS growth over the RSS before the read. */
function readInChild(path: string, options: Partial<ReadLimits> = {}): { code?: string; message?: string; rows?: number; growth: number; peakRss: number } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, path, JSON.stringify(options)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

describe('streaming .xlsx reader, against the SheetJS reader it replaces', () => {
  test('a generated flight of 5,000 rows reads identically', () => {
    const buf = tableToWorkbookBuffer(syntheticFlight({ rows: 5000, seed: 3 }).table, 'xlsx');
    assertSameTable(readTableBuffer(buf, 'flight.xlsx'), sheetJsReference(buf, 'flight.xlsx'));
  });

  test('mixed cells, blank rows and columns, and values outside the header span read identically', () => {
    const aoa = [
      [],
      [null, null, 'a', ' b ', 'a', null],
      [null, null, 1.5, true, 'x', null],
      [],
      [null, 7, null, false, null, null],
      [null, null, -0.25, null, null, 'far'],
      [null, null, 3, null, 'y'],
      [],
      [],
    ];
    const sheet = XLSX.utils.aoa_to_sheet(aoa);
    sheet.H9 = { t: 'e', v: 0x07 };
    sheet['!ref'] = 'A1:H9';
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, sheet, 'Sheet1');
    const buf = XLSX.write(wb, { bookType: 'xlsx', type: 'buffer' }) as Buffer;
    const table = readTableBuffer(buf, 'm.xlsx');
    assertSameTable(table, sheetJsReference(buf, 'm.xlsx'));
    assert.deepEqual(table.columns, ['Unnamed: 0', 'a', 'b', 'a.1', 'Unnamed: 4', 'Unnamed: 5', 'Unnamed: 6']);
    assert.deepEqual(table.cells['Unnamed: 6'], [null, null, null, null, null, null, '#DIV/0!']);
  });

  test('dates in both date systems, built-in and custom formats, and number formats that only look like dates', () => {
    const styles =
      '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd hh:mm:ss.000"/><numFmt numFmtId="165" formatCode="&quot;day &quot;0.00"/>' +
      '<numFmt numFmtId="166" formatCode="[Red]0.00E+00;[Blue]General"/></numFmts>' +
      '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>' +
      '<cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="46"/></cellXfs>' +
      '<dxfs count="1"><dxf><numFmt numFmtId="165" formatCode="yyyy"/></dxf></dxfs>';
    const header = '<row r="1"><c r="A1" t="inlineStr"><is><t>plain</t></is></c><c r="B1" t="inlineStr"><is><t>d14</t></is></c><c r="C1" t="inlineStr"><is><t>d22</t></is></c><c r="D1" t="inlineStr"><is><t>custom</t></is></c><c r="E1" t="inlineStr"><is><t>quoted</t></is></c><c r="F1" t="inlineStr"><is><t>sci</t></is></c><c r="G1" t="inlineStr"><is><t>elapsed</t></is></c></row>';
    const data = '<row r="2"><c r="A2"><v>44830.08541666667</v></c><c r="B2" s="1"><v>44830</v></c><c r="C2" s="2"><v>44830.08541666667</v></c><c r="D2" s="3"><v>44830.085416678</v></c><c r="E2" s="4"><v>12.5</v></c><c r="F2" s="5"><v>0.00123</v></c><c r="G2" s="6"><v>1.5</v></c></row>';
    for (const workbookPr of ['', 'date1904="1"']) {
      const buf = book({ sheet: header + data, styles, workbookPr });
      const table = readTableBuffer(buf, 'd.xlsx');
      assertSameTable(table, sheetJsReference(buf, 'd.xlsx'));
      if (!workbookPr) {
        assert.deepEqual(
          table.columns.map((c) => table.cells[c][0]),
          [44830.08541666667, '2022-09-26 00:00:00', '2022-09-26 02:03:00', '2022-09-26 02:03:00.001', 12.5, 0.00123, '1900-01-01 12:00:00'],
        );
      }
    }
  });

  test('shared strings with rich-text runs and phonetic runs, inline strings, formula strings, booleans, errors, escapes', () => {
    const sharedStrings =
      '<si><t>time</t></si><si><r><rPr><b/></rPr><t>ch</t></r><r><t xml:space="preserve">4 </t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si>' +
      '<si><t>line_x000A_break &amp; &lt;tag&gt;</t></si><si><t/></si>';
    const sheet =
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><r><t>fl</t></r><r><t>ag</t></r></is></c><c r="D1" t="str"><f>"n"&amp;"ote"</f><v>note</v></c></row>' +
      '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1.25</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#N/A</v></c></row>' +
      '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3"><f>1/0</f><v>2</v></c><c r="C3" t="b"><v>0</v></c><c r="D3" t="str"><v>a_x0009_b</v></c></row>';
    const buf = book({ sheet, sharedStrings });
    const table = readTableBuffer(buf, 's.xlsx');
    assertSameTable(table, sheetJsReference(buf, 's.xlsx'));
    assert.deepEqual(table.columns, ['time', 'ch4', 'flag', 'note']);
    assert.deepEqual(table.cells.time, ['line\nbreak & <tag>', null]);
    assert.deepEqual(table.cells.flag, ['TRUE', 'FALSE']);
    assert.deepEqual(table.cells.note, ['#N/A', 'a\tb']);
  });

  test('rows and cells without an r attribute follow the previous one, as in Excel, also with prefixed elements', () => {
    const sheet =
      '<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c><x:c r="E1" t="inlineStr"><x:is><x:t>e</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>f</x:t></x:is></x:c></x:row>' +
      '<x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row>' +
      '<x:row r="5"><x:c r="B5"><x:v>3</x:v></x:c><x:c><x:v>4</x:v></x:c></x:row>' +
      '<x:row><x:c><x:v>5</x:v></x:c></x:row>';
    const table = readTableBuffer(book({ sheet, prefix: 'x:' }), 'r.xlsx');
    assert.deepEqual(table.columns, ['a', 'b', 'Unnamed: 2', 'Unnamed: 3', 'e', 'f']);
    assert.deepEqual(table.cells.a, [1, null, null, null, 5]);
    assert.deepEqual(table.cells.b, [2, null, null, 3, null]);
    assert.deepEqual(table.cells['Unnamed: 2'], [null, null, null, 4, null]);
    assert.equal(table.firstDataRow, 2);
    const plain = book({ sheet: sheet.replaceAll('x:', '') });
    assertSameTable(readTableBuffer(plain, 'r.xlsx'), sheetJsReference(plain, 'r.xlsx'));
  });
});

describe('streaming .xlsx reader, refusing hostile and damaged files', () => {
  test('a small file whose sheet inflates to 400 MB is refused at the row bound with little memory', async (t) => {
    const bomb = inflationBook('<row><c><v>1</v></c></row>', (400 * MB) / 26);
    assert.ok(bomb.length < 1 * MB, `the file is ${bomb.length} bytes`);
    await withTempDir(async (dir) => {
      const result = readInChild(await writeTemp(dir, 'inflated.xlsx', bomb));
      assert.equal(result.code, 'TOO_MANY_ROWS', result.message);
      assert.match(result.message!, /more than 1,000,000 data rows/);
      t.diagnostic(`${(bomb.length / 1024).toFixed(0)} kB file; peak RSS ${(result.peakRss / MB).toFixed(0)} MB, ${(result.growth / MB).toFixed(0)} MB over the RSS before the read`);
      assert.ok(result.growth < 300 * MB, `peak RSS grew by ${(result.growth / MB).toFixed(0)} MB`);
    });
  });

  test('a huge sharedStrings.xml is refused when the strings kept pass their allowance, with little memory', async (t) => {
    const row = '<row><c t="s"><v>0</v></c></row>';
    const item = `<si><t>${'text '.repeat(200)}</t></si>`;
    const bomb = inflationBook(row, 10, { item, repeats: (400 * MB) / item.length });
    await withTempDir(async (dir) => {
      const result = readInChild(await writeTemp(dir, 'strings.xlsx', bomb), { maxRows: 10_000 });
      assert.equal(result.code, 'CORRUPT_FILE', result.message);
      assert.match(result.message!, /shared text/);
      t.diagnostic(`peak RSS ${(result.peakRss / MB).toFixed(0)} MB, ${(result.growth / MB).toFixed(0)} MB over the RSS before the read`);
      assert.ok(result.growth < 150 * MB, `peak RSS grew by ${(result.growth / MB).toFixed(0)} MB`);
    });
  });

  test('a worksheet declaring more XML than the rows allowed may need is refused before reading', () => {
    const bomb = inflationBook('<row><c><v>1</v></c></row>', (64 * MB) / 26);
    const start = performance.now();
    rejects(() => readTableBuffer(bomb, 'b.xlsx', { maxRows: 1000 }), 'CORRUPT_FILE', /first worksheet that would unpack to 64 MB; at most 3 MB/);
    assert.ok(performance.now() - start < 200);
  });

  test('a row far past the bound stops the read at once', () => {
    const sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>2</v></c></row>';
    rejects(() => readTableBuffer(book({ sheet }), 'far.xlsx', { maxRows: 100 }), 'TOO_MANY_ROWS', /more than 100 data rows/);
  });

  test('the cell bound counts every column that holds a value, even one that appears late', () => {
    const rows = Array.from({ length: 20 }, (_, r) => `<row r="${r + 2}"><c r="A${r + 2}"><v>${r}</v></c>${r === 15 ? `<c r="J${r + 2}"><v>9</v></c>` : ''}</row>`);
    const sheet = `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>${rows.join('')}`;
    rejects(() => readTableBuffer(book({ sheet }), 'c.xlsx', { maxCells: 100 }), 'TOO_MANY_ROWS', /100 cells are read, which is 10 rows of 10 columns/);
  });

  test('an entry whose CRC does not match is a corrupt file', () => {
    const parts = bookParts({ sheet: '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>' });
    const zip = zipOf(parts, (f) => (f === parts[4] ? (crc32(f.data) ^ 1) >>> 0 : crc32(f.data)));
    rejects(() => readTableBuffer(zip, 'crc.xlsx'), 'CORRUPT_FILE', /CRC/);
  });

  test('rows out of order, XML that is not well-formed and a missing shared string are corrupt files', () => {
    const header = '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>';
    rejects(() => readTableBuffer(book({ sheet: `${header}<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>` }), 'o.xlsx'), 'CORRUPT_FILE', /row 2 comes after row 3/);
    rejects(() => readTableBuffer(book({ sheet: `${header}<row r="2"><c r="A2"><v>1</c></row>` }), 'x.xlsx'), 'CORRUPT_FILE', /not well-formed XML/);
    rejects(() => readTableBuffer(book({ sheet: `${header}<row r="2"><c r="A2" t="s"><v>4</v></c></row>`, sharedStrings: '<si><t>x</t></si>' }), 's.xlsx'), 'CORRUPT_FILE', /shared string 4/);
  });

  test('an .xls larger than its allowance is refused before SheetJS reads it', () => {
    const ole2 = Buffer.alloc(17 * MB);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(ole2);
    rejects(() => readTableBuffer(ole2, 'big.xls', { maxRows: 10 }), 'CORRUPT_FILE', /an \.xls of at most 16 MB/);
    const small = tableToWorkbookBuffer(flightTable(40), 'xls');
    rejects(() => readTableBuffer(small, 'rows.xls', { maxRows: 39 }), 'TOO_MANY_ROWS', /more than 39 data rows/);
  });
});

describe('the budget of one flight', () => {
  test('is 1,000,000 rows, 2 kB of worksheet XML per row and 512 MB for the other parts by default', () => {
    assert.equal(DEFAULT_READ_LIMITS.maxRows, 1_000_000);
    assert.equal(DEFAULT_READ_LIMITS.sheetBytesPerRow, 2048);
    assert.equal(DEFAULT_READ_LIMITS.maxUncompressedBytes, 512 * MB);
  });
});
