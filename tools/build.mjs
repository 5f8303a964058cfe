#!/usr/bin/env node
// Compiles the service, the jobs, the schema and the CLIs from TypeScript to JavaScript in dist/ (same layout, one
// file per module, with source maps), so the bins and `npm start` start without a transpiler. Run by `npm ci`
// (prepare) and `npm start`; takes well under a second. Which modules: tools/sources.mjs.
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { ROOT, compiledSources } from './sources.mjs';

const OUT_DIR = join(ROOT, 'dist');
const entryPoints = compiledSources();
rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints,
  outdir: OUT_DIR,
  outbase: ROOT,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
// When it was built, for the bins' staleness warning.
writeFileSync(join(OUT_DIR, 'BUILT'), `${new Date().toISOString()}\n`);
if (!process.argv.includes('--quiet')) console.log(`built ${entryPoints.length} modules into ${relative(ROOT, OUT_DIR)}/`);
