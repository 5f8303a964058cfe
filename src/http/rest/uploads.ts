/**
 * POST /upload: the multipart body is parsed by busboy straight from Node's request and each file streams into
 * UploadService (never buffered whole). A refused upload leaves nothing on disk (UploadService.abort) and its
 * remaining body is read and dropped, so the client sees the answer instead of a reset connection.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { Type } from 'fets';
import type { PendingUpload, SaveResult, UploadService } from '../../domain/upload-service.js';
import { TASK_PRIORITIES, type StoredFile, type TaskPriority } from '../../domain/task.js';
import { noteRequestTask } from '../server.js';
import { discardRestOfBody } from './body.js';
import { reply } from './envelope.js';
import type { MessageKey } from './messages.js';
import type { RestArea } from './route.js';
import { envelopeSchema, errorEnvelope } from './schemas.js';

/** Room for the multipart boundaries, part headers and small fields on top of the files' bytes. */
export const MULTIPART_ALLOWANCE = 64 * 1024;

type Refusal = { ok: false; code: 400 | 413; key: MessageKey; params?: Record<string, string> };
type Received = { ok: true; data: StoredFile; config: StoredFile | null; priority: TaskPriority };

const refuse = (code: 400 | 413, key: MessageKey, params?: Record<string, string>): Refusal => ({ ok: false, code, key, params });

function refusalFor(part: 'file' | 'config', result: Exclude<SaveResult, { ok: true }>): Refusal {
  switch (result.reason) {
    case 'bad_extension':
      return refuse(400, part === 'file' ? 'upload_bad_data_type' : 'upload_bad_config_type');
    case 'not_spreadsheet':
      return refuse(400, 'upload_not_spreadsheet');
    case 'empty':
      return refuse(400, 'upload_empty_file');
    case 'too_large':
      return refuse(413, 'upload_too_large');
    case 'invalid_config':
      return refuse(400, 'upload_bad_config', { detail: result.message });
  }
}

/**
 * Reads the multipart body: `file` (required), `config` (optional) and the `priority` field. Resolves once every
 * file stream is closed (so an abort never races a write), with the stored files or the first refusal.
 */
function receiveUpload(req: IncomingMessage, uploads: UploadService, pending: PendingUpload, maxParts: number): Promise<Received | Refusal> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { files: 4, fields: 20, parts: maxParts, fieldSize: 1024, headerPairs: 100 },
      });
    } catch {
      resolve(refuse(400, 'upload_malformed'));
      return;
    }
    let settled = false;
    let work: Promise<void> = Promise.resolve();
    let current: Readable | null = null;
    let data: StoredFile | null = null;
    let config: StoredFile | null = null;
    const seen = new Set<string>();
    let priority = 'normal';

    const settle = (outcome: Received | Refusal | Error) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.off('close', onClose);
      // A file still streaming is stopped; its partial file is removed by the save that was reading it.
      current?.destroy(new Error('upload refused'));
      void work.finally(() => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
    };

    parser.on('file', (name, stream, info) => {
      // busboy fails a part's stream when the body breaks off; whoever reads it sees that, nobody else must crash.
      stream.on('error', () => {});
      if (settled || (name !== 'file' && name !== 'config') || !info.filename) {
        // Unknown parts are ignored; a file input left empty by a browser (no name) counts as not sent.
        stream.resume();
        return;
      }
      if (seen.has(name)) {
        stream.resume();
        settle(refuse(400, 'upload_duplicate_file'));
        return;
      }
      seen.add(name);
      const fileName = info.filename;
      current = stream;
      work = work.then(async () => {
        try {
          const saved = name === 'file' ? await uploads.saveData(pending, fileName, stream) : await uploads.saveConfig(pending, fileName, stream);
          if (current === stream) current = null;
          if (settled) return;
          if (!saved.ok) settle(refusalFor(name, saved));
          else if (name === 'file') data = saved.file;
          else config = saved.file;
        } catch (error) {
          if (current === stream) current = null;
          settle(error as Error);
        }
      });
    });
    parser.on('field', (name, value) => {
      if (name === 'priority' && value.trim() !== '') priority = value.trim();
    });
    parser.on('close', () => {
      void work.then(() => {
        if (settled) return;
        if (!data) settle(refuse(400, 'upload_missing_file'));
        else if (!(TASK_PRIORITIES as readonly string[]).includes(priority)) settle(refuse(400, 'bad_priority'));
        else settle({ ok: true, data, config, priority: priority as TaskPriority });
      });
    });
    // Past a limit busboy drops the rest silently; the client must hear why instead of a missing file.
    const tooMany = () => settle(refuse(400, 'upload_too_many_parts', { max_parts: String(maxParts) }));
    parser.on('partsLimit', tooMany);
    parser.on('filesLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('error', () => settle(refuse(400, 'upload_malformed')));
    // A client that goes away mid-upload is a refusal nobody reads: what it sent is removed like any other.
    const onClose = () => {
      if (!req.complete) settle(refuse(400, 'upload_malformed'));
    };
    req.on('close', onClose);
    req.pipe(parser);
  });
}

