import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import * as XLSX from 'xlsx';
import { GasfluxError } from '../../src/gasflux/errors.js';
import { readTableBuffer, readTableFile } from '../../src/gasflux/input/read-table.js';
import { excelSerialToText } from '../../src/gasflux/input/excel-date.js';
import { flightTable, handMadeZip, withTempDir, writeTemp, zeroBomb, rejects } from '../helpers/bad-files.js';
import { tableToCsv, tableToWorkbookBuffer } from '../helpers/table-files.js';


function workbook(aoa: unknown[][], bookType: 'xlsx' | 'biff8' = 'xlsx', options: XLSX.AOA2SheetOpts = {}): Buffer {
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(aoa, options), 'Sheet1');
  return XLSX.write(book, { bookType, type: 'buffer' }) as Buffer;
}

describe('reading CSV', () => {
  test('keeps every value as the exact text in the file, including date-like text', () => {
    const text = 'timestamp,latitude,ch4\n2022-09-26 02:03:00,54.87667,1.1292820243772104e-05\n2022-09-26 02:03:01,-0.0,1000\n';
    const table = readTableBuffer(Buffer.from(text), 'flight.csv');
    assert.deepEqual(table.columns, ['timestamp', 'latitude', 'ch4']);
    assert.deepEqual(table.cells.timestamp, ['2022-09-26 02:03:00', '2022-09-26 02:03:01']);
    assert.deepEqual(table.cells.latitude, ['54.87667', '-0.0']);
    assert.deepEqual(table.cells.ch4, ['1.1292820243772104e-05', '1000']);
    assert.equal(table.rowCount, 2);
    assert.equal(table.firstDataRow, 2);
  });

  test('understands RFC 4180 quoting, CRLF line ends, a BOM and trims header names', () => {
    const text = '\ufeff" name ",note,x\r\n"a, b","say ""hi""\r\nnext line",1\r\n';
    const table = readTableBuffer(Buffer.from(text), 'q.csv');
    assert.deepEqual(table.columns, ['name', 'note', 'x']);
    assert.deepEqual(table.cells.name, ['a, b']);
    assert.deepEqual(table.cells.note, ['say "hi"\r\nnext line']);
    assert.deepEqual(table.cells.x, ['1']);
  });

  test('reads empty fields as null, keeps empty rows in the middle and drops them at the end', () => {
    const text = 'a,b\n1,\n\n3,4\n,\n\n';
    const table = readTableBuffer(Buffer.from(text), 'e.csv');
    assert.equal(table.rowCount, 3);
    assert.deepEqual(table.cells.a, ['1', null, '3']);
    assert.deepEqual(table.cells.b, [null, null, '4']);
  });

  test('names empty and repeated header cells the way pandas does', () => {
    const table = readTableBuffer(Buffer.from(',x,x\n1,2,3\n'), 'h.csv');
    assert.deepEqual(table.columns, ['Unnamed: 0', 'x', 'x.1']);
  });

  test('skips blank lines before the header and numbers rows from the file', () => {
    const table = readTableBuffer(Buffer.from('\n\nA,B\n1,2\n'), 'b.csv');
    assert.equal(table.firstDataRow, 4);
  });

  test('rejects a value beyond the last header column with its row', () => {
    const error = rejects(() => readTableBuffer(Buffer.from('a,b\n1,2\n3,4,5\n'), 'x.csv'), 'INVALID_DATA_FORMAT', /Row 3 has a value in column 3/);
    assert.equal(error.details.row, 3);
  });

  test('accepts a trailing comma on every line', () => {
    const table = readTableBuffer(Buffer.from('a,b\n1,2,\n3,4,\n'), 't.csv');
    assert.deepEqual(table.cells.b, ['2', '4']);
  });

  test('rejects an unterminated quote as a corrupt file', () => {
    rejects(() => readTableBuffer(Buffer.from('a,b\n"1,2\n'), 'u.csv'), 'CORRUPT_FILE', /never closed/);
  });

  test('reads 100,000 rows of 12 columns in well under a second', () => {
    const columns = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const lines = [columns.join(',')];
    for (let r = 0; r < 100_000; r++) lines.push(columns.map((_, c) => String(r * 0.001 + c * 1.23456789)).join(','));
    const buf = Buffer.from(`${lines.join('\n')}\n`);
    const start = performance.now();
    const table = readTableBuffer(buf, 'big.csv');
    const elapsed = performance.now() - start;
    assert.equal(table.rowCount, 100_000);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });
});

