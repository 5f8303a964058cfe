/**
 * Task: one uploaded flight and its processing (REST: GET/PUT/DELETE /task/{id}). Its queries, mutations and
 * subscriptions are here.
 */
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { ErrorInterface, TaskNotFoundError, problem, problemFor, taskNotFound, type Problem, type Problems } from './errors.js';
import { messages } from '../messages.js';
import { allTaskEvents, followTask } from '../task-stream.js';
import { resolveTaskConnection } from '../task-connection.js';
import { FluxResult } from './flux.js';
import { resultFileUrl } from '../../src/domain/result-files.js';
import { taskErrorMessage, taskMessage } from '../../src/domain/task-wording.js';
import { TASK_PRIORITIES, TASK_STATUSES, type ResultType, type Task as TaskShape, type TaskResultFile } from '../../src/domain/task.js';
import { MAX_MESSAGE_LENGTH, type DeleteTaskResult as DeleteOutcome, type UpdateTaskResult as UpdateOutcome } from '../../src/domain/task-service.js';
import { DEFAULT_TASK_FILTER, MAX_PAGE_SIZE, REPORT_STATUS_FILTERS, SORT_ORDERS, TASK_SORT_FIELDS } from '../../src/domain/task-listing.js';

// Enum values are the REST API's words, so a value means the same in both APIs.

export const TaskStatus = builder.enumType('TaskStatus', {
  description: '`pending`: queued; `processing`: running (see progress); `completed`: results ready; `failed`: see error.',
  values: TASK_STATUSES,
});

export const TaskPriority = builder.enumType('TaskPriority', {
  description: 'Order in the processing queue.',
  values: TASK_PRIORITIES,
});

export const ResultFileType = builder.enumType('ResultFileType', {
  description: '`report`: HTML report (one per gas); `data`: processed CSV; `config`: effective config YAML; `metadata`: output variables JSON.',
  values: ['report', 'data', 'config', 'metadata'] as const satisfies readonly ResultType[],
});

export const TaskSortField = builder.enumType('TaskSortField', {
  description: 'Sort keys of GET /reports: creation time, task id, total size of the results, processing time.',
  values: TASK_SORT_FIELDS,
});

export const SortOrder = builder.enumType('SortOrder', { values: SORT_ORDERS });

export const ReportStatusFilter = builder.enumType('ReportStatusFilter', {
  description: 'The statuses GET /reports filters on.',
  values: REPORT_STATUS_FILTERS,
});

export const TaskProgress = builder.objectRef<NonNullable<TaskShape['progress']>>('TaskProgress').implement({
  description: 'Where a processing task is. Written to the task by the worker, so polling and subscriptions agree.',
  fields: (t) => ({
    stage: t.exposeString('stage', { description: 'Stage in the REST vocabulary: `data_validation`, `interpolation`, `report_generation`, …' }),
    gas: t.exposeString('gas', { nullable: true, description: 'The gas being processed, when the stage is per gas.' }),
    completedSteps: t.exposeInt('completedSteps'),
    totalSteps: t.exposeInt('totalSteps'),
    percent: t.exposeFloat('percent', { description: '0–100, including the part of the current stage already done.' }),
    estimatedTimeRemaining: t.exposeInt('estimatedTimeRemaining', { nullable: true, description: 'Seconds; null until it can be estimated.' }),
  }),
});

export const ResultFile = builder.objectRef<TaskResultFile>('ResultFile').implement({
  description: 'A file the processing wrote.',
  fields: (t) => ({
    name: t.exposeString('name'),
    relPath: t.exposeString('relPath', { description: 'Path relative to the output folder (starts with the task id).' }),
    downloadUrl: t.string({ description: 'Path of GET /download for this file, relative to the server.', resolve: (file) => resultFileUrl(file.relPath) }),
    size: t.exposeFloat('size', { description: 'Bytes.' }),
    type: t.expose('type', { type: ResultFileType }),
    gas: t.exposeString('gas', { nullable: true, description: 'The gas of a per-gas report.' }),
  }),
});

export const TaskError = builder.objectRef<NonNullable<TaskShape['error']>>('TaskError').implement({
  description: 'Why a task failed (REST: error and error_details).',
  fields: (t) => ({
    message: t.string({ resolve: (error, _args, context) => taskErrorMessage(error.message, context.language) }),
    stage: t.exposeString('stage'),
    errorCode: t.exposeString('errorCode', { description: 'e.g. `INVALID_DATA_FORMAT`, `CORRUPT_FILE`.' }),
    traceback: t.exposeString('traceback', { nullable: true }),
  }),
});

