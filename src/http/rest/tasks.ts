/** GET, PUT and DELETE /task/{task_id}: translations of TaskService's results into the documented envelopes. */
import { Type } from 'fets';
import { resultFileUrl } from '../../domain/result-files.js';
import { MAX_MESSAGE_LENGTH, type DeleteTaskResult, type UpdateTaskResult } from '../../domain/task-service.js';
import { TASK_PRIORITIES, TASK_STATUSES, isTaskId, type FluxSummary, type Task, type TaskResultFile } from '../../domain/task.js';
import type { AppConfig } from '../../config.js';
import type { Lang } from '../../domain/messages.js';
import { taskErrorMessage, taskMessage } from '../../domain/task-wording.js';
import { readBody } from '../body.js';
import { epochSeconds, reply, type Data } from './envelope.js';
import { answer, refuse, type Refusal, type Refusals } from './refusals.js';
import type { RestArea, RestCall } from './route.js';
import { envelopeSchema, errorEnvelope, taskIdParams } from './schemas.js';

const round2 = (value: number) => Math.round(value * 100) / 100;

export function fluxData(flux: FluxSummary) {
  return {
    physics: flux.physics,
    spatial: flux.spatial,
    grid: { nx: flux.grid.nx, ny: flux.grid.ny, x_cell_size_m: flux.grid.xCellSizeM, y_cell_size_m: flux.grid.yCellSizeM },
    gases: flux.gases.map((g) => ({
      gas: g.gas,
      detected: g.detected,
      flux_kg_h: g.fluxKgPerHour,
      positive_kg_h: g.positiveKgPerHour,
      negative_kg_h: g.negativeKgPerHour,
      signal_points: g.signalPoints,
      background_points: g.backgroundPoints,
    })),
    warnings: flux.warnings,
  };
}

export function resultData(file: TaskResultFile) {
  return { name: file.name, rel_path: file.relPath, download_url: resultFileUrl(file.relPath), size: file.size, type: file.type };
}

/** GET /task/{id}'s data: the common fields, then progress, results or error by status. */
export function taskData(task: Task, config: Pick<AppConfig, 'debug'>, lang: Lang): Data {
  const data: Data = {
    task_id: task.id,
    status: task.status,
    message: taskMessage(task.message, lang),
    created_at: epochSeconds(task.createdAt),
    updated_at: epochSeconds(task.updatedAt),
    priority: task.priority,
    // Not in the document: raised with every change, so a poller can drop an answer older than one it has.
    version: task.version,
  };
  if (task.status === 'processing') {
    const p = task.progress;
    data.progress = p
      ? {
          stage: p.stage,
          completed_steps: p.completedSteps,
          total_steps: p.totalSteps,
          estimated_time_remaining: p.estimatedTimeRemaining,
          percent: p.percent,
          gas: p.gas,
        }
      : // the worker has taken the task but not reported a stage yet
        { stage: 'starting', completed_steps: 0, total_steps: null, estimated_time_remaining: null, percent: 0, gas: null };
  }
  if (task.status === 'completed' || task.status === 'failed') {
    data.processing_time_seconds = task.processingTimeSeconds === null ? null : round2(task.processingTimeSeconds);
  }
  if (task.status === 'completed') {
    data.results = task.results.map(resultData);
    // Not in the document: the numbers the files hold, so a client need not parse them.
    if (task.flux) data.flux = fluxData(task.flux);
  }
  if (task.status === 'failed') {
    // A task marked failed by hand has no recorded error: its message is the reason.
    data.error = task.error ? taskErrorMessage(task.error.message, lang) : taskMessage(task.message, lang);
    data.error_details = task.error
      ? { stage: task.error.stage, error_code: task.error.errorCode, traceback: config.debug ? task.error.traceback : null }
      : null;
  }
  return data;
}

