/**
 * GET /download/{path}: a result file under the output folder, streamed. The path is taken from the raw request URL,
 * before any normalisation, so `..` (plain, percent-encoded or double-encoded), absolute paths and backslashes are
 * refused with 403 rather than silently resolved; src/domain/result-files.ts confines what is left (symlinks included).
 */
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Response, Type } from 'fets';
import { RESULT_FILE_PREFIX, resolveResultFile, type ResultFileTarget } from '../../domain/result-files.js';
import { refuse, type Refusals } from './refusals.js';
import { rawPath, type RestArea, type RestCall } from './route.js';
import { errorEnvelope } from './schemas.js';

type Refused = Extract<ResultFileTarget, { ok: false }> & { filename: string };

const named = ({ filename }: Refused) => ({ filename });

const REFUSALS: Refusals<Refused> = {
  forbidden: { status: 403, key: 'result_file_forbidden', data: named },
  directory: { status: 400, key: 'result_file_not_a_file', data: named },
  not_found: { status: 404, key: 'result_file_not_found', data: named },
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xls': 'application/vnd.ms-excel',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export const contentTypeOf = (name: string) => CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';

/** Would this path, as it is or decoded once or twice more, climb out or jump elsewhere? */
function escapes(path: string): boolean {
  let text = path;
  for (let round = 0; round < 3; round++) {
    if (
      text.includes('\0') ||
      text.includes('\\') ||
      text.startsWith('/') ||
      /^[a-zA-Z]:/.test(text) ||
      text.split('/').some((segment) => segment === '..' || segment === '.')
    ) {
      return true;
    }
    if (!text.includes('%')) return false;
    try {
      text = decodeURIComponent(text);
    } catch {
      return false;
    }
  }
  return false;
}

/** The requested file path (decoded) from the raw URL, or null when it must be refused. */
export function requestedPath(raw: string): string | null {
  const encoded = raw.startsWith(RESULT_FILE_PREFIX) ? raw.slice(RESULT_FILE_PREFIX.length) : '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  if (escapes(encoded) || escapes(decoded)) return null;
  return decoded;
}

function disposition(name: string): string {
  const kind = contentTypeOf(name).startsWith('text/html') ? 'inline' : 'attachment';
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Serves a result file; also used by the router's fallback for raw `/download/…` URLs that normalise elsewhere. */
export async function serveResultFile(call: RestCall): Promise<Response> {
  const { services } = call;
  const raw = rawPath(call.req);
  const requested = requestedPath(raw);
  const shown = (() => {
    try {
      return decodeURIComponent(raw.slice(RESULT_FILE_PREFIX.length));
    } catch {
      return raw.slice(RESULT_FILE_PREFIX.length);
    }
  })();
  if (requested === null) return refuse(call, REFUSALS, { ok: false, reason: 'forbidden', filename: shown });
  if (requested === '') return refuse(call, REFUSALS, { ok: false, reason: 'not_found', filename: requested });
  const target = await resolveResultFile(services.config.outputFolder, requested, services.tasks);
  if (!target.ok) return refuse(call, REFUSALS, { ...target, filename: requested });
  // Open first: the size sent is the size of the file actually streamed, and a file removed meanwhile is a 404.
  let handle;
  try {
    handle = await open(target.path, 'r');
  } catch {
    return refuse(call, REFUSALS, { ok: false, reason: 'not_found', filename: requested });
  }
  const { size } = await handle.stat();
  const name = basename(target.path);
  return new Response(handle.createReadStream() as never, {
    status: 200,
    headers: {
      'content-type': contentTypeOf(name),
      'content-length': String(size),
      'content-disposition': disposition(name),
      'x-content-type-options': 'nosniff',
    },
  });
}

export const resultFileRoutes: RestArea = () => [
  {
    method: 'GET',
    path: '/download/:path+',
    operationId: 'download',
    tags: ['downloads'],
    description:
      "A result file, by its `rel_path` (`<task>/<…>/<file>`) or the doc's short form `<task>/<file>`. 403 for any path leaving the output folder, 400 for a folder.",
    schemas: {
      request: { params: Type.Object({ path: Type.String({ description: 'The file path relative to the output folder' }) }) },
      responses: {
        200: Type.String({ format: 'binary', description: 'The file (HTML reports inline, other files as attachments)' }),
        400: errorEnvelope,
        403: errorEnvelope,
        404: errorEnvelope,
      },
    },
    handle: serveResultFile,
  },
];
