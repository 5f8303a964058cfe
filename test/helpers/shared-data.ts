import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `../shared/data` next to the repository root: reference fixtures that are never copied into the repo. */
export const sharedDataDir = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export const gasfluxDataDir = `${sharedDataDir}gasflux/`;
export const wis2DataDir = `${sharedDataDir}wis2/`;

/**
 * The `skip` option for a suite that needs the reference fixtures: false when they are here,
 * otherwise a reason that the summary reporter prints by name, so a missing run is never silent.
 */
export function needsSharedData(dir: string): false | string {
  return existsSync(dir) ? false : `needs ${dir}, which is absent on this machine`;
}
