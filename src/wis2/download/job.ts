/**
 * The Agenda side of the download step: one job definition per reference queue
 * (`DOWNLOAD_QUEUES`: high_priority, small_files, large_files) with its concurrency, and the
 * enqueue function the notification pipeline calls.
 */
import type { Agenda, Job } from 'agenda';
import { ObjectId } from 'mongodb';
import { whileLocked } from '../../infra/job-lock.js';
import { AGENDA_JOBS_COLLECTION } from '../../infra/mongo.js';
import { outcomes } from '../outcomes.js';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../pipeline/download-request.js';
import { processDownload, type DownloadContext, type DownloadJobData } from './handler.js';

export const WIS2_DOWNLOAD_JOB_PREFIX = 'wis2.download.';

export function downloadJobName(queue: DownloadQueue): string {
  return `${WIS2_DOWNLOAD_JOB_PREFIX}${queue}`;
}

export interface Wis2DownloadJobContext extends DownloadContext {
  /** Overrides the DOWNLOAD_QUEUES concurrency per queue. */
  concurrency?: Partial<Record<DownloadQueue, number>>;
  /** Agenda lock lifetime; default 10 min (a download is bounded by its timeouts and retries). */
  lockLifetimeMs?: number;
  /** Starts of one job (a dead worker's run counts) before it is recorded FAILED TooManyAttempts; default 3. */
  maxAttempts?: number;
  /** Wraps each run, e.g. RunningJobs.track from jobs/process-flight.ts, so shutdown can wait. */
  track?: <T>(work: Promise<T>) => Promise<T>;
}

/**
 * A job's data as stored: who and what in clear (to read the queue by eye), the whole request as one JSON text.
 * MongoDB servers pay per stored field, the bundled FerretDB markedly so: one text instead of ~20 fields and nested
 * objects makes enqueueing several times faster (`npm run bench:wis2 router`), and the job needs the request whole.
 */
export interface StoredJobData {
  subscriptionId: string;
  messageId: string;
  href: string;
  request: string;
}

export function packJob(request: DownloadJobData): StoredJobData {
  return { subscriptionId: request.subscriptionId, messageId: request.messageId, href: request.href, request: JSON.stringify(request) };
}

export function unpackJob(data: StoredJobData | DownloadJobData): DownloadJobData {
  const stored = data as Partial<StoredJobData>;
  return typeof stored.request === 'string' ? (JSON.parse(stored.request) as DownloadJobData) : (data as DownloadJobData);
}

/** Defines the three download jobs on `agenda`. Outcomes go to the record collection and `onOutcome`. */
export function defineWis2DownloadJobs(agenda: Agenda, context: Wis2DownloadJobContext): void {
  const lockLifetime = context.lockLifetimeMs ?? 600_000;
  for (const queue of Object.keys(DOWNLOAD_QUEUES) as DownloadQueue[]) {
    const concurrency = context.concurrency?.[queue] ?? DOWNLOAD_QUEUES[queue];
    agenda.define<StoredJobData>(
      downloadJobName(queue),
      async (job: Job<StoredJobData>) => {
        const work = runDownloadJob(job, context, lockLifetime);
        await (context.track ? context.track(work) : work);
      },
      { concurrency, lockLimit: concurrency, lockLifetime, removeOnComplete: true },
    );
  }
}

/**
 * One start of a download job. The start is counted in the job's own document first, so a job whose workers keep
 * dying is recorded FAILED once it has used its attempts instead of running forever; its lock is kept fresh while it
 * runs (whileLocked).
 */
async function runDownloadJob(job: Job<StoredJobData>, context: Wis2DownloadJobContext, lockLifetime: number): Promise<void> {
  const request = unpackJob(job.attrs.data);
  const maxAttempts = context.maxAttempts ?? 3;
  // Agenda hands out ids as strings. No projection: FerretDB's findAndModify does not implement one. A failed count must not lose the download.
  const counted = await context.db
    .collection(AGENDA_JOBS_COLLECTION)
    .findOneAndUpdate({ _id: new ObjectId(String(job.attrs._id)) }, { $inc: { 'data.starts': 1 } }, { returnDocument: 'after' })
    .catch((error: unknown) => {
      context.log?.warn({ err: error, message_id: request.messageId }, 'download job start not counted');
      return null;
    });
  const starts = (counted?.data as { starts?: number } | undefined)?.starts ?? 1;
  if (starts > maxAttempts) {
    await processDownload(request, context, outcomes.tooManyAttempts(starts - 1, maxAttempts));
    return;
  }
  await whileLocked(job, lockLifetime, () => processDownload(request, context), (error) =>
    context.log?.warn({ err: error, message_id: request.messageId }, 'download job lock refresh failed'),
  );
}

/** Queues one download now on the request's queue (unknown queues fall back to small_files). */
export async function enqueueDownload(agenda: Agenda, request: DownloadJobData): Promise<Job<StoredJobData>> {
  const queue: DownloadQueue = request.queue in DOWNLOAD_QUEUES ? request.queue : 'small_files';
  return agenda.now<StoredJobData>(downloadJobName(queue), packJob(request));
}
