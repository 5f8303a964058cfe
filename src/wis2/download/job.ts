/**
 * The Agenda side of the download step: one job definition per reference queue
 * (`DOWNLOAD_QUEUES`: high_priority, small_files, large_files) with its concurrency, and the
 * enqueue function the notification pipeline calls.
 */
import type { Agenda, Job } from 'agenda';
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
  for (const queue of Object.keys(DOWNLOAD_QUEUES) as DownloadQueue[]) {
    const concurrency = context.concurrency?.[queue] ?? DOWNLOAD_QUEUES[queue];
    agenda.define<StoredJobData>(
      downloadJobName(queue),
      async (job: Job<StoredJobData>) => {
        const work = processDownload(unpackJob(job.attrs.data), context).then(() => undefined);
        await (context.track ? context.track(work) : work);
      },
      { concurrency, lockLimit: concurrency, lockLifetime: context.lockLifetimeMs ?? 600_000, removeOnComplete: true },
    );
  }
}

/** Queues one download now on the request's queue (unknown queues fall back to small_files). */
export async function enqueueDownload(agenda: Agenda, request: DownloadJobData): Promise<Job<StoredJobData>> {
  const queue: DownloadQueue = request.queue in DOWNLOAD_QUEUES ? request.queue : 'small_files';
  return agenda.now<StoredJobData>(downloadJobName(queue), packJob(request));
}
