/**
 * GraphQL multipart requests (the GraphQL multipart request spec: `operations`, then `map`, then the file parts), read
 * by the one multipart reader (src/http/multipart.ts) straight from the raw Node request. File parts are written once,
 * to a per-request staging folder on the upload disk, and reach resolvers as ReceivedFiles, which
 * UploadService.receive checks and moves (renames) into the task's folder, as for REST. Nothing is held in memory;
 * the staging folder, with whatever no resolver took, is removed once the response is ready.
 *
 * Limits: the file parts of one request together may hold at most `maxFileBytes` (GASFLUX_MAX_CONTENT_LENGTH);
 * more is refused with 413, and so is a request whose Content-Length already says so. Partial files are removed.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { discardRestOfBody } from '../http/body.js';
import { readMultipart, type MultipartProblem, type PartRules } from '../http/multipart.js';

export interface StreamingUploadOptions {
  /** Where request parts are staged; each request gets its own folder inside, removed after the response. */
  stagingFolder: string;
  /** Bytes all file parts of one request may hold together. */
  maxFileBytes: number;
  /** File parts per request (uploadFlight takes two). */
  maxFiles?: number;
  /** Parts (files and fields) per request (GASFLUX_MAX_FORM_PARTS). */
  maxParts?: number;
  /** The message of a 413, in the request's language. */
  tooLargeMessage: (request: Request) => string;
}

/** Room for the multipart envelope, `operations` and `map` on top of the files, for the early Content-Length check. */
export const MULTIPART_ENVELOPE_BYTES = 1024 * 1024;
const MAX_FIELD_BYTES = 256 * 1024;

export const isMultipart = (request: Request) =>
  request.method === 'POST' && (request.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');

const requestError = (status: 400 | 413, message: string) =>
  new GraphQLError(message, { extensions: { http: { status }, code: status === 413 ? 'REQUEST_ENTITY_TOO_LARGE' : 'BAD_REQUEST' } });

/** Sets `value` at a map path such as `variables.file` or `variables.files.0`, refusing prototype keys. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  if (keys.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')) return false;
  let current: unknown = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  const last = keys.at(-1)!;
  // The spec says the operations hold null where a file goes.
  if (typeof current !== 'object' || current === null || !Object.hasOwn(current, last) || (current as Record<string, unknown>)[last] !== null) {
    return false;
  }
  (current as Record<string, unknown>)[last] = value;
  return true;
}

function parseMap(text: string): Record<string, string[]> | null {
  try {
    const map: unknown = JSON.parse(text);
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return null;
    for (const paths of Object.values(map)) {
      if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) return null;
    }
    return map as Record<string, string[]>;
  } catch {
    return null;
  }
}

interface Bounds {
  maxFiles: number;
  maxParts: number;
  tooLargeMessage: string;
}

/** The answer to each problem of the body itself. */
const PROBLEM_ERRORS: { [R in MultipartProblem['reason']]: (problem: Extract<MultipartProblem, { reason: R }>, bounds: Bounds) => GraphQLError } = {
  malformed: ({ detail }) => requestError(400, `Invalid multipart request: ${detail}`),
  aborted: () => requestError(400, 'Invalid multipart request: the request ended before the multipart body was complete'),
  too_large: (_problem, { tooLargeMessage }) => requestError(413, tooLargeMessage),
  too_many_files: (_problem, { maxFiles }) => requestError(413, `At most ${maxFiles} files per request`),
  too_many_fields: () => requestError(400, 'Too many multipart fields'),
  too_many_parts: (_problem, { maxParts }) => requestError(400, `At most ${maxParts} multipart parts per request (GASFLUX_MAX_FORM_PARTS)`),
};

function problemError(problem: MultipartProblem, bounds: Bounds): GraphQLError {
  return (PROBLEM_ERRORS[problem.reason] as (problem: MultipartProblem, bounds: Bounds) => GraphQLError)(problem, bounds);
}

type SpecViolation = { reason: 'spec'; error: GraphQLError };

/** The spec's order: `operations` (one operation), then `map`, then only the file parts the map names, once each. */
function specRules(): PartRules<SpecViolation> & { operations(): unknown; map(): Record<string, string[]> | null } {
  let operations: unknown;
  let map: Record<string, string[]> | null = null;
  const violation = (status: 400 | 413, message: string): SpecViolation => ({ reason: 'spec', error: requestError(status, message) });
  return {
    operations: () => operations,
    map: () => map,
    field(name, value, truncated) {
      if (truncated) return violation(413, `The multipart field "${name}" is larger than ${MAX_FIELD_BYTES} bytes`);
      if (name === 'operations') {
        if (operations !== undefined) return violation(400, 'The multipart field "operations" was sent twice');
        try {
          operations = JSON.parse(value);
        } catch {
          return violation(400, 'The multipart field "operations" is not valid JSON');
        }
        if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) {
          return violation(400, 'The multipart field "operations" must be one operation (batching is off)');
        }
      } else if (name === 'map') {
        if (operations === undefined) return violation(400, 'The multipart field "map" must follow "operations"');
        map = parseMap(value);
        if (!map) return violation(400, 'The multipart field "map" must be a JSON object of part names to lists of paths');
      }
      return undefined;
    },
    file(name, _fileName, taken) {
      if (!map) return violation(400, 'The multipart field "map" must come before the files');
      return Object.hasOwn(map, name) && !taken.includes(name) ? 'store' : 'skip';
    },
  };
}

