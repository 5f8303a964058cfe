/**
 * GraphQL multipart requests (the GraphQL multipart request spec: `operations`, then `map`, then the file parts),
 * parsed with busboy straight from the raw Node request. File parts stream to a per-request staging folder on the
 * upload disk and reach resolvers as disk-backed `File`s (resolvers hand them to UploadService, which checks and
 * stores them as for REST). Nothing is held in memory; the staging folder is removed once the response is ready.
 *
 * Limits: the file parts of one request together may hold at most `maxFileBytes` (GASFLUX_MAX_CONTENT_LENGTH);
 * more is refused with 413, and so is a request whose Content-Length already says so. Partial files are removed.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

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

interface StagedFile {
  path: string;
  filename: string;
  mimeType: string;
}

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

/** Reads one multipart request; resolves with the GraphQL params holding disk-backed Files. */
function parseMultipartRequest(
  source: Readable & Partial<Pick<IncomingMessage, 'complete'>>,
  headers: IncomingHttpHeaders,
  folder: string,
  options: StreamingUploadOptions,
  tooLargeMessage: string,
): Promise<GraphQLParams> {
  const maxFiles = options.maxFiles ?? 4;
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        limits: { fieldSize: MAX_FIELD_BYTES, fields: 4, files: maxFiles, fileSize: options.maxFileBytes + 1, parts: options.maxParts ?? maxFiles + 4 },
      });
    } catch (error) {
      reject(requestError(400, `Invalid multipart request: ${(error as Error).message}`));
      return;
    }
    let operations: unknown;
    let map: Record<string, string[]> | null = null;
    const staged = new Map<string, Promise<StagedFile | null>>();
    let failure: GraphQLError | null = null;
    let received = 0;
    let settled = false;
    const fail = (error: GraphQLError) => {
      failure ??= error;
    };

    const stage = async (name: string, stream: Readable, info: busboy.FileInfo): Promise<StagedFile | null> => {
      const path = join(folder, `part-${staged.size}`);
      let over = false;
      // Past the limit the rest is read and dropped, so the request is still consumed and can be answered with a 413.
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received > options.maxFileBytes) over = true;
          callback(null, over ? undefined : chunk);
        },
      });
      try {
        await mkdir(folder, { recursive: true });
        await pipeline(stream, meter, createWriteStream(path));
      } catch (error) {
        stream.resume();
        await rm(path, { force: true });
        fail(requestError(400, `Could not read the file part ${name}: ${(error as Error).message}`));
        return null;
      }
      if (over || (stream as Readable & { truncated?: boolean }).truncated) {
        await rm(path, { force: true });
        fail(requestError(413, tooLargeMessage));
        return null;
      }
      return { path, filename: info.filename ?? name, mimeType: info.mimeType };
    };

    const finish = async () => {
      if (settled) return;
      settled = true;
      const files = new Map<string, StagedFile | null>();
      for (const [name, pending] of staged) files.set(name, await pending);
      if (!failure && operations === undefined) fail(requestError(400, 'Missing multipart field "operations"'));
      if (!failure && map) {
        for (const [name, paths] of Object.entries(map)) {
          const file = files.get(name);
          if (!file) {
            fail(requestError(400, `The map names the file part "${name}", which was not sent`));
            break;
          }
          const value = new File([await openAsBlob(file.path, { type: file.mimeType })], file.filename, { type: file.mimeType });
          const target = { root: operations } as Record<string, unknown>;
          if (!paths.every((path) => setPath(target, `root.${path}`, value))) {
            fail(requestError(400, `A map path of the file part "${name}" does not point at a null in operations`));
            break;
          }
        }
      }
      if (failure) {
        await rm(folder, { recursive: true, force: true });
        reject(failure);
      } else {
        resolve(operations as GraphQLParams);
      }
    };

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(requestError(413, `The multipart field "${name}" is larger than ${MAX_FIELD_BYTES} bytes`));
      if (name === 'operations') {
        if (operations !== undefined) return fail(requestError(400, 'The multipart field "operations" was sent twice'));
        try {
          operations = JSON.parse(value);
        } catch {
          return fail(requestError(400, 'The multipart field "operations" is not valid JSON'));
        }
        if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) {
          return fail(requestError(400, 'The multipart field "operations" must be one operation (batching is off)'));
        }
      } else if (name === 'map') {
        if (operations === undefined) return fail(requestError(400, 'The multipart field "map" must follow "operations"'));
        map = parseMap(value);
        if (!map) fail(requestError(400, 'The multipart field "map" must be a JSON object of part names to lists of paths'));
      }
    });
    parser.on('file', (name, stream, info) => {
      if (failure || !map || !Object.hasOwn(map, name) || staged.has(name)) {
        if (!failure && !map) fail(requestError(400, 'The multipart field "map" must come before the files'));
        stream.resume();
        return;
      }
      staged.set(name, stage(name, stream, info));
    });
    parser.on('filesLimit', () => fail(requestError(413, `At most ${maxFiles} files per request`)));
    parser.on('fieldsLimit', () => fail(requestError(400, 'Too many multipart fields')));
    parser.on('partsLimit', () => fail(requestError(400, `At most ${options.maxParts ?? maxFiles + 4} multipart parts per request (GASFLUX_MAX_FORM_PARTS)`)));
    parser.on('error', (error: Error) => {
      fail(requestError(400, `Invalid multipart request: ${error.message}`));
      source.unpipe(parser);
      source.resume();
      void finish();
    });
    parser.on('close', () => void finish());
    source.once('close', () => {
      // A client that went away mid-upload: busboy would wait for the rest forever. Destroying it fails the open file
      // part (its partial file is removed) and reports the error above.
      if (source.complete === false && !settled) parser.destroy(new Error('the request ended before the multipart body was complete'));
    });
    source.pipe(parser);
  });
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
        cleanups.set(request, () => rm(folder, { recursive: true, force: true }));
        const raw = serverContext.req;
        const source = raw ?? Readable.from((incoming.body ?? []) as AsyncIterable<Uint8Array>);
        const headers = raw?.headers ?? Object.fromEntries(incoming.headers.entries());
        return parseMultipartRequest(source, headers, folder, options, options.tooLargeMessage(request));
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
