import { constants, crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { GasfluxError } from '../errors.js';
import { formatBytes, formatCount } from './limits.js';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_ENTRIES = 10_000;
/** Compressed bytes handed to zlib at a time; deflate expands at most ~1032×, so one step yields at most ~16 MB. */
const INPUT_SLICE_BYTES = 16 * 1024;
const OUTPUT_CHUNK_BYTES = 64 * 1024;

export interface ZipEntry {
  /** The name as stored (UTF-8). */
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/**
 * An untrusted zip (an .xlsx) held in memory, read without unpacking it: its directory is parsed (at most 10,000
 * entries), and entries are inflated one at a time, as a stream of chunks, with their declared size as the cap and
 * their CRC checked at the end. Damage is CORRUPT_FILE.
 */
export class ZipArchive {
  private readonly byName = new Map<string, ZipEntry>();

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly fileName: string,
    readonly entries: readonly ZipEntry[],
  ) {
    for (const entry of entries) {
      const key = normalisePartName(entry.name);
      if (!this.byName.has(key)) this.byName.set(key, entry);
    }
  }

  static open(bytes: Uint8Array, fileName: string): ZipArchive {
    return new ZipArchive(bytes, fileName, readCentralDirectory(bytes, fileName));
  }

  /** The entry of a part name (`xl/workbook.xml`), matched without a leading slash and case-insensitively. */
  find(partName: string): ZipEntry | undefined {
    return this.byName.get(normalisePartName(partName));
  }

  /**
   * Refuses the zip, before any work, when the declared sizes exceed the budget: `main` (the first worksheet) may
   * declare up to `mainAllowance`, every other entry together up to `restAllowance`.
   */
  checkDeclaredSizes(main: ZipEntry | undefined, mainAllowance: number, restAllowance: number): void {
    if (main && main.uncompressedSize > mainAllowance) {
      throw corrupt(
        `'${this.fileName}' has a first worksheet that would unpack to ${formatBytes(main.uncompressedSize)}; at most ${formatBytes(mainAllowance)} is accepted for the rows allowed (is it a zip bomb?)`,
      );
    }
    const rest = this.entries.reduce((sum, e) => (e === main ? sum : sum + e.uncompressedSize), 0);
    if (rest > restAllowance) {
      throw corrupt(
        `'${this.fileName}' would unpack to ${formatBytes(rest)}${main ? ' besides its first worksheet' : ''}; at most ${formatBytes(restAllowance)} is accepted (is it a zip bomb?)`,
      );
    }
  }

  /**
   * Inflates `entry`, handing its bytes to `onChunk` in pieces of at most 64 kB (the buffer is reused: consume it
   * before returning). Stops when `onChunk` throws. Refuses an entry that unpacks to more than it declares (or more
   * than `maxBytes`), to a different size, or whose CRC does not match.
   */
  inflate(entry: ZipEntry, onChunk: (chunk: Buffer) => void, maxBytes = Infinity): void {
    if (entry.uncompressedSize > maxBytes) {
      throw corrupt(`'${this.fileName}' is too large: zip entry '${entry.name}' would unpack to ${formatBytes(entry.uncompressedSize)}; at most ${formatBytes(maxBytes)} is accepted`);
    }
    const data = this.entryData(entry);
    let produced = 0;
    let crc = 0;
    const tooLarge = (): GasfluxError =>
      corrupt(
        `'${this.fileName}' is damaged or hostile: zip entry '${entry.name}' unpacks to more than its declared ${formatBytes(entry.uncompressedSize)}`,
      );
    const take = (chunk: Buffer): void => {
      produced += chunk.byteLength;
      if (produced > entry.uncompressedSize) throw tooLarge();
      crc = crc32(chunk, crc);
      onChunk(chunk);
    };
    if (entry.method === 0) {
      for (let at = 0; at < data.byteLength; at += OUTPUT_CHUNK_BYTES) take(toBuffer(data.subarray(at, at + OUTPUT_CHUNK_BYTES)));
    } else if (entry.method === 8) {
      inflateRawChunks(data, entry.uncompressedSize, take, {
        damaged: (reason) => corrupt(`'${this.fileName}' is damaged: zip entry '${entry.name}' cannot be unpacked (${reason})`),
        tooLarge,
      });
    } else {
      throw corrupt(`'${this.fileName}' uses an unsupported zip compression method (${entry.method}) for '${entry.name}'`);
    }
    if (produced !== entry.uncompressedSize) {
      throw corrupt(
        `'${this.fileName}' is damaged: zip entry '${entry.name}' unpacks to ${formatCount(produced)} bytes, not the declared ${formatCount(entry.uncompressedSize)}`,
      );
    }
    if (crc !== entry.crc) {
      throw corrupt(`'${this.fileName}' is damaged: zip entry '${entry.name}' fails its CRC check`);
    }
  }

  private entryData(entry: ZipEntry): Uint8Array {
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const local = entry.localHeaderOffset;
    if (local + 30 > view.byteLength || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
      throw corrupt(`'${this.fileName}' is damaged: zip entry '${entry.name}' cannot be found`);
    }
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > this.bytes.byteLength) {
      throw corrupt(`'${this.fileName}' is not a complete workbook: zip entry '${entry.name}' is cut short`);
    }
    return this.bytes.subarray(dataStart, dataEnd);
  }
}

