/**
 * uploadFlight: the GraphQL twin of POST /upload. The files arrive as multipart parts already on disk, written once by
 * the server's multipart reader; UploadService.receive checks them and moves them into the task's folder exactly as
 * for REST, and creates the task.
 */
import { builder } from '../builder.js';
import { ErrorInterface, problem, problemFor, type Problem, type Problems } from './errors.js';
import { Task, TaskPriority } from './task.js';
import { messages } from '../messages.js';
import { CONFIG_EXTENSIONS, DATA_EXTENSIONS } from '../../src/domain/upload-rules.js';
import type { ReceiveResult } from '../../src/domain/upload-service.js';
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

/** uploadFlight's typed error for each reason UploadService.receive refuses (REST's table: src/http/rest/uploads.ts). */
const UPLOAD_FLIGHT_ERRORS = {
  bad_extension: ({ part }) => ({ ...problem('InvalidFileTypeError', part === 'file' ? messages.badDataExtension : messages.badConfigExtension), part }),
  not_spreadsheet: () => problem('NotASpreadsheetError', messages.notSpreadsheet),
  empty: ({ part }) => ({ ...problem('EmptyFileError', messages.emptyFile), part }),
  too_large: ({ part, maxBytes }) => ({ ...problem('FileTooLargeError', messages.tooLarge(maxBytes)), part, maxBytes }),
  invalid_config: ({ message }) => ({ ...problem('InvalidConfigError', messages.invalidConfig(message)), reason: message }),
} satisfies Problems<Extract<ReceiveResult<TaskShape['priority']>, { ok: false }>>;

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
      const received = await context.services.uploads.receive({ file, config: config ?? null, priority: priority ?? 'normal' });
      return received.ok ? { __typename: 'UploadFlightSuccess' as const, task: received.task } : problemFor(UPLOAD_FLIGHT_ERRORS, received, undefined);
    },
  }),
}));
