/**
 * What the enqueue side (./batch-enqueue.ts) and the download job (jobs/download-wis2-batch.ts) share: the job names
 * of the three queues and the shapes a batch job is stored in. A job carries a *batch* of downloads for its queue,
 * not one file: Agenda finds and locks the next job with a query that reads its whole collection (FerretDB has no
 * index it could use for it), so the job collection must stay small and be read seldom.
 */
import { ObjectId } from 'mongodb';
import { z } from 'zod';
import type { FilterInput } from '../../wis2/filter/index.js';
import { DOWNLOAD_QUEUES, type DownloadQueue, type DownloadRequest } from '../../wis2/pipeline/download-request.js';

export const WIS2_DOWNLOAD_JOB_PREFIX = 'wis2.download.';

export function downloadJobName(queue: DownloadQueue): string {
  return `${WIS2_DOWNLOAD_JOB_PREFIX}${queue}`;
}

/** The queue a request goes to (unknown queues fall back to small_files). */
export function queueOf(request: DownloadRequest): DownloadQueue {
  return request.queue in DOWNLOAD_QUEUES ? request.queue : 'small_files';
}

/** Where a batch job's requests are kept, one document per batch, removed with its job. */
export const BATCHES_COLLECTION = 'wis2_download_batches';

/**
 * A job's data as stored: its requests, each as one JSON text (MongoDB servers pay per stored field, the bundled
 * FerretDB markedly so, and the job needs each request whole), either in the job (`requests`) or, for the batches of
 * the notification pipeline, in their own document of BATCHES_COLLECTION (`batch`): Agenda reads, and on every save
 * writes back, whole job documents, so they stay small. Then how many, which are done (indexes), and how often the
 * job was started. Jobs stored by earlier versions hold one request (`request`, or its fields inline) and still run.
 */
export interface StoredBatchData {
  count: number;
  requests?: string[];
  batch?: ObjectId;
  done?: number[];
  starts?: number;
}

export interface BatchDocument {
  _id: ObjectId;
  requests: string[];
}

/** A batch job's data with its requests (JSON texts) in the job itself. */
export function packBatch(requestTexts: string[]): StoredBatchData {
  return { count: requestTexts.length, requests: requestTexts };
}

const isObjectId = (value: unknown) =>
  typeof value === 'string' ? /^[0-9a-f]{24}$/i.test(value) : value instanceof ObjectId;

/**
 * What a download job reads as its data: a batch (StoredBatchData) or a job of an earlier version (`request`, or the
 * request's fields inline, checked as a request). Each request is checked on its own (storedDownloadRequest), so one
 * bad request does not cost the others.
 */
export const storedBatchData = z.looseObject({
  count: z.number().int().nonnegative().optional(),
  requests: z.array(z.string()).optional(),
  batch: z.custom<ObjectId | string>(isObjectId, `expected the ObjectId of a ${BATCHES_COLLECTION} document`).optional(),
  request: z.string().optional(),
  done: z.array(z.number().int().nonnegative()).optional(),
  starts: z.number().int().nonnegative().optional(),
});

export const storedBatchDocument = z.object({ requests: z.array(z.string()) });

const nullableText = z.string().nullable();

/** One request as the download job runs it (a DownloadRequest); the filter was checked when its subscription was stored. */
export const storedDownloadRequest = z.looseObject({
  subscriptionId: z.string().min(1),
  savePath: z.string(),
  topic: z.string(),
  centreId: nullableText,
  messageId: z.string(),
  dataId: nullableText,
  metadataId: nullableText,
  pubtime: nullableText,
  href: z.string(),
  overwrite: z.boolean(),
  expectedSize: z.number().nonnegative().nullable(),
  integrity: z.object({ method: z.string(), value: z.string() }).nullable(),
  declaredMediaType: nullableText,
  filter: z.custom<FilterInput>((value) => value == null || (typeof value === 'object' && !Array.isArray(value)), 'expected a filter object'),
  geometry: z.unknown().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  queue: z.enum(Object.keys(DOWNLOAD_QUEUES) as [DownloadQueue, ...DownloadQueue[]]).catch('small_files'),
  receivedAt: z.string(),
}) satisfies z.ZodType<DownloadRequest>;