export const Task = builder.objectRef<TaskShape>('Task').implement({
  description: 'An uploaded flight and its processing.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The task id (a UUID), the REST API's job_id/task_id." }),
    status: t.expose('status', { type: TaskStatus }),
    message: t.string({
      description: 'Human-readable state, as the REST API shows it (in English when the request asks for it).',
      resolve: (task, _args, context) => taskMessage(task.message, context.language),
    }),
    priority: t.expose('priority', { type: TaskPriority }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    processingTimeSeconds: t.exposeFloat('processingTimeSeconds', { nullable: true }),
    inputFileName: t.string({ description: 'The uploaded data file.', resolve: (task) => task.input.originalName }),
    inputSize: t.float({ description: 'Bytes of the uploaded data file.', resolve: (task) => task.input.size }),
    configFileName: t.string({ nullable: true, description: 'The uploaded YAML config, if any.', resolve: (task) => task.config?.originalName ?? null }),
    reportName: t.exposeString('reportName', { description: 'The data file name without extension, e.g. `08_34_01_5m`.' }),
    progress: t.expose('progress', { type: TaskProgress, nullable: true, description: 'While processing (kept when completed).' }),
    results: t.expose('results', { type: [ResultFile], description: 'Empty until completed.' }),
    flux: t.expose('flux', { type: FluxResult, nullable: true, description: 'Per-gas flux of the completed run; null until completed.' }),
    runDirectory: t.exposeString('runDirectory', { nullable: true, description: 'Folder of the results, relative to the output folder.' }),
    totalSize: t.exposeFloat('totalSize', { description: 'Bytes of all results.' }),
    error: t.expose('error', { type: TaskError, nullable: true, description: 'When failed.' }),
    attempts: t.exposeInt('attempts', { description: 'How many times a worker has started this task.' }),
    version: t.exposeInt('version', {
      description: 'Raised by one with every change of the task. A state with a lower version is older: a client holding a newer one drops it, whatever order the two arrive in.',
    }),
  }),
});

/** Sorting as GET /reports does it; tasks and reports share it. */
export const sortArgs = builder.args((t) => ({
  sortBy: t.field({ type: TaskSortField, required: false, defaultValue: DEFAULT_TASK_FILTER.sortBy }),
  sortOrder: t.field({ type: SortOrder, required: false, defaultValue: DEFAULT_TASK_FILTER.sortOrder }),
}));

/** The most a page of a connection holds, as per_page (the WIS2 download history pages with it too). */
export { MAX_PAGE_SIZE };

builder.queryFields((t) => ({
  task: t.field({
    type: Task,
    nullable: true,
    description: 'One task (REST: GET /task/{id}); null when there is none.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.services.tasks.get(id),
  }),
  tasks: t.connection(
    {
      type: Task,
      description: 'Tasks, newest first unless sorted otherwise; page with first/after (at most 100 per page).',
      args: {
        ...sortArgs,
        status: t.arg({ type: [TaskStatus], required: false, description: 'Only tasks in one of these states (all when absent or empty).' }),
      },
      resolve: (_root, { status, ...args }, context) => resolveTaskConnection(context, status ?? [], args),
    },
    {
      name: 'TaskConnection',
      fields: (c) => ({ totalCount: c.int({ description: 'Tasks matching the filter.', resolve: (connection) => connection.totalCount }) }),
    },
    { name: 'TaskEdge' },
  ),
}));

// ---- updateTask ----

const UpdateTaskInput = builder.inputType('UpdateTaskInput', {
  description:
    'What PUT /task/{id} accepts; each field optional, at least one given. Status and priority are strings so an unknown value is an InvalidStatusError / InvalidPriorityError result, as in the REST API, rather than a rejected request.',
  fields: (t) => ({
    status: t.string({ description: 'One of pending, processing, completed, failed. `pending` re-queues the task.' }),
    message: t.string({ description: `Status message, at most ${MAX_MESSAGE_LENGTH} characters.` }),
    priority: t.string({ description: 'One of high, normal, low.' }),
  }),
});

const UpdateTaskSuccess = builder.objectRef<{ __typename: 'UpdateTaskSuccess'; task: TaskShape }>('UpdateTaskSuccess').implement({
  fields: (t) => ({ task: t.expose('task', { type: Task, description: 'The task after the update.' }) }),
});

const InvalidStatusError = builder.objectRef<Problem<'InvalidStatusError'>>('InvalidStatusError').implement({
  description: 'The status is not one of the task states (REST: 400).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ allowedValues: t.field({ type: [TaskStatus], resolve: () => TASK_STATUSES }) }),
});

const InvalidPriorityError = builder.objectRef<Problem<'InvalidPriorityError'>>('InvalidPriorityError').implement({
  description: 'The priority is not one of the priorities (REST: 400).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ allowedValues: t.field({ type: [TaskPriority], resolve: () => TASK_PRIORITIES }) }),
});

const InvalidMessageError = builder.objectRef<Problem<'InvalidMessageError'>>('InvalidMessageError').implement({
  description: 'The message is too long (REST: 400).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ maxLength: t.int({ resolve: () => MAX_MESSAGE_LENGTH }) }),
});

const EmptyUpdateError = builder.objectRef<Problem<'EmptyUpdateError'>>('EmptyUpdateError').implement({
  description: 'Nothing to update: none of status, message, priority was given (REST: 400).',
  interfaces: [ErrorInterface],
});

