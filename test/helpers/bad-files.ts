/**
 * Hand-made input files for the reader and validator tests: a small valid flight table to spoil cell by cell,
 * temp files, and zips assembled byte by byte (bombs, liars) that no library would write.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { GasfluxError } from '../../src/gasflux/errors.js';
import type { CellValue, RawTable } from '../../src/gasflux/table.js';

/** The GasfluxError `run` throws, checked for its code (and message); fails the test if it throws none. */
export function rejects(run: () => unknown, code: string, message?: RegExp): GasfluxError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GasfluxError, `expected a GasfluxError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

export const REQUIRED_COLUMNS = ['latitude', 'longitude', 'height_ato', 'windspeed', 'winddir', 'temperature', 'pressure'];

/**
 * A valid flight under the default config: `timestamp`, the seven required columns and the given gases, one row
 * per second, every value inside the default ranges, as numbers (non-integers, so CSV keeps them exact).
 */
export function flightTable(rows = 30, gases: string[] = ['ch4', 'co2', 'c2h6']): RawTable {
  const columns = ['timestamp', ...REQUIRED_COLUMNS, ...gases];
  const cells: Record<string, CellValue[]> = Object.fromEntries(columns.map((c) => [c, []]));
  for (let i = 0; i < rows; i++) {
    const seconds = i % 60;
    const minutes = Math.floor(i / 60) % 60;
    const hours = 2 + Math.floor(i / 3600);
    cells.timestamp.push(`2022-09-26 ${pad(hours)}:${pad(minutes)}:${pad(seconds)}`);
    cells.latitude.push(54.87667 - i * 1.37e-5);
    cells.longitude.push(15.41 - i * 1.5342e-4);
    cells.height_ato.push(-10 + (i % 17) * 3.25);
    cells.windspeed.push(5.7636649217848985 + Math.sin(i) * 0.4);
    cells.winddir.push(180.37311574951946 + Math.cos(i) * 20);
    cells.temperature.push(10.25);
    cells.pressure.push(1000.5);
    const gasValue: Record<string, number> = { ch4: 1.95 + i * 0.01, co2: 410.5 + i * 0.1, c2h6: 0.0015 + i * 1e-5 };
    for (const gas of gases) cells[gas].push(gasValue[gas] ?? 0.5 + i * 1e-3);
  }
  return { columns, cells, rowCount: rows, firstDataRow: 2 };
}

/** A copy of the table with one cell replaced; `index` is the 0-based data row (file row = index + 2). */
export function withCell(table: RawTable, column: string, index: number, value: CellValue): RawTable {
  const cells = { ...table.cells, [column]: [...table.cells[column]] };
  cells[column][index] = value;
  return { ...table, cells };
}

/** A copy of the table with every cell of `column` replaced by `f(cell, index)`. */
export function mapColumn(table: RawTable, column: string, f: (cell: CellValue, index: number) => CellValue): RawTable {
  return { ...table, cells: { ...table.cells, [column]: table.cells[column].map(f) } };
}

export function withoutColumns(table: RawTable, ...drop: string[]): RawTable {
  const columns = table.columns.filter((c) => !drop.includes(c));
  return { ...table, columns, cells: Object.fromEntries(columns.map((c) => [c, table.cells[c]])) };
}

/** Runs `body` with a fresh temp directory that is removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'gasflux-input-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function writeTemp(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

export interface ZipEntrySpec {
  name: string;
  /** Raw deflate data (method 8). */
  compressed: Uint8Array;
  /** What the central directory and local header claim the entry unpacks to. */
  declaredSize: number;
  crc?: number;
}

/** A zip assembled by hand, so its declared sizes can be anything. */
export function handMadeZip(entries: ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = entry.crc ?? 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.compressed.byteLength, 18);
    local.writeUInt32LE(entry.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.compressed.byteLength, 20);
    central.writeUInt32LE(entry.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, Buffer.from(entry.compressed));
    directory.push(central, name);
    offset += 30 + name.length + entry.compressed.byteLength;
  }
  const size = directory.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...directory, end]);
}

/** `count` entries of `entryBytes` zeros each, honestly declared: a classic zip bomb in a few kilobytes. */
export function zeroBomb(count: number, entryBytes: number): Buffer {
  const zeros = Buffer.alloc(entryBytes);
  const compressed = deflateRawSync(zeros, { level: 9 });
  const crc = crc32(zeros);
  return handMadeZip(
    Array.from({ length: count }, (_, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, compressed, declaredSize: entryBytes, crc })),
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
