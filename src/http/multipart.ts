/**
 * The one multipart/form-data reader, for REST's POST /upload and GraphQL's multipart requests alike. It parses with
 * busboy straight from Node's request: each file part the caller's rules take streams to a file of its own in
 * `folder` (counted, hashed and sniffed on the way, never held in memory; all file parts together at most
 * `maxFileBytes`), the others are read and dropped; fields go to the rules as they arrive. It stops at the body's end
 * or at the first problem, and resolves only once no file is being written any more (an interrupted part's partial
 * file removed), so the caller can remove the folder at once. What the body still holds after a refusal is the
 * caller's to drop (discardRestOfBody), once it has answered.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { ReceivedFile } from '../domain/upload-service.js';
import { streamToFile } from '../infra/stream-to-file.js';

/** What can go wrong with a multipart body itself, whoever reads it. */
export type MultipartProblem =
  | { reason: 'malformed'; detail: string }
  /** The client went away before the body was complete. */
  | { reason: 'aborted' }
  /** The file parts hold more than `maxFileBytes` together. */
  | { reason: 'too_large' }
  | { reason: 'too_many_parts' | 'too_many_files' | 'too_many_fields' };

/**
 * The caller's say, part by part. Returning a refusal (any `{reason}` of the caller's) ends the reading with it.
 * `taken`: the names of the file parts stored so far, in order.
 */
export interface PartRules<Refusal extends { reason: string }> {
  field?(name: string, value: string, truncated: boolean): Refusal | undefined;
  file(name: string, fileName: string | undefined, taken: readonly string[]): 'store' | 'skip' | Refusal;
}

export interface MultipartOptions<Refusal extends { reason: string }> {
  folder: string;
  maxFileBytes: number;
  limits: { files: number; fields: number; parts: number; fieldBytes: number };
  rules: PartRules<Refusal>;
}

export interface ReadPart {
  /** The form field's name. */
  name: string;
  file: ReceivedFile;
}

export type MultipartRead<Refusal extends { reason: string }> =
  | { ok: true; parts: ReadPart[] }
  | ({ ok: false } & (MultipartProblem | Refusal));

type Failure<Refusal extends { reason: string }> = Extract<MultipartRead<Refusal>, { ok: false }>;

/** Parts of a partial body (a client gone mid-upload) report `complete: false`. */
type Source = Readable & { complete?: boolean };

export function readMultipart<Refusal extends { reason: string }>(
  source: Source,
  headers: IncomingHttpHeaders,
  options: MultipartOptions<Refusal>,
): Promise<MultipartRead<Refusal>> {
  const { folder, maxFileBytes, limits, rules } = options;
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        defParamCharset: 'utf8',
        limits: { files: limits.files, fields: limits.fields, parts: limits.parts, fieldSize: limits.fieldBytes, headerPairs: 100 },
      });
    } catch (error) {
      resolve({ ok: false, reason: 'malformed', detail: (error as Error).message });
      return;
    }
    const parts: ReadPart[] = [];
    const taken: string[] = [];
    let stored = 0;
    let work: Promise<void> = Promise.resolve();
    let writing: Readable | null = null;
    let settled = false;

    const settle = (outcome: MultipartRead<Refusal>) => {
      if (settled) return;
      settled = true;
      source.unpipe(parser);
      source.off('close', onClose);
      // A file still streaming is stopped; streamToFile removes its partial file.
      writing?.destroy(new Error('the reading of the body stopped'));
      void work.then(() => resolve(outcome));
    };
    const fail = (failure: Failure<Refusal>) => settle(failure);

    parser.on('file', (name, stream, info) => {
      // busboy fails a part's stream when the body breaks off; whoever reads it sees that, nobody else must crash.
      stream.on('error', () => {});
      const rule = settled ? 'skip' : rules.file(name, info.filename, taken);
      if (rule !== 'store') {
        stream.resume();
        if (rule !== 'skip') fail({ ok: false, ...rule });
        return;
      }
      taken.push(name);
      const path = join(folder, `part-${taken.length - 1}`);
      writing = stream;
      work = work.then(async () => {
        try {
          await mkdir(folder, { recursive: true });
          const saved = await streamToFile(stream, path, maxFileBytes - stored);
          if (!saved.ok) return fail({ ok: false, reason: 'too_large' });
          stored += saved.size;
          parts.push({ name, file: new ReceivedFile(info.filename ?? name, path, saved.size, saved.sha256, saved.head) });
        } catch (error) {
          fail({ ok: false, reason: 'malformed', detail: (error as Error).message });
        } finally {
          if (writing === stream) writing = null;
        }
      });
    });
    parser.on('field', (name, value, info) => {
      if (settled) return;
      const refusal = rules.field?.(name, value, info.valueTruncated);
      if (refusal) fail({ ok: false, ...refusal });
    });
    parser.on('close', () => void work.then(() => settle({ ok: true, parts })));
    // Past a limit busboy drops the rest silently; the client must hear why instead of a missing part.
    parser.on('partsLimit', () => fail({ ok: false, reason: 'too_many_parts' }));
    parser.on('filesLimit', () => fail({ ok: false, reason: 'too_many_files' }));
    parser.on('fieldsLimit', () => fail({ ok: false, reason: 'too_many_fields' }));
    parser.on('error', (error: Error) => fail({ ok: false, reason: 'malformed', detail: error.message }));
    // A client that goes away mid-body: busboy would wait for the rest forever.
    const onClose = () => {
      if (source.complete === false) fail({ ok: false, reason: 'aborted' });
    };
    source.on('close', onClose);
    source.pipe(parser);
  });
}
