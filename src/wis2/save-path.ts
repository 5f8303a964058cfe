/**
 * Where a download is stored: the subscription `target` (`save_path`) confined to the data root
 * (spec §2.7) and the file path `<data>/<target>/YYYY/MM/DD/<file>` (§5.7). Pure, lexical path
 * computation with POSIX semantics: nothing here touches the file system. The writer still has
 * to resolve symlinks (realpath) of the day directory before writing and compare again; see
 * {@link isConfinedTo}.
 */
import { posix } from 'node:path';
import { outcomes, type FailedOutcome } from './outcomes.js';

export type TargetResult = { ok: true; savePath: string } | { ok: false; error: 'Invalid target'; detail: string };

/**
 * Normalises a user-given `target` relative to the data root:
 * empty or missing → `.` (the root itself; the reference stored null and then failed every
 * download); an absolute path inside the root → relative; `..` collapsed; anything that leaves
 * the root → `Invalid target` (the reference silently stored null). No trimming, no `~`
 * expansion, and `\` is an ordinary character, as in the reference.
 */
export function normaliseTarget(target: string | null | undefined, dataRoot: string): TargetResult {
  if (target === null || target === undefined || target === '') return { ok: true, savePath: '.' };
  if (target.includes('\u0000')) return { ok: false, error: 'Invalid target', detail: 'target contains a NUL character' };
  const root = posix.resolve(dataRoot);
  const full = posix.resolve(root, target);
  if (!isConfinedTo(full, root)) {
    return { ok: false, error: 'Invalid target', detail: `target ${JSON.stringify(target)} leaves the data directory` };
  }
  const relative = posix.relative(root, full);
  return { ok: true, savePath: relative === '' ? '.' : relative };
}

/** True when `path` is `root` or inside it (both already absolute and normalised). */
export function isConfinedTo(path: string, root: string): boolean {
  const r = root.endsWith('/') ? root : `${root}/`;
  return path === root || path.startsWith(r) || root === '/';
}

/** `YYYY/MM/DD` of a date in UTC (the reference's processing date, containers on Etc/UTC). */
export function dayPath(date: Date): string {
  const y = String(date.getUTCFullYear()).padStart(4, '0');
  const m = String(date.getUTCMonth() + 1).padStart(2, '0');
  const d = String(date.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}`;
}

export type FileNaming = 'reference' | 'sanitised';

/**
 * The file name for a download URL: the last segment of the URL path, query and fragment dropped.
 * `reference` keeps percent-escapes as they are (the file is saved under the name in the URL);
 * `sanitised` decodes them and then drops `/`, `\`, NUL and other control characters and leading
 * dots. Returns '' when nothing usable is left (a URL ending in `/`, `..`), which
 * {@link computeSavePath} reports as `InvalidTargetDirectory`, as the reference does.
 */
export function fileNameFromUrl(href: string, naming: FileNaming = 'reference'): string {
  let pathname: string;
  try {
    pathname = new URL(href).pathname;
  } catch {
    pathname = href.split(/[?#]/)[0];
  }
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  if (naming === 'reference') return last === '.' || last === '..' ? '' : last;
  let decoded: string;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    decoded = last;
  }
  // eslint-disable-next-line no-control-regex
  return decoded.replace(/[/\\\u0000-\u001f\u007f]/g, '').replace(/^\.+/, '');
}

export interface SavePathInput {
  /** The data root (`CONTAINER_DATA_PATH`), absolute. */
  dataRoot: string;
  /** The stored, normalised `save_path` (from {@link normaliseTarget}); null/'' mean the root. */
  savePath: string | null | undefined;
  /** The chosen download URL. */
  href: string;
  /** Processing date; its UTC day names the day directory. */
  date: Date;
  naming?: FileNaming;
}

export interface SavePath {
  ok: true;
  /** `<root>/<save_path>/YYYY/MM/DD` */
  directory: string;
  fileName: string;
  /** `<directory>/<fileName>` */
  filePath: string;
}

export type SavePathResult = SavePath | { ok: false; outcome: FailedOutcome };

/**
 * Computes the day directory and final file path, with the reference's guard: the parent of the
 * file must be exactly the day directory, and (ours) the day directory must stay in the root.
 * Otherwise FAILED `InvalidTargetDirectory`.
 */
export function computeSavePath(input: SavePathInput): SavePathResult {
  const root = posix.resolve(input.dataRoot);
  const target = input.savePath === null || input.savePath === undefined || input.savePath === '' ? '.' : input.savePath;
  const directory = posix.resolve(root, target, dayPath(input.date));
  const fileName = fileNameFromUrl(input.href, input.naming);
  const filePath = posix.resolve(directory, fileName);
  if (
    fileName === '' ||
    target.includes('\u0000') ||
    !isConfinedTo(directory, root) ||
    posix.dirname(filePath) !== directory
  ) {
    return { ok: false, outcome: outcomes.invalidTargetDirectory(directory) };
  }
  return { ok: true, directory, fileName, filePath };
}

/**
 * Name of the temporary file a download streams into, inside the day directory so the final
 * rename is atomic. `token` must be unique per attempt (e.g. a random UUID).
 */
export function tempFilePath(directory: string, token: string): string {
  return posix.join(directory, `.tmp_${token.replace(/[^A-Za-z0-9_-]/g, '')}`);
}

/**
 * How the finished temporary file becomes the final one: `link` (hard link + unlink: an atomic
 * no-clobber; an existing file is SKIPPED `FileExistsError` "File created by another process")
 * for new data, `replace` (atomic rename over the old file) for `update` links.
 */
export function commitMode(overwrite: boolean): 'link' | 'replace' {
  return overwrite ? 'replace' : 'link';
}
