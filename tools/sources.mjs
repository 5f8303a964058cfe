// The TypeScript modules that are compiled into dist/ (tools/build.mjs), and so the ones whose change makes a build
// stale (bin/compiled.js). The web page (client/web) is bundled by the service itself.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['src', 'jobs', 'schema', 'client'];
const SKIPPED = new Set(['client/web']);

function typescriptFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIPPED.has(relative(ROOT, path))) return [];
    if (statSync(path).isDirectory()) return typescriptFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Absolute paths of every compiled source module. */
export function compiledSources() {
  return SOURCES.flatMap((dir) => typescriptFiles(join(ROOT, dir)));
}
