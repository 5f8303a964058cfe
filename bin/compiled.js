// The bins run the compiled JavaScript in dist/ (built by `npm ci` and `npm run build`), not a transpiler.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** The newest modification time under `dir` (source files only), or 0. */
function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path);
    latest = Math.max(latest, info.isDirectory() ? newest(path) : name.endsWith('.ts') ? info.mtimeMs : 0);
  }
  return latest;
}

/** Imports `module` (a path under dist/, e.g. `src/gasflux/cli.js`), or explains what to run when it is not built. */
export async function loadCompiled(module) {
  const built = join(dist, 'BUILT');
  if (!existsSync(built)) {
    console.error(`error: the compiled JavaScript (dist/) is missing; run \`npm run build\` (npm ci does it)`);
    process.exit(70);
  }
  const builtAt = statSync(built).mtimeMs;
  if (['src', 'jobs', 'client', 'schema'].some((dir) => newest(join(root, dir)) > builtAt)) {
    console.error('warning: sources changed since the last build; run `npm run build` to use them');
  }
  return import(join(dist, module));
}
