/**
 * A task's result files as both APIs address them: the path that serves one (REST `GET /download/<rel_path>`, the
 * `download_url` of REST and the `downloadUrl` of GraphQL), and which file such a path names, confined to the output
 * folder (no `..`, absolute paths or symlink escapes).
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { TaskService } from './task-service.js';

/** The REST path under which result files are served (the web API doc's `/download/{filename}`). */
export const RESULT_FILE_PREFIX = '/download/';

/** The path of a result file, from its path under the output folder, each segment percent-encoded. */
export function resultFileUrl(relPath: string): string {
  return `${RESULT_FILE_PREFIX}${relPath.split('/').map(encodeURIComponent).join('/')}`;
}

export type ResultFileTarget =
  | { ok: true; path: string; size: number }
  | { ok: false; reason: 'forbidden' | 'not_found' | 'directory' };

/** `requested` is the decoded path after `/download/`. */
export async function resolveResultFile(outputFolder: string, requested: string, tasks?: Pick<TaskService, 'get'>): Promise<ResultFileTarget> {
  if (requested.includes('\0') || isAbsolute(requested) || /^[a-zA-Z]:/.test(requested) || requested.includes('\\')) {
    return { ok: false, reason: 'forbidden' };
  }
  const segments = requested.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, reason: 'forbidden' };
  const root = await realpath(outputFolder);
  const candidate = resolve(root, requested);
  if (!candidate.startsWith(root + sep)) return { ok: false, reason: 'forbidden' };

  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    // The web API's task results name files as `<task>/<file>`; find them in the task's run folder.
    if (tasks && segments.length === 2) {
      const task = await tasks.get(segments[0]).catch(() => null);
      const match = task?.results.find((r) => r.name === segments[1]);
      if (match) return resolveResultFile(outputFolder, match.relPath);
    }
    return { ok: false, reason: 'not_found' };
  }
  if (real !== root && !real.startsWith(root + sep)) return { ok: false, reason: 'forbidden' };
  const info = await stat(real);
  if (info.isDirectory()) return { ok: false, reason: 'directory' };
  if (!info.isFile()) return { ok: false, reason: 'not_found' };
  return { ok: true, path: real, size: info.size };
}