/** Part names compare without a leading slash, with forward slashes, case-insensitively (as Excel does). */
function normalisePartName(name: string): string {
  return name.replaceAll('\\', '/').replace(/^\/+/, '').toLowerCase();
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What node:zlib's engine exposes internally and its own synchronous calls use; checked before use. */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

/**
 * Raw deflate, inflated synchronously as a stream: compressed input goes in 16 kB at a time and output comes out
 * 64 kB at a time, so nothing but one output buffer is held, whatever the entry unpacks to. node:zlib has no public
 * synchronous streaming call (its streams are asynchronous, and the reader is synchronous), so this drives the
 * engine of a `createInflateRaw()` stream the way node's own `inflateRawSync` does. Where that engine is not
 * available, the entry is inflated in one piece, capped at its declared size.
 */
function inflateRawChunks(
  data: Uint8Array,
  declaredSize: number,
  take: (chunk: Buffer) => void,
  errors: InflateErrors,
): void {
  const engine = createInflateRaw({ chunkSize: OUTPUT_CHUNK_BYTES }) as unknown as {
    _handle?: ZlibHandle;
    _writeState?: Uint32Array;
    close(): void;
  };
  const handle = engine._handle;
  const state = engine._writeState;
  if (!handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array)) {
    engine.close();
    inflateWhole(data, declaredSize, take, errors);
    return;
  }
  let failure: string | undefined;
  handle.onerror = (message) => {
    failure = message;
  };
  const out = Buffer.allocUnsafe(OUTPUT_CHUNK_BYTES);
  try {
    let at = 0;
    do {
      const length = Math.min(INPUT_SLICE_BYTES, data.byteLength - at);
      const last = at + length >= data.byteLength;
      let inOff = at;
      let availIn = length;
      for (;;) {
        handle.writeSync(last ? constants.Z_FINISH : constants.Z_NO_FLUSH, data, inOff, availIn, out, 0, out.byteLength);
        if (failure !== undefined) throw errors.damaged(failure);
        const availOut = state[0];
        inOff += availIn - state[1];
        availIn = state[1];
        if (availOut < out.byteLength) take(out.subarray(0, out.byteLength - availOut));
        if (availOut !== 0) break;
      }
      at += length;
    } while (at < data.byteLength);
  } finally {
    engine.close();
  }
}

interface InflateErrors {
  damaged(reason: string): GasfluxError;
  tooLarge(): GasfluxError;
}

function inflateWhole(data: Uint8Array, declaredSize: number, take: (chunk: Buffer) => void, errors: InflateErrors): void {
  let whole: Buffer;
  try {
    whole = inflateRawSync(data, { maxOutputLength: Math.max(1, declaredSize) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw errors.tooLarge();
    throw errors.damaged((error as Error).message);
  }
  for (let at = 0; at < whole.byteLength; at += OUTPUT_CHUNK_BYTES) take(whole.subarray(at, at + OUTPUT_CHUNK_BYTES));
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
    const rawName = Buffer.from(bytes.buffer, bytes.byteOffset + at + 46, Math.max(0, Math.min(nameLength, view.byteLength - at - 46)));
    const entry: ZipEntry = {
      name: rawName.toString('utf8'),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
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

function corrupt(message: string): GasfluxError {
  return new GasfluxError('CORRUPT_FILE', 'input', message);
}