/** Reads one multipart request into `folder`; resolves with the GraphQL params holding its ReceivedFiles. */
async function parseMultipartRequest(
  source: Readable & Partial<Pick<IncomingMessage, 'complete'>>,
  request: { headers: IncomingMessage['headers']; raw?: IncomingMessage },
  folder: string,
  options: StreamingUploadOptions,
  tooLargeMessage: string,
): Promise<GraphQLParams> {
  const maxFiles = options.maxFiles ?? 4;
  const bounds: Bounds = { maxFiles, maxParts: options.maxParts ?? maxFiles + 4, tooLargeMessage };
  const rules = specRules();
  const read = await readMultipart(source, request.headers, {
    folder,
    maxFileBytes: options.maxFileBytes,
    limits: { files: bounds.maxFiles, fields: 4, parts: bounds.maxParts, fieldBytes: MAX_FIELD_BYTES },
    rules,
  });
  if (!read.ok) {
    // Answered now; what the client still sends is read and dropped (or the connection closed past the bound).
    if (request.raw) discardRestOfBody(request.raw, options.maxFileBytes + MULTIPART_ENVELOPE_BYTES);
    else source.resume();
    throw read.reason === 'spec' ? read.error : problemError(read, bounds);
  }
  const operations = rules.operations();
  if (operations === undefined) throw requestError(400, 'Missing multipart field "operations"');
  for (const [name, paths] of Object.entries(rules.map() ?? {})) {
    const part = read.parts.find((p) => p.name === name);
    if (!part) throw requestError(400, `The map names the file part "${name}", which was not sent`);
    const target = { root: operations } as Record<string, unknown>;
    if (!paths.every((path) => setPath(target, `root.${path}`, part.file))) {
      throw requestError(400, `A map path of the file part "${name}" does not point at a null in operations`);
    }
  }
  return operations as GraphQLParams;
}

/** The Yoga plugin: takes over multipart POSTs from Yoga's in-memory parser. */
export function useStreamingUploads(options: StreamingUploadOptions): Plugin<{}, { req?: IncomingMessage }> {
  const cleanups = new WeakMap<Request, () => Promise<void>>();
  return {
    onRequestParse({ request, serverContext, setRequestParser, endResponse, fetchAPI }) {
      if (!isMultipart(request)) return;
      const declared = Number(request.headers.get('content-length') ?? Number.NaN);
      if (declared > options.maxFileBytes + MULTIPART_ENVELOPE_BYTES) {
        const body = { errors: [{ message: options.tooLargeMessage(request), extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] };
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' } }),
        );
        return;
      }
      setRequestParser(async (incoming) => {
        const folder = join(options.stagingFolder, randomUUID());
        const cleanup = () => rm(folder, { recursive: true, force: true });
        cleanups.set(request, cleanup);
        const raw = serverContext.req;
        const source = raw ?? Readable.from((incoming.body ?? []) as AsyncIterable<Uint8Array>);
        const headers = raw?.headers ?? Object.fromEntries(incoming.headers.entries());
        try {
          return await parseMultipartRequest(source, { headers, raw }, folder, options, options.tooLargeMessage(request));
        } catch (error) {
          await cleanup();
          throw error;
        }
      });
    },
    async onResponse({ request }) {
      const cleanup = cleanups.get(request);
      if (cleanup) {
        cleanups.delete(request);
        await cleanup();
      }
    },
  };
}
