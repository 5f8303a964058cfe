/**
 * The GasFlux API client: every capability of the service over its GraphQL API, typed by the generated documents.
 * Runs in browsers and in Node 20 (fetch, FormData and Blob are global; Node passes `webSocketImpl` from `ws`).
 *
 *   const client = createGasFluxClient({ url: 'http://localhost:5000' });
 *   const task = await client.upload(file);
 *   for await (const t of client.followTask(task.id)) console.log(t.progress?.percent);
 */
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { HealthQuery, ServiceConfigQuery, StatsQuery } from './operations/system.js';
import { DeleteTaskMutation, TaskQuery, TasksQuery, TaskUpdatedSubscription, UpdateTaskMutation } from './operations/task.js';
import { UploadFlightMutation } from './operations/upload.js';
import { ReportsQuery } from './operations/report.js';
import {
  CreateWis2SubscriptionMutation, DeleteWis2SubscriptionMutation, UpdateWis2SubscriptionMutation, Wis2DownloadEventsSubscription,
  Wis2DownloadsQuery, Wis2SubscriptionQuery, Wis2SubscriptionsQuery,
} from './operations/wis2.js';
import type {
  CreateWis2SubscriptionInput, ReportsQueryVariables, TaskFieldsFragment, TaskPriority, TasksQueryVariables, UpdateTaskInput,
  UpdateWis2SubscriptionInput, Wis2DownloadFieldsFragment, Wis2DownloadsQueryVariables, Wis2SubscriptionFieldsFragment,
} from './generated/graphql.js';
import { isNewer } from '../src/domain/task-version.js';

export type Task = TaskFieldsFragment;
/** Whether `candidate` is a newer state of a task than `known` (by version): the rule every consumer applies. */
export { isNewer as isNewerTask } from '../src/domain/task-version.js';
export type ResultFile = NonNullable<Task['results']>[number];
export type Wis2Subscription = Wis2SubscriptionFieldsFragment;
export type Wis2Download = Wis2DownloadFieldsFragment;

/** The header graphql-yoga's CSRF prevention asks of multipart requests (src/graphql/protection.ts). */
const CSRF_HEADER = 'x-graphql-yoga-csrf';

export interface GasFluxClientOptions {
  /** The service's base URL, e.g. `http://localhost:5000` (GraphQL at `/graphql`). */
  url: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** WebSocket constructor for Node (`import WebSocket from 'ws'`); browsers have one. */
  webSocketImpl?: unknown;
  headers?: Record<string, string>;
}

/** A refusal or failure the service reported: `code` is the GraphQL error type or extension code. */
export class GasFluxClientError extends Error {
  constructor(message: string, readonly code: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'GasFluxClientError';
  }
}

export interface UploadOptions {
  config?: Blob | null;
  priority?: TaskPriority;
  /** File names when the Blobs are not Files. */
  fileName?: string;
  configName?: string;
}

const FINISHED = new Set(['completed', 'failed']);

