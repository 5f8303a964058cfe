/**
 * Writes the reference corpus into a folder: per case `<name>.csv` and `<name>.yaml` (the whole gasflux config),
 * plus `manifest.json` with each case's generator parameters, config and CSV hash, for generate_reference.py.
 *
 *   node --import tsx tools/reference/write-corpus.ts <folder> [case-name ...]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { CORPUS, caseCsv, sha256 } from './corpus.ts';

const [folderArg, ...only] = process.argv.slice(2);
if (!folderArg) {
  console.error('usage: node --import tsx tools/reference/write-corpus.ts <folder> [case-name ...]');
  process.exit(2);
}
const folder = resolve(folderArg);
mkdirSync(folder, { recursive: true });

const unknown = only.filter((name) => !CORPUS.some((c) => c.name === name));
if (unknown.length > 0) {
  console.error(`unknown case(s): ${unknown.join(', ')}`);
  process.exit(2);
}

const manifest = CORPUS.filter((c) => only.length === 0 || only.includes(c.name)).map((c) => {
  const csv = caseCsv(c.generator);
  const csvFile = `${c.name}.csv`;
  const configFile = `${c.name}.yaml`;
  writeFileSync(join(folder, csvFile), csv, 'utf8');
  writeFileSync(join(folder, configFile), `# gasflux config for the reference case ${c.name}\n${dump(c.config, { lineWidth: -1 })}`, 'utf8');
  return {
    name: c.name,
    description: c.description,
    csv: csvFile,
    config_file: configFile,
    csv_sha256: sha256(csv),
    rows: csv.split('\n').length - 2,
    generator: c.generator,
    config: c.config,
  };
});
writeFileSync(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
console.log(`wrote ${manifest.length} case(s) to ${folder}`);
