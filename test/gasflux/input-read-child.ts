/**
 * Reads one file with readTableBuffer in a process of its own and prints, as one JSON line, the outcome and what the
 * read cost in memory: `node --import tsx input-read-child.ts <file> [options-json] [reader-module]`. Used by
 * input-xlsx-streaming.test.ts so that the peak RSS measured is this read's alone.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [path, optionsJson = '{}', readerModule = '../../src/gasflux/input/read-table.ts'] = process.argv.slice(2);
const { readTableBuffer } = (await import(
  readerModule.startsWith('.') ? new URL(readerModule, import.meta.url).href : pathToFileURL(resolve(readerModule)).href
)) as typeof import('../../src/gasflux/input/read-table.ts');
const bytes = readFileSync(path);
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
let outcome: Record<string, unknown>;
try {
  const table = readTableBuffer(bytes, basename(path), JSON.parse(optionsJson));
  outcome = { rows: table.rowCount, columns: table.columns.length };
} catch (error) {
  const e = error as { code?: string; message: string };
  outcome = { code: e.code ?? 'THROWN', message: e.message };
}
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ ...outcome, ms: performance.now() - start, rssBefore, peakRss, growth: peakRss - rssBefore }));
