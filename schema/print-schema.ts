/**
 * Prints the schema, sorted so that diffs stay stable, to schema/schema.graphql (the committed contract that codegen
 * reads). With --check it writes nothing and exits 1 when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

export const SCHEMA_FILE = fileURLToPath(new URL('./schema.graphql', import.meta.url));

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export function committedSchema(): string | null {
  try {
    return readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    return null;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const printed = printedSchema();
  if (process.argv.includes('--check')) {
    if (committedSchema() !== printed) {
      console.error('schema/schema.graphql is stale: run `npm run schema:print` and commit it.');
      process.exit(1);
    }
    console.log('schema/schema.graphql is up to date.');
  } else {
    writeFileSync(SCHEMA_FILE, printed);
    console.log(`wrote ${SCHEMA_FILE}`);
  }
}