export function createGasFluxClient(options: GasFluxClientOptions) {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  let ws: WsClient | null = null;

  const socket = (): WsClient => {
    ws ??= createClient({
      url: `${base.replace(/^http/, 'ws')}/graphql`,
      ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
      lazy: true,
      retryAttempts: 5,
    });
    return ws;
  };

  async function send<T>(body: BodyInit, headers: Record<string, string>): Promise<T> {
    const response = await doFetch(`${base}/graphql`, { method: 'POST', headers: { ...options.headers, ...headers }, body });
    const text = await response.text();
    let payload: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    try {
      payload = JSON.parse(text);
    } catch {
      throw new GasFluxClientError(`HTTP ${response.status} from ${base}/graphql: ${text.slice(0, 200)}`, `HTTP_${response.status}`);
    }
    if (payload.errors?.length) {
      const [first] = payload.errors;
      throw new GasFluxClientError(first.message, first.extensions?.code ?? 'GRAPHQL_ERROR');
    }
    if (!payload.data) throw new GasFluxClientError(`HTTP ${response.status}: no data`, `HTTP_${response.status}`);
    return payload.data;
  }

  /** Runs one typed operation over HTTP. */
  function request<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
    return send<T>(JSON.stringify({ query: print(document), variables }), {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    });
  }

  /** Runs one typed subscription over graphql-ws; ends when the server completes it or the caller breaks out. */
  async function* subscribe<T, V>(document: TypedDocumentNode<T, V>, variables: V): AsyncGenerator<T> {
    const iterator = socket().iterate<T>({ query: print(document), variables: variables as Record<string, unknown> });
    try {
      for await (const result of iterator) {
        if (result.errors?.length) throw new GasFluxClientError(result.errors[0].message, 'GRAPHQL_ERROR');
        if (result.data) yield result.data as T;
      }
    } finally {
      await iterator.return?.(undefined);
    }
  }

  /** A typed union result: the success's payload, or a GasFluxClientError built from the error member. */
  function unwrap<R extends { __typename?: string }>(result: R, success: string): R {
    if (result.__typename === success) return result;
    const { __typename, message, ...details } = result as unknown as { __typename: string; message?: string; code?: string };
    throw new GasFluxClientError(message ?? __typename, (details as { code?: string }).code ?? __typename, details);
  }

  const client = {
    request,
    subscribe,

    health: async () => (await request(HealthQuery)).health,
    stats: async () => (await request(StatsQuery)).stats,
    config: async () => (await request(ServiceConfigQuery)).config,

    /** Uploads a flight (and optional YAML config) as a GraphQL multipart request; returns the new task. */
    async upload(file: Blob, uploadOptions: UploadOptions = {}): Promise<Task> {
      const form = new FormData();
      const variables = { file: null, config: null, priority: uploadOptions.priority ?? null };
      const map: Record<string, string[]> = { 0: ['variables.file'] };
      if (uploadOptions.config) map[1] = ['variables.config'];
      form.append('operations', JSON.stringify({ query: print(UploadFlightMutation), variables }));
      form.append('map', JSON.stringify(map));
      form.append('0', file, uploadOptions.fileName ?? (file as File).name ?? 'flight.xlsx');
      if (uploadOptions.config) form.append('1', uploadOptions.config, uploadOptions.configName ?? (uploadOptions.config as File).name ?? 'config.yaml');
      const data = await send<{ uploadFlight: { __typename: string; task?: Task } }>(form, { [CSRF_HEADER]: '1' });
      return unwrap(data.uploadFlight, 'UploadFlightSuccess').task as Task;
    },

    task: async (id: string) => (await request(TaskQuery, { id })).task ?? null,
    tasks: async (variables: TasksQueryVariables = {}) => (await request(TasksQuery, variables)).tasks,
    async updateTask(id: string, input: UpdateTaskInput): Promise<Task> {
      const result = (await request(UpdateTaskMutation, { id, input })).updateTask;
      return (unwrap(result, 'UpdateTaskSuccess') as { task: Task }).task;
    },
    async deleteTask(id: string) {
      return unwrap((await request(DeleteTaskMutation, { id })).deleteTask, 'DeleteTaskSuccess');
    },

    /**
     * The task's current state, then every change, ending after `completed` or `failed`. A state older (by version)
     * than one already yielded is dropped, e.g. the snapshot sent again after the websocket reconnects.
     */
    async *followTask(id: string): AsyncGenerator<Task> {
      let last: Task | null = null;
      for await (const data of subscribe(TaskUpdatedSubscription, { id })) {
        const task = data.taskUpdated;
        if (!task) throw new GasFluxClientError(`Task ${id} not found`, 'TaskNotFoundError');
        if (!isNewer(task, last)) continue;
        last = task;
        yield task;
        if (FINISHED.has(task.status)) return;
      }
    },

    /** Follows the task to its end; `onUpdate` sees every state. Resolves with the finished task. */
    async waitForTask(id: string, onUpdate?: (task: Task) => void): Promise<Task> {
      let last: Task | null = null;
      for await (const task of client.followTask(id)) {
        last = task;
        onUpdate?.(task);
      }
      if (!last) throw new GasFluxClientError(`Task ${id} ended without news`, 'NO_EVENTS');
      return last;
    },

    /** Absolute URL of a result file (its `downloadUrl` is relative to the service). */
    resultUrl: (file: Pick<ResultFile, 'downloadUrl'>) => new URL(file.downloadUrl, `${base}/`).toString(),

    /** Fetches a result file; throws on any status but 200. */
    async download(file: Pick<ResultFile, 'downloadUrl'>): Promise<Response> {
      const response = await doFetch(client.resultUrl(file), { headers: options.headers });
      if (!response.ok) throw new GasFluxClientError(`HTTP ${response.status} downloading ${file.downloadUrl}`, `HTTP_${response.status}`);
      return response;
    },

    reports: async (variables: ReportsQueryVariables = {}) => (await request(ReportsQuery, variables)).reports,

    wis2: {
      list: async (): Promise<Wis2Subscription[]> => (await request(Wis2SubscriptionsQuery)).wis2Subscriptions,
      get: async (id: string) => (await request(Wis2SubscriptionQuery, { id })).wis2Subscription ?? null,
      async create(input: CreateWis2SubscriptionInput): Promise<Wis2Subscription> {
        const result = (await request(CreateWis2SubscriptionMutation, { input })).createWis2Subscription;
        return (unwrap(result, 'CreateWis2SubscriptionSuccess') as { subscription: Wis2Subscription }).subscription;
      },
      async update(id: string, input: UpdateWis2SubscriptionInput): Promise<Wis2Subscription> {
        const result = (await request(UpdateWis2SubscriptionMutation, { id, input })).updateWis2Subscription;
        return (unwrap(result, 'UpdateWis2SubscriptionSuccess') as { subscription: Wis2Subscription }).subscription;
      },
      async delete(id: string): Promise<string> {
        const result = (await request(DeleteWis2SubscriptionMutation, { id })).deleteWis2Subscription;
        return (unwrap(result, 'DeleteWis2SubscriptionSuccess') as { id: string }).id;
      },
      downloads: async (variables: Wis2DownloadsQueryVariables = {}) => (await request(Wis2DownloadsQuery, variables)).wis2Downloads,
      /** Every download outcome as it happens (of one subscription, or all). Runs until the caller breaks out. */
      async *followDownloads(subscriptionId?: string | null): AsyncGenerator<Wis2Download> {
        for await (const data of subscribe(Wis2DownloadEventsSubscription, { subscriptionId: subscriptionId ?? null })) yield data.wis2Downloads;
      },
    },

    /** Closes the websocket, if one was opened. */
    async close(): Promise<void> {
      await ws?.dispose();
      ws = null;
    },
  };
  return client;
}

export type GasFluxClient = ReturnType<typeof createGasFluxClient>;
