/** What a file's bytes say it is, whatever its name says. */
export type ContentKind = 'zip' | 'ole2' | 'text' | 'binary';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4: .xlsx (and any other zip)
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]; // Compound File: .xls, or an encrypted .xlsx

export function sniffContent(bytes: Uint8Array): ContentKind {
  if (startsWith(bytes, ZIP_MAGIC)) return 'zip';
  if (startsWith(bytes, OLE2_MAGIC)) return 'ole2';
  return bytes.indexOf(0) === -1 ? 'text' : 'binary';
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
