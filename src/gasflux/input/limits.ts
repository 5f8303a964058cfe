/** Bounds on the work done for one untrusted file. */
export interface ReadLimits {
  /** Most data rows (header excluded). */
  maxRows: number;
  /** Most columns. */
  maxColumns: number;
  /** Most cells (data rows × columns) held in memory. */
  maxCells: number;
  /** Most bytes a workbook's zip entries may unpack to, in total. */
  maxUncompressedBytes: number;
}

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxRows: 2_000_000,
  maxColumns: 1_000,
  maxCells: 50_000_000,
  maxUncompressedBytes: 512 * 1024 * 1024,
});

/** A count for messages: 2000000 → "2,000,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A byte size for messages, in binary units: 536870912 → "512 MB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}
