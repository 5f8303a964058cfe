import { crc32, inflateRawSync } from 'node:zlib';
import { GasfluxError } from '../errors.js';
import { formatBytes, formatCount } from './limits.js';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_ENTRIES = 10_000;
// The re-packed zip has 32-bit offsets; leave room for its headers.
const STORED_ZIP_MAX_BYTES = 0xf000_0000;

interface ZipEntry {
  name: string;
  rawName: Buffer;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/**
 * Unpacks a zip (an .xlsx) under a size budget and returns the same files re-packed without compression, for
 * SheetJS, which would otherwise inflate everything with no limit (and slowly, in JavaScript). The declared
 * sizes in the central directory are summed first, so a zip bomb is refused before any work; then each entry
 * is inflated with its declared size as the output cap, so an entry that lies about its size is caught too.
 * Throws CORRUPT_FILE for a damaged or oversized zip.
 */
export function unpackZipWithinBudget(bytes: Uint8Array, fileName: string, maxBytes: number): Buffer {
  const entries = readCentralDirectory(bytes, fileName);
  const budget = Math.min(maxBytes, STORED_ZIP_MAX_BYTES);
  const declared = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (declared > budget) {
    throw corrupt(
      `'${fileName}' would unpack to ${formatBytes(declared)}; at most ${formatBytes(budget)} is accepted (is it a zip bomb?)`,
    );
  }
  return storedZip(entries.map((entry) => ({ name: entry.rawName, data: unpackEntry(bytes, entry, fileName) })));
}

function readCentralDirectory(bytes: Uint8Array, fileName: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) {
    throw corrupt(`'${fileName}' is not a complete workbook: its zip directory is missing (was the file cut short?)`);
  }
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    const zip64 = readZip64End(view, eocd);
    if (!zip64) throw corrupt(`'${fileName}' has a damaged zip64 directory`);
    ({ count, offset } = zip64);
  }
  if (count > MAX_ENTRIES) {
    throw corrupt(`'${fileName}' holds ${formatCount(count)} zip entries; a workbook has far fewer (at most ${formatCount(MAX_ENTRIES)} accepted)`);
  }

  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw corrupt(`'${fileName}' has a damaged zip directory`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const rawName = Buffer.from(bytes.buffer, bytes.byteOffset + at + 46, Math.min(nameLength, view.byteLength - at - 46));
    const entry: ZipEntry = {
      name: rawName.toString('utf8'),
      rawName,
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    applyZip64Extra(view, at + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  return -1;
}

function readZip64End(view: DataView, eocd: number): { count: number; offset: number } | undefined {
  const locator = eocd - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) return undefined;
  const end = Number(view.getBigUint64(locator + 8, true));
  if (end + 56 > view.byteLength || view.getUint32(end, true) !== ZIP64_EOCD_SIGNATURE) return undefined;
  return { count: Number(view.getBigUint64(end + 32, true)), offset: Number(view.getBigUint64(end + 48, true)) };
}

/** Sizes and offset that did not fit in 32 bits live, in this order, in the zip64 extra field (id 1). */
function applyZip64Extra(view: DataView, start: number, length: number, entry: ZipEntry): void {
  let at = start;
  const end = Math.min(start + length, view.byteLength);
  while (at + 4 <= end) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 1) {
      let field = at + 4;
      const next = (): number => {
        const value = field + 8 <= at + 4 + size ? Number(view.getBigUint64(field, true)) : Number.MAX_SAFE_INTEGER;
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

function unpackEntry(bytes: Uint8Array, entry: ZipEntry, fileName: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + 30 > view.byteLength || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
    throw corrupt(`'${fileName}' is damaged: zip entry '${entry.name}' cannot be found`);
  }
  const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.byteLength) {
    throw corrupt(`'${fileName}' is not a complete workbook: zip entry '${entry.name}' is cut short`);
  }
  const data = bytes.subarray(dataStart, dataEnd);
  if (entry.method === 0) return data;
  if (entry.method !== 8) {
    throw corrupt(`'${fileName}' uses an unsupported zip compression method (${entry.method}) for '${entry.name}'`);
  }
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corrupt(
        `'${fileName}' is damaged or hostile: zip entry '${entry.name}' unpacks to more than its declared ${formatBytes(entry.uncompressedSize)}`,
      );
    }
    throw corrupt(`'${fileName}' is damaged: zip entry '${entry.name}' cannot be unpacked (${(error as Error).message})`);
  }
}

/** A zip holding `files` uncompressed ("stored"), with a plain 32-bit directory. */
function storedZip(files: { name: Buffer; data: Uint8Array }[]): Buffer {
  const parts: Uint8Array[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of files) {
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIGNATURE, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.byteLength, 18);
    local.writeUInt32LE(data.byteLength, 22);
    local.writeUInt16LE(name.byteLength, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_SIGNATURE, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.byteLength, 20);
    central.writeUInt32LE(data.byteLength, 24);
    central.writeUInt16LE(name.byteLength, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, data);
    directory.push(central, name);
    offset += 30 + name.byteLength + data.byteLength;
  }
  const directorySize = directory.reduce((sum, b) => sum + b.byteLength, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD_SIGNATURE, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...directory, end]);
}

function corrupt(message: string): GasfluxError {
  return new GasfluxError('CORRUPT_FILE', 'input', message);
}
