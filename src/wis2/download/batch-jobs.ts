/**
 * What the enqueue side (./batch-enqueue.ts) and the download job (jobs/download-wis2-batch.ts) share: the job names
 * of the three queues and the shapes a batch job is stored in. A job carries a *batch* of downloads for its queue,
 * not one file: Agenda finds and locks the next job with a query that reads its whole collection (FerretDB has no
 * index it could use for it), so the job collection must stay small and be read seldom.
 */
import type { ObjectId } from 'mongodb';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../pipeline/download-request.js';
import type { DownloadJobData } from './handler.js';

export const WIS2_DOWNLOAD_JOB_PREFIX = 'wis2.download.';

export function downloadJobName(queue: DownloadQueue): string {
  return `${WIS2_DOWNLOAD_JOB_PREFIX}${queue}`;
}

/** The queue a request goes to (unknown queues fall back to small_files). */
export function queueOf(request: DownloadJobData): DownloadQueue {
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
