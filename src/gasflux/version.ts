import { readFileSync } from 'node:fs';
import { projectPath } from '../project-root.js';

/** This package's version, as recorded in every output. */
export const GASFLUX_API_VERSION: string = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')).version;