const taskSchema = Type.Object(
  {
    task_id: Type.String(),
    status: Type.Union(TASK_STATUSES.map((s) => Type.Literal(s))),
    message: Type.String(),
    created_at: Type.Number(),
    updated_at: Type.Number({ description: 'Seconds since the epoch' }),
    priority: Type.Union(TASK_PRIORITIES.map((p) => Type.Literal(p))),
    version: Type.Integer({ description: 'Raised by one with every change of the task: a higher version is a newer state' }),
    progress: Type.Optional(
      Type.Object(
        {
          stage: Type.String(),
          completed_steps: Type.Integer(),
          total_steps: Type.Union([Type.Integer(), Type.Null()]),
          estimated_time_remaining: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds' }),
          percent: Type.Number(),
          gas: Type.Union([Type.String(), Type.Null()]),
        },
        { description: 'While processing' },
      ),
    ),
    processing_time_seconds: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    results: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String(),
          rel_path: Type.String(),
          download_url: Type.String(),
          size: Type.Integer(),
          type: Type.Union([Type.Literal('report'), Type.Literal('data'), Type.Literal('config'), Type.Literal('metadata')]),
        }),
        { description: 'When completed' },
      ),
    ),
    flux: Type.Optional(
      Type.Object(
        {
          physics: Type.Union([Type.Literal('corrected'), Type.Literal('gasflux-0.2.2')]),
          spatial: Type.Union([Type.Literal('curtain'), Type.Literal('spiral')]),
          grid: Type.Object({ nx: Type.Integer(), ny: Type.Integer(), x_cell_size_m: Type.Number(), y_cell_size_m: Type.Number() }),
          gases: Type.Array(
            Type.Object({
              gas: Type.String(),
              detected: Type.Boolean({ description: 'False when the plume does not stand out of the sensor noise; the rates are then null' }),
              flux_kg_h: Type.Union([Type.Number(), Type.Null()], { description: 'Emission rate, kg/h (krig_parameters.<gas>.volume); null when not detected' }),
              positive_kg_h: Type.Union([Type.Number(), Type.Null()]),
              negative_kg_h: Type.Union([Type.Number(), Type.Null()]),
              signal_points: Type.Integer(),
              background_points: Type.Integer(),
            }),
          ),
          warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), gas: Type.Union([Type.String(), Type.Null()]) })),
        },
        { description: 'When completed: the per-gas flux (not in the document)' },
      ),
    ),
    error: Type.Optional(Type.String({ description: 'When failed' })),
    error_details: Type.Optional(
      Type.Union([
        Type.Object({ stage: Type.String(), error_code: Type.String(), traceback: Type.Union([Type.String(), Type.Null()]) }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: true },
);

const updateBody = Type.Object(
  {
    status: Type.Optional(Type.String({ enum: [...TASK_STATUSES], description: 'pending re-queues a finished task' })),
    message: Type.Optional(Type.String({ maxLength: MAX_MESSAGE_LENGTH })),
    priority: Type.Optional(Type.String({ enum: [...TASK_PRIORITIES] })),
  },
  { additionalProperties: true },
);

const NOT_FOUND: Refusal<unknown> = { status: 404, key: 'task_not_found', data: (_failure, call) => ({ task_id: call.params.task_id }) };

/** What the request's body can get wrong, before TaskService judges what it asks. */
type BodyFailure = { reason: 'body_too_large' | 'body_not_json' };

/** PUT /task's answer for each reason its body or TaskService.update is refused (GraphQL's: schema/types/task.ts). */
const UPDATE_REFUSALS: Refusals<BodyFailure | Extract<UpdateTaskResult, { ok: false }>> = {
  body_too_large: { status: 413, key: 'body_too_large', headers: { connection: 'close' } },
  body_not_json: { status: 400, key: 'body_not_json' },
  not_found: NOT_FOUND,
  invalid_status: { status: 400, key: 'task_bad_status' },
  invalid_priority: { status: 400, key: 'bad_priority' },
  invalid_message: { status: 400, key: 'task_bad_message', params: () => ({ max: String(MAX_MESSAGE_LENGTH) }) },
  empty: { status: 400, key: 'task_empty_update' },
};

/** DELETE /task's answer for each reason TaskService.delete refuses. */
const DELETE_REFUSALS: Refusals<Extract<DeleteTaskResult, { ok: false }>> = {
  not_found: NOT_FOUND,
  active: { status: 409, key: 'task_delete_active', data: ({ taskStatus }) => ({ task_status: taskStatus }) },
  io: { status: 500, key: 'task_delete_failed', params: ({ message }) => ({ reason: message }) },
};

const MAX_JSON_BYTES = 64 * 1024;

/** The body as a JSON object, or null when it is not one. */
function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const taskRoutes: RestArea = (services) => [
  {
    method: 'GET',
    path: '/task/:task_id',
    operationId: 'getTask',
    tags: ['tasks'],
    description: 'Status of a task: progress while processing, result files when completed, the error when failed.',
    schemas: {
      request: { params: taskIdParams },
      responses: { 200: envelopeSchema(taskSchema), 400: errorEnvelope, 404: errorEnvelope },
    },
    async handle(call) {
      const task = await services.tasks.get(call.params.task_id);
      if (!task) return answer(call, NOT_FOUND, null);
      return reply(call, 200, 'task_ok', taskData(task, services.config, call.lang), { dataMessage: true });
    },
  },
  {
    method: 'PUT',
    path: '/task/:task_id',
    operationId: 'updateTask',
    tags: ['tasks'],
    description:
      'Updates status, message and/or priority. Status `pending` re-queues the task (its previous outputs are removed); priority reorders a queued task.',
    schemas: {
      request: { params: taskIdParams },
      responses: {
        200: envelopeSchema(
          Type.Object({
            task_id: Type.String(),
            status: Type.Literal('updated'),
            task_info: Type.Object({ status: Type.String(), message: Type.String(), updated_at: Type.Number(), priority: Type.String() }),
          }),
        ),
        400: errorEnvelope,
        404: errorEnvelope,
        413: errorEnvelope,
      },
    },
    async handle(call) {
      const taskId = call.params.task_id;
      // Before the body: the document answers its own example ids (`abc123-def456-ghi789`) 404, whatever is sent.
      if (!isTaskId(taskId)) return answer(call, NOT_FOUND, null);
      const body = await readBody(call.req, MAX_JSON_BYTES);
      if (!body.ok) return refuse(call, UPDATE_REFUSALS, { reason: 'body_too_large' });
      const input = jsonObject(body.text);
      if (!input) return refuse(call, UPDATE_REFUSALS, { reason: 'body_not_json' });
      const result = await services.tasks.update(taskId, { status: input.status, message: input.message, priority: input.priority });
      if (!result.ok) return refuse(call, UPDATE_REFUSALS, result);
      const task = result.task;
      return reply(call, 200, 'task_updated', {
        task_id: task.id,
        status: 'updated',
        task_info: { status: task.status, message: taskMessage(task.message, call.lang), updated_at: epochSeconds(task.updatedAt), priority: task.priority },
      });
    },
  },
  {
    method: 'DELETE',
    path: '/task/:task_id',
    operationId: 'deleteTask',
    tags: ['tasks'],
    description: 'Deletes a completed or failed task with its upload and outputs. 409 while it is pending or processing.',
    schemas: {
      request: { params: taskIdParams },
      responses: {
        200: envelopeSchema(
          Type.Object({
            task_id: Type.String(),
            status: Type.Literal('deleted'),
            details: Type.Object({ folders_deleted: Type.Integer(), total_size_deleted: Type.Integer(), task_status: Type.String() }),
          }),
        ),
        400: errorEnvelope,
        404: errorEnvelope,
        409: errorEnvelope,
        500: errorEnvelope,
      },
    },
    async handle(call) {
      const taskId = call.params.task_id;
      const result = await services.tasks.delete(taskId);
      if (!result.ok) return refuse(call, DELETE_REFUSALS, result);
      return reply(call, 200, 'task_deleted', {
        task_id: taskId,
        status: 'deleted',
        details: { folders_deleted: result.foldersDeleted, total_size_deleted: result.totalSizeDeleted, task_status: result.taskStatus },
      });
    },
  },
];
