// The bins run the compiled JavaScript in dist/ (built by `npm ci` and `npm run build`), not a transpiler.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, compiledSources } from '../tools/sources.mjs';

const dist = join(ROOT, 'dist');

/** Imports `module` (a path under dist/, e.g. `src/gasflux/cli.js`), or explains what to run when it is not built. */
export async function loadCompiled(module) {
  const built = join(dist, 'BUILT');
  if (!existsSync(built)) {
    console.error(`error: the compiled JavaScript (dist/) is missing; run \`npm run build\` (npm ci does it)`);
    process.exit(70);
  }
  const builtAt = statSync(built).mtimeMs;
  if (compiledSources().some((path) => statSync(path).mtimeMs > builtAt)) {
    console.error('warning: sources changed since the last build; run `npm run build` to use them');
  }
  return import(join(dist, module));
}
