/**
 * POST /upload: the multipart body is read by the one multipart reader (src/http/multipart.ts) straight into the new
 * task's upload folder, and UploadService.receive judges the files and queues the task, as for GraphQL. A refused
 * upload leaves nothing on disk, and its remaining body is read and dropped, so the client sees the answer instead of
 * a reset connection.
 */
import type { IncomingMessage } from 'node:http';
import { Type } from 'fets';
import { nameRefusal, type ReceiveFailure, type UploadParts } from '../../domain/upload-service.js';
import type { AppConfig } from '../../config.js';
import { TASK_PRIORITIES } from '../../domain/task.js';
import { discardRestOfBody } from '../body.js';
import { readMultipart, type MultipartProblem, type PartRules } from '../multipart.js';
import { noteRequestTask } from '../server.js';
import { reply } from './envelope.js';
import { refuse, type Refusal, type Refusals } from './refusals.js';
import type { RestArea } from './route.js';
import { envelopeSchema, errorEnvelope } from './schemas.js';

/** Room for the multipart boundaries, part headers and small fields on top of the files' bytes. */
export const MULTIPART_ALLOWANCE = 64 * 1024;

/** Parts the form refuses as they arrive: a second `file` or `config`, or a file whose name alone is refused. */
type FormRefusal = { reason: 'duplicate_file' } | Extract<ReceiveFailure, { reason: 'bad_extension' }>;

type UploadFailure =
  | { reason: 'not_multipart' | 'missing_file' }
  /** Declared over twice the limit: answered at once, and the connection closed rather than drained. */
  | { reason: 'far_too_large' }
  | MultipartProblem
  | FormRefusal
  | ReceiveFailure;

const tooManyParts: Refusal<unknown> = {
  status: 400,
  key: 'upload_too_many_parts',
  params: (_failure, { services }) => ({ max_parts: String(services.config.maxFormParts) }),
};
const tooLarge: Refusal<unknown> = {
  status: 413,
  key: 'upload_too_large',
  params: (_failure, { services }) => ({ max_bytes: String(services.config.maxContentLength) }),
};

/** Every way an upload is refused. */
const REFUSALS: Refusals<UploadFailure> = {
  not_multipart: { status: 400, key: 'upload_not_multipart' },
  far_too_large: { ...tooLarge, headers: { connection: 'close' } },
  malformed: { status: 400, key: 'upload_malformed' },
  aborted: { status: 400, key: 'upload_malformed' },
  too_many_parts: tooManyParts,
  too_many_files: tooManyParts,
  too_many_fields: tooManyParts,
  duplicate_file: { status: 400, key: 'upload_duplicate_file' },
  missing_file: { status: 400, key: 'upload_missing_file' },
  bad_extension: { status: 400, key: ({ part }) => (part === 'file' ? 'upload_bad_data_type' : 'upload_bad_config_type') },
  too_large: tooLarge,
  empty: { status: 400, key: 'upload_empty_file' },
  not_spreadsheet: { status: 400, key: 'upload_not_spreadsheet' },
  invalid_config: { status: 400, key: 'upload_bad_config', params: ({ message }) => ({ detail: message }) },
  invalid_priority: { status: 400, key: 'bad_priority' },
};

/** The form: `file` (required) and `config` (optional) files, each once, and a `priority` field. */
function formRules(): PartRules<FormRefusal> & { priority(): string } {
  let priority = 'normal';
  return {
    priority: () => priority,
    field(name, value) {
      if (name === 'priority' && value.trim() !== '') priority = value.trim();
      return undefined;
    },
    file(name, fileName, taken) {
      // Unknown parts are ignored; a file input left empty by a browser (no name) counts as not sent.
      if ((name !== 'file' && name !== 'config') || !fileName) return 'skip';
      if (taken.includes(name)) return { reason: 'duplicate_file' };
      return nameRefusal(name, fileName) ?? 'store';
    },
  };
}

/** The request's form, its files read into `folder`: the parts for UploadService.receive, or why there are none. */
async function readForm(req: IncomingMessage, folder: string, settings: AppConfig): Promise<UploadParts | UploadFailure> {
  const rules = formRules();
  const read = await readMultipart(req, req.headers, {
    folder,
    maxFileBytes: settings.maxContentLength,
    limits: { files: 4, fields: 20, parts: settings.maxFormParts, fieldBytes: 1024 },
    rules,
  });
  if (!read.ok) return read;
  const file = read.parts.find((part) => part.name === 'file')?.file;
  if (!file) return { reason: 'missing_file' };
  const config = read.parts.find((part) => part.name === 'config')?.file ?? null;
  return { file, config, priority: rules.priority() };
}

const isMultipart = (req: IncomingMessage) => /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');

export const uploadRoutes: RestArea = (services) => {
  const { uploads } = services;
  const max = services.config.maxContentLength;

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
        const refused = (failure: UploadFailure) => refuse(call, REFUSALS, failure);

        if (!isMultipart(req)) {
          discardRestOfBody(req, max + MULTIPART_ALLOWANCE);
          return refused({ reason: 'not_multipart' });
        }
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > max + MULTIPART_ALLOWANCE) {
          // Refused before anything is read. A body up to twice the limit is drained so the client reads the 413;
          // a larger one gets the answer and a closed connection.
          if (declared <= 2 * max + MULTIPART_ALLOWANCE) {
            discardRestOfBody(req, declared);
            return refused({ reason: 'too_large' });
          }
          return refused({ reason: 'far_too_large' });
        }

        const pending = await uploads.begin();
        try {
          const form = await readForm(req, pending.directory, services.config);
          if ('reason' in form) {
            await uploads.abort(pending);
            discardRestOfBody(req, max + MULTIPART_ALLOWANCE);
            return refused(form);
          }
          const received = await uploads.receive(form, pending);
          if (!received.ok) return refused(received);
          noteRequestTask(call.res, received.task.id);
          return reply(call, 202, 'upload_accepted', { status: 'accepted', job_id: received.task.id, task_status_url: `/task/${received.task.id}` });
        } catch (error) {
          await uploads.abort(pending);
          throw error;
        }
      },
    },
  ];
};