export const uploadRoutes: RestArea = (services) => {
  const max = services.config.maxContentLength;
  const limit = { max_bytes: String(max) };

  return [
    {
      method: 'POST',
      path: '/upload',
      operationId: 'upload',
      tags: ['uploads'],
      description:
        'Uploads a flight (`file`: .xlsx/.xls, checked by content) with an optional YAML `config` (.yaml/.yml, validated now) and an optional `priority` (high, normal, low), and queues its processing. The files may total GASFLUX_MAX_CONTENT_LENGTH bytes; a larger body is refused with 413.',
      schemas: {
        request: {
          formData: Type.Object({
            file: Type.String({ format: 'binary', description: 'The flight data (.xlsx or .xls)' }),
            config: Type.Optional(Type.String({ format: 'binary', description: 'A gasflux YAML config (.yaml or .yml)' })),
            priority: Type.Optional(Type.String({ enum: [...TASK_PRIORITIES], default: 'normal' })),
          }),
        },
        responses: {
          202: envelopeSchema(Type.Object({ status: Type.Literal('accepted'), job_id: Type.String(), task_status_url: Type.String() })),
          400: errorEnvelope,
          413: errorEnvelope,
        },
      },
      async handle(call) {
        const { req } = call;
        const answer = (refusal: Refusal) => reply(call, refusal.code, refusal.key, {}, { params: { ...limit, ...refusal.params } });

        if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
          discardRestOfBody(req, max + MULTIPART_ALLOWANCE);
          return reply(call, 400, 'upload_not_multipart');
        }
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > max + MULTIPART_ALLOWANCE) {
          // Refused before anything is read. A body up to twice the limit is drained so the client reads the 413;
          // a larger one gets the answer and a closed connection.
          if (declared <= 2 * max + MULTIPART_ALLOWANCE) {
            discardRestOfBody(req, declared);
            return answer(refuse(413, 'upload_too_large'));
          }
          return reply(call, 413, 'upload_too_large', {}, { params: limit, headers: { connection: 'close' } });
        }

        const pending = await services.uploads.begin();
        let received: Received | Refusal;
        try {
          received = await receiveUpload(req, services.uploads, pending, services.config.maxFormParts);
        } catch (error) {
          await services.uploads.abort(pending);
          throw error;
        }
        if (!received.ok) {
          await services.uploads.abort(pending);
          discardRestOfBody(req, max + MULTIPART_ALLOWANCE);
          return answer(received);
        }
        try {
          const task = await services.uploads.commit(pending, received.data, received.config, received.priority);
          noteRequestTask(call.res, task.id);
          return reply(call, 202, 'upload_accepted', { status: 'accepted', job_id: task.id, task_status_url: `/task/${task.id}` });
        } catch (error) {
          await services.uploads.abort(pending);
          throw error;
        }
      },
    },
  ];
};