describe('reading spreadsheets', () => {
  test('reads an .xlsx of 1000 generated rows back numerically identical to its source', () => {
    const source = flightTable(1000);
    const table = readTableBuffer(tableToWorkbookBuffer(source, 'xlsx'), 'flight.xlsx');
    assert.deepEqual(table.columns, source.columns);
    assert.equal(table.rowCount, 1000);
    for (const column of source.columns) assert.deepEqual(table.cells[column], source.cells[column], column);
  });

  test('reads an .xls (BIFF8) the same way', () => {
    const source = flightTable(40);
    const table = readTableBuffer(tableToWorkbookBuffer(source, 'xls'), 'flight.xls');
    for (const column of source.columns) assert.deepEqual(table.cells[column], source.cells[column], column);
  });

  test('turns date cells into YYYY-MM-DD HH:MM:SS text, with fractional seconds when present', () => {
    for (const bookType of ['xlsx', 'biff8'] as const) {
      const buf = workbook(
        [
          ['timestamp', 'x'],
          [new Date(Date.UTC(2022, 8, 26, 2, 3, 0)), 1],
          [new Date(Date.UTC(2022, 8, 26, 2, 3, 1, 250)), 2],
        ],
        bookType,
        { cellDates: true, UTC: true } as XLSX.AOA2SheetOpts,
      );
      const table = readTableBuffer(buf, bookType === 'xlsx' ? 'd.xlsx' : 'd.xls');
      assert.deepEqual(table.cells.timestamp, ['2022-09-26 02:03:00', '2022-09-26 02:03:01.25'], bookType);
    }
  });

  test('converts Excel serials in both date systems', () => {
    assert.equal(excelSerialToText(44830.08541666667), '2022-09-26 02:03:00');
    assert.equal(excelSerialToText(1), '1900-01-01 00:00:00');
    assert.equal(excelSerialToText(61), '1900-03-01 00:00:00');
    assert.equal(excelSerialToText(0, true), '1904-01-01 00:00:00');
  });

  test('keeps text cells as text and renders booleans as TRUE/FALSE', () => {
    const table = readTableBuffer(workbook([['a', 'b'], ['1.5', true]]), 'm.xlsx');
    assert.deepEqual(table.cells.a, ['1.5']);
    assert.deepEqual(table.cells.b, ['TRUE']);
  });

  test('finds the header on the first row holding a value and numbers data rows from the sheet', () => {
    const table = readTableBuffer(workbook([[], [], [null, 'a', 'b'], [null, 1, 2]]), 'o.xlsx');
    assert.deepEqual(table.columns, ['a', 'b']);
    assert.equal(table.firstDataRow, 4);
    assert.deepEqual(table.cells.a, [1]);
  });

  test('a file named .xlsx holding text is a corrupt file', async () => {
    await withTempDir(async (dir) => {
      const path = await writeTemp(dir, 'renamed.xlsx', 'latitude,longitude\n1,2\n');
      await assert.rejects(readTableFile(path), (e: GasfluxError) => e.code === 'CORRUPT_FILE' && /not an Excel workbook/.test(e.message));
    });
  });

  test('a truncated .xlsx is a corrupt file', () => {
    const full = tableToWorkbookBuffer(flightTable(200), 'xlsx');
    rejects(() => readTableBuffer(full.subarray(0, Math.floor(full.length / 2)), 'cut.xlsx'), 'CORRUPT_FILE');
  });

  test('a damaged entry inside an .xlsx is a corrupt file', () => {
    const full = Buffer.from(tableToWorkbookBuffer(flightTable(200), 'xlsx'));
    for (let i = 200; i < full.length / 2; i += 97) full[i] ^= 0x5a;
    rejects(() => readTableBuffer(full, 'damaged.xlsx'), 'CORRUPT_FILE');
  });

  test('a zip that is not a workbook is a corrupt file', () => {
    const zip = handMadeZip([{ name: 'hello.txt', compressed: deflateRawSync(Buffer.from('hi')), declaredSize: 2 }]);
    rejects(() => readTableBuffer(zip, 'z.xlsx'), 'CORRUPT_FILE');
  });

  test('an .xls holding binary that is no workbook is a corrupt file', () => {
    rejects(() => readTableBuffer(Buffer.from([1, 2, 0, 3, 4]), 'b.xls'), 'CORRUPT_FILE');
  });
});

