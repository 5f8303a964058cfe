import { readFileSync } from 'node:fs';

/** This package's version, as recorded in every output. */
export const GASFLUX_API_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
