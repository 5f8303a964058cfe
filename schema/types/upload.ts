/**
 * uploadFlight: the GraphQL twin of POST /upload. The files arrive as multipart parts already streamed to disk by the
 * server's upload plugin; UploadService checks and stores them exactly as for REST, and creates the task.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { builder } from '../builder.js';
import { ErrorInterface, type Problem } from './errors.js';
import { Task, TaskPriority } from './task.js';
import { messages } from '../messages.js';
import { CONFIG_EXTENSIONS, DATA_EXTENSIONS } from '../../src/domain/upload-rules.js';
import type { SaveResult } from '../../src/domain/upload-service.js';
import type { Task as TaskShape } from '../../src/domain/task.js';

export const UploadPart = builder.enumType('UploadPart', {
  description: 'Which uploaded file an error is about.',
  values: ['file', 'config'] as const,
});
type Part = typeof UploadPart.$inferType;

const UploadFlightSuccess = builder.objectRef<{ __typename: 'UploadFlightSuccess'; task: TaskShape }>('UploadFlightSuccess').implement({
  description: 'The flight is stored and queued (REST: 202).',
  fields: (t) => ({
    task: t.expose('task', { type: Task }),
    taskStatusUrl: t.string({ description: 'The REST status path, /task/{id}.', resolve: ({ task }) => `/task/${task.id}` }),
  }),
});

const InvalidFileTypeError = builder.objectRef<Problem<'InvalidFileTypeError'> & { part: Part }>('InvalidFileTypeError').implement({
  description: 'The file name has the wrong extension: .xlsx/.xls for the data, .yaml/.yml for the config (REST: 400).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    part: t.expose('part', { type: UploadPart }),
    allowedExtensions: t.stringList({ resolve: ({ part }) => (part === 'file' ? DATA_EXTENSIONS : CONFIG_EXTENSIONS) }),
  }),
});

const NotASpreadsheetError = builder.objectRef<Problem<'NotASpreadsheetError'>>('NotASpreadsheetError').implement({
  description: 'The data file is named like a workbook but its content is not one (REST: 400).',
  interfaces: [ErrorInterface],
});

const EmptyFileError = builder.objectRef<Problem<'EmptyFileError'> & { part: Part }>('EmptyFileError').implement({
  description: 'An uploaded file has no content (REST: 400).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ part: t.expose('part', { type: UploadPart }) }),
});

const FileTooLargeError = builder.objectRef<Problem<'FileTooLargeError'> & { part: Part; maxBytes: number }>('FileTooLargeError').implement({
  description:
    'The upload is over GASFLUX_MAX_CONTENT_LENGTH (REST: 413). A request whose body is over the limit is refused earlier with HTTP 413.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ part: t.expose('part', { type: UploadPart }), maxBytes: t.exposeFloat('maxBytes') }),
});

const InvalidConfigError = builder.objectRef<Problem<'InvalidConfigError'> & { reason: string }>('InvalidConfigError').implement({
  description: 'The YAML config does not parse or names a bad key or value (REST: 400).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ reason: t.exposeString('reason', { description: 'The validation message, naming the key.' }) }),
});

const UploadFlightResult = builder.unionType('UploadFlightResult', {
  types: [UploadFlightSuccess, InvalidFileTypeError, NotASpreadsheetError, EmptyFileError, FileTooLargeError, InvalidConfigError],
  resolveType: (result) => result.__typename,
});

function refusal(part: Part, result: Exclude<SaveResult, { ok: true }>, maxBytes: number) {
  switch (result.reason) {
    case 'bad_extension':
      return {
        __typename: 'InvalidFileTypeError' as const,
        part,
        message: part === 'file' ? messages.badDataExtension : messages.badConfigExtension,
      };
    case 'not_spreadsheet':
      return { __typename: 'NotASpreadsheetError' as const, message: messages.notSpreadsheet };
    case 'empty':
      return { __typename: 'EmptyFileError' as const, part, message: messages.emptyFile };
    case 'too_large':
      return { __typename: 'FileTooLargeError' as const, part, maxBytes, message: messages.tooLarge(maxBytes) };
    case 'invalid_config':
      return { __typename: 'InvalidConfigError' as const, reason: result.message, message: messages.invalidConfig(result.message) };
  }
}

const streamOf = (file: File) => Readable.fromWeb(file.stream() as unknown as NodeReadableStream<Uint8Array>);

builder.mutationFields((t) => ({
  uploadFlight: t.field({
    type: UploadFlightResult,
    description:
      'Uploads a flight (.xlsx/.xls) with an optional YAML config and queues it (REST: POST /upload). Send it as a GraphQL multipart request with the CSRF header.',
    args: {
      file: t.arg({ type: 'File', required: true, description: 'The flight data, .xlsx or .xls.' }),
      config: t.arg({ type: 'File', required: false, description: 'A gasflux YAML config (.yaml/.yml), deep-merged over the defaults.' }),
      priority: t.arg({ type: TaskPriority, required: false, defaultValue: 'normal' }),
    },
    resolve: async (_root, { file, config, priority }, context) => {
      const { uploads, config: appConfig } = context.services;
      const upload = await uploads.begin();
      try {
        const data = await uploads.saveData(upload, file.name, streamOf(file));
        if (!data.ok) {
          await uploads.abort(upload);
          return refusal('file', data, appConfig.maxContentLength);
        }
        let stored = null;
        if (config) {
          const saved = await uploads.saveConfig(upload, config.name, streamOf(config));
          if (!saved.ok) {
            await uploads.abort(upload);
            return refusal('config', saved, appConfig.maxContentLength);
          }
          stored = saved.file;
        }
        const task = await uploads.commit(upload, data.file, stored, priority ?? 'normal');
        return { __typename: 'UploadFlightSuccess' as const, task };
      } catch (error) {
        await uploads.abort(upload);
        throw error;
      }
    },
  }),
}));
