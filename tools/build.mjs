#!/usr/bin/env node
// Compiles the service, the jobs, the schema and the CLIs from TypeScript to JavaScript in dist/ (same layout, one
// file per module, with source maps), so the bins and `npm start` start without a transpiler. Run by `npm ci`
// (prepare) and `npm start`; takes well under a second. The web page (client/web) is bundled by the service itself.
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['src', 'jobs', 'schema', 'client'];
const SKIPPED = new Set(['client/web']);
export const OUT_DIR = join(root, 'dist');

function typescriptFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIPPED.has(relative(root, path))) return [];
    if (statSync(path).isDirectory()) return typescriptFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const entryPoints = SOURCES.flatMap((dir) => typescriptFiles(join(root, dir)));
rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints,
  outdir: OUT_DIR,
  outbase: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
// When it was built, for the bins' staleness warning.
writeFileSync(join(OUT_DIR, 'BUILT'), `${new Date().toISOString()}\n`);
if (!process.argv.includes('--quiet')) console.log(`built ${entryPoints.length} modules into ${relative(root, OUT_DIR)}/`);