const UpdateTaskResult = builder.unionType('UpdateTaskResult', {
  types: [UpdateTaskSuccess, TaskNotFoundError, InvalidStatusError, InvalidPriorityError, InvalidMessageError, EmptyUpdateError],
  resolveType: (result) => result.__typename,
});

// ---- deleteTask ----

const DeleteTaskSuccess = builder
  .objectRef<{ __typename: 'DeleteTaskSuccess'; taskId: string; taskStatus: TaskShape['status']; foldersDeleted: number; totalSizeDeleted: number }>(
    'DeleteTaskSuccess',
  )
  .implement({
    description: 'The task, its upload and its results are gone.',
    fields: (t) => ({
      taskId: t.exposeID('taskId'),
      taskStatus: t.expose('taskStatus', { type: TaskStatus, description: 'The status the task had.' }),
      foldersDeleted: t.exposeInt('foldersDeleted'),
      totalSizeDeleted: t.exposeFloat('totalSizeDeleted', { description: 'Bytes freed.' }),
    }),
  });

const TaskActiveError = builder.objectRef<Problem<'TaskActiveError'> & { taskStatus: TaskShape['status'] }>('TaskActiveError').implement({
  description: 'Only completed or failed tasks can be deleted (REST: 409).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ taskStatus: t.expose('taskStatus', { type: TaskStatus }) }),
});

const TaskFilesNotDeletedError = builder.objectRef<Problem<'TaskFilesNotDeletedError'>>('TaskFilesNotDeletedError').implement({
  description: "The task's files could not be removed; the task is kept (REST: 500).",
  interfaces: [ErrorInterface],
});

const DeleteTaskResult = builder.unionType('DeleteTaskResult', {
  types: [DeleteTaskSuccess, TaskNotFoundError, TaskActiveError, TaskFilesNotDeletedError],
  resolveType: (result) => result.__typename,
});

/** updateTask's typed error for each reason TaskService.update refuses (REST's table: src/http/rest/tasks.ts). */
const UPDATE_TASK_ERRORS = {
  not_found: (_failure, taskId) => taskNotFound(taskId),
  invalid_status: () => problem('InvalidStatusError', messages.invalidStatus),
  invalid_priority: () => problem('InvalidPriorityError', messages.invalidPriority),
  invalid_message: () => problem('InvalidMessageError', messages.invalidMessage(MAX_MESSAGE_LENGTH)),
  empty: () => problem('EmptyUpdateError', messages.emptyUpdate),
} satisfies Problems<Extract<UpdateOutcome, { ok: false }>, string>;

/** deleteTask's typed error for each reason TaskService.delete refuses. */
const DELETE_TASK_ERRORS = {
  not_found: (_failure, taskId) => taskNotFound(taskId),
  active: ({ taskStatus }) => ({ ...problem('TaskActiveError', messages.taskActive), taskStatus }),
  io: ({ message }) => problem('TaskFilesNotDeletedError', messages.filesNotDeleted(message)),
} satisfies Problems<Extract<DeleteOutcome, { ok: false }>, string>;

builder.mutationFields((t) => ({
  updateTask: t.field({
    type: UpdateTaskResult,
    description: 'Changes status, message or priority (REST: PUT /task/{id}).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTaskInput, required: true }) },
    resolve: async (_root, { id, input }, context) => {
      const result = await context.services.tasks.update(id, {
        status: input.status ?? undefined,
        message: input.message ?? undefined,
        priority: input.priority ?? undefined,
      });
      return result.ok ? { __typename: 'UpdateTaskSuccess' as const, task: result.task } : problemFor(UPDATE_TASK_ERRORS, result, id);
    },
  }),
  deleteTask: t.field({
    type: DeleteTaskResult,
    description: 'Deletes a completed or failed task with its files (REST: DELETE /task/{id}).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const result = await context.services.tasks.delete(id);
      return result.ok ? { __typename: 'DeleteTaskSuccess' as const, taskId: id, ...result } : problemFor(DELETE_TASK_ERRORS, result, id);
    },
  }),
}));

// ---- subscriptions ----

builder.subscriptionFields((t) => ({
  taskUpdated: t.field({
    type: Task,
    description:
      'The task now, then every change until it is completed or failed, and then the subscription completes. An unknown id is an error (code TASK_NOT_FOUND).',
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_root, { id }, context) => {
      const stream = await followTask(context.services.tasks, id);
      if (!stream) throw new GraphQLError(messages.taskNotFound[context.language], { extensions: { code: 'TASK_NOT_FOUND', taskId: id } });
      return stream;
    },
    resolve: (task) => task,
  }),
  taskEvents: t.field({
    type: Task,
    description: 'Every change of every task, from now on.',
    subscribe: (_root, _args, context) => allTaskEvents(context.services.tasks),
    resolve: (task) => task,
  }),
}));