describe('refusing files', () => {
  test('a .txt file is an unsupported file, whatever it holds', async () => {
    await withTempDir(async (dir) => {
      const path = await writeTemp(dir, 'flight.txt', tableToCsv(flightTable(30)));
      await assert.rejects(readTableFile(path), (e: GasfluxError) => e.code === 'UNSUPPORTED_FILE' && e.stage === 'input' && /'\.txt'/.test(e.message));
    });
  });

  test('an empty file and a header without rows are empty files', () => {
    rejects(() => readTableBuffer(Buffer.alloc(0), 'e.csv'), 'EMPTY_FILE');
    rejects(() => readTableBuffer(Buffer.from('\n\n'), 'e.csv'), 'EMPTY_FILE');
    rejects(() => readTableBuffer(Buffer.from('a,b\n'), 'e.csv'), 'EMPTY_FILE', /no data rows/);
    rejects(() => readTableBuffer(workbook([['a', 'b']]), 'e.xlsx'), 'EMPTY_FILE');
    rejects(() => readTableBuffer(workbook([]), 'e.xlsx'), 'EMPTY_FILE');
  });

  test('a CSV holding binary data is a corrupt file', () => {
    rejects(() => readTableBuffer(Buffer.from('a,b\n1,\u0000\n'), 'nul.csv'), 'CORRUPT_FILE', /binary/);
  });

  test('more rows than the limit is TOO_MANY_ROWS, for CSV and spreadsheets', () => {
    const csv = Buffer.from(tableToCsv(flightTable(50)));
    rejects(() => readTableBuffer(csv, 'm.csv', { maxRows: 49 }), 'TOO_MANY_ROWS', /more than 49 data rows/);
    assert.equal(readTableBuffer(csv, 'm.csv', { maxRows: 50 }).rowCount, 50);
    const xlsx = tableToWorkbookBuffer(flightTable(50), 'xlsx');
    rejects(() => readTableBuffer(xlsx, 'm.xlsx', { maxRows: 49 }), 'TOO_MANY_ROWS');
    assert.equal(readTableBuffer(xlsx, 'm.xlsx', { maxRows: 50 }).rowCount, 50);
  });

  test('more cells than the limit is TOO_MANY_ROWS, naming the cell limit', () => {
    rejects(() => readTableBuffer(Buffer.from(tableToCsv(flightTable(50))), 'c.csv', { maxCells: 110 }), 'TOO_MANY_ROWS', /cells/);
  });

  test('a zip bomb is refused from its declared sizes, quickly', () => {
    const bomb = zeroBomb(40, 16 * 1024 * 1024); // 640 MB of zeros in a few hundred kilobytes
    assert.ok(bomb.length < 1024 * 1024);
    const start = performance.now();
    rejects(() => readTableBuffer(bomb, 'bomb.xlsx'), 'CORRUPT_FILE', /would unpack to 640 MB; at most 512 MB/);
    assert.ok(performance.now() - start < 200, 'the bomb was unpacked');
  });

  test('a zip entry that unpacks to more than it declares is refused', () => {
    const compressed = deflateRawSync(Buffer.alloc(8 * 1024 * 1024));
    const liar = handMadeZip([{ name: 'xl/worksheets/sheet1.xml', compressed, declaredSize: 1000 }]);
    rejects(() => readTableBuffer(liar, 'liar.xlsx'), 'CORRUPT_FILE', /more than its declared/);
  });
});
