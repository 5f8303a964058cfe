/**
 * The Agenda side of the download step: one job definition per reference queue (`DOWNLOAD_QUEUES`: high_priority,
 * small_files, large_files). A job carries a *batch* of downloads for its queue, not one file: Agenda finds and locks
 * the next job with a query that reads its whole collection (FerretDB has no index it could use for it), so the job
 * collection must stay small and be read seldom. The downloads of every batch a process runs share that queue's
 * concurrency (8, 24, 8), so a batch of 40 and forty batches of one put the same load on the network.
 */
import type { Agenda, Job } from 'agenda';
import pLimit, { type LimitFunction } from 'p-limit';
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import { whileLocked } from '../../infra/job-lock.js';
import { AGENDA_JOBS_COLLECTION } from '../../infra/mongo.js';
import { outcomes } from '../outcomes.js';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../pipeline/download-request.js';
import { processDownload, type DownloadContext, type DownloadJobData } from '../../wis2-service/downloads/handler.js';

export const WIS2_DOWNLOAD_JOB_PREFIX = 'wis2.download.';
/** Batch jobs one process runs at once per queue: the next batch starts while the last one's slowest files finish. */
const BATCHES_AT_ONCE = 4;

export function downloadJobName(queue: DownloadQueue): string {
  return `${WIS2_DOWNLOAD_JOB_PREFIX}${queue}`;
}

/** The queue a request goes to (unknown queues fall back to small_files). */
export function queueOf(request: DownloadJobData): DownloadQueue {
  return request.queue in DOWNLOAD_QUEUES ? request.queue : 'small_files';
}

export interface Wis2DownloadJobContext extends DownloadContext {
  /** Where the batch jobs and their requests are. */
  db: Db;
  /** Overrides the DOWNLOAD_QUEUES concurrency per queue: downloads at once per process. */
  concurrency?: Partial<Record<DownloadQueue, number>>;
  /** Agenda lock lifetime; default 10 min (a download is bounded by its timeouts and retries). */
  lockLifetimeMs?: number;
  /** Batch jobs of one queue run at once per process; default 4. */
  batchesAtOnce?: number;
  /** Starts of one job (a dead worker's run counts) before its unfinished downloads are recorded FAILED TooManyAttempts; default 3. */
  maxAttempts?: number;
  /** Wraps each run, e.g. RunningJobs.track from jobs/process-flight.ts, so shutdown can wait. */
  track?: <T>(work: Promise<T>) => Promise<T>;
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

interface LegacyJobData {
  request?: string;
  starts?: number;
}

/** A batch job's data with its requests (JSON texts) in the job itself. */
export function packBatch(requestTexts: string[]): StoredBatchData {
  return { count: requestTexts.length, requests: requestTexts };
}

async function requestsOf(data: StoredBatchData | LegacyJobData | DownloadJobData, db: Db): Promise<DownloadJobData[] | null> {
  const batch = data as Partial<StoredBatchData>;
  const parse = (texts: string[]) => texts.map((r) => JSON.parse(r) as DownloadJobData);
  if (Array.isArray(batch.requests)) return parse(batch.requests);
  if (batch.batch) {
    const stored = await db.collection<BatchDocument>(BATCHES_COLLECTION).findOne({ _id: new ObjectId(String(batch.batch)) });
    return stored ? parse(stored.requests) : null;
  }
  const legacy = data as LegacyJobData;
  return [typeof legacy.request === 'string' ? (JSON.parse(legacy.request) as DownloadJobData) : (data as DownloadJobData)];
}

/** Defines the three download jobs on `agenda`. Outcomes go to the record collection and `onOutcome`. */
export function defineWis2DownloadJobs(agenda: Agenda, context: Wis2DownloadJobContext): void {
  const lockLifetime = context.lockLifetimeMs ?? 600_000;
  for (const queue of Object.keys(DOWNLOAD_QUEUES) as DownloadQueue[]) {
    const downloadsAtOnce = pLimit(context.concurrency?.[queue] ?? DOWNLOAD_QUEUES[queue]);
    agenda.define<StoredBatchData>(
      downloadJobName(queue),
      async (job: Job<StoredBatchData>) => {
        const work = runDownloadBatch(job, context, lockLifetime, downloadsAtOnce);
        await (context.track ? context.track(work) : work);
      },
      { concurrency: context.batchesAtOnce ?? BATCHES_AT_ONCE, lockLimit: context.batchesAtOnce ?? BATCHES_AT_ONCE, lockLifetime, removeOnComplete: true },
    );
  }
}

/**
 * Marks finished downloads in the job's document, so a worker that takes the job over from a dead one runs only the
 * rest. One write at a time; what finishes meanwhile goes into the next. `settled` resolves once all are written.
 */
function doneMarker(jobs: Collection<Document>, id: ObjectId, onError: (error: unknown) => void) {
  let waiting: number[] = [];
  let writing: Promise<void> | null = null;
  const write = async () => {
    while (waiting.length > 0) {
      const indexes = waiting;
      waiting = [];
      await jobs.updateOne({ _id: id }, { $push: { 'data.done': { $each: indexes } } } as Document).catch(onError);
    }
    writing = null;
  };
  return {
    mark(index: number) {
      waiting.push(index);
      writing ??= write();
    },
    async settled() {
      while (writing) await writing;
    },
  };
}

/**
 * One start of a batch job. The start is counted in the job's own document first, so a job whose workers keep dying
 * has its unfinished downloads recorded FAILED once it has used its attempts instead of running forever; its lock is
 * kept fresh while it runs (whileLocked).
 */
async function runDownloadBatch(job: Job<StoredBatchData>, context: Wis2DownloadJobContext, lockLifetime: number, downloadsAtOnce: LimitFunction): Promise<void> {
  const requests = await requestsOf(job.attrs.data, context.db);
  if (!requests) {
    // Its requests were removed with a run that finished all of them, just before its worker died.
    context.log?.warn({ job: String(job.attrs._id) }, 'download batch without its requests: nothing to do');
    return;
  }
  const maxAttempts = context.maxAttempts ?? 3;
  // Agenda hands out ids as strings. No projection: FerretDB's findAndModify does not implement one. A failed count must not lose the downloads.
  const id = new ObjectId(String(job.attrs._id));
  const jobs = context.db.collection(AGENDA_JOBS_COLLECTION);
  const counted = await jobs.findOneAndUpdate({ _id: id }, { $inc: { 'data.starts': 1 } }, { returnDocument: 'after' }).catch((error: unknown) => {
    context.log?.warn({ err: error, job: String(job.attrs._id) }, 'download job start not counted');
    return null;
  });
  const stored = (counted?.data ?? job.attrs.data) as Partial<StoredBatchData>;
  const starts = stored.starts ?? 1;
  const done = new Set(stored.done ?? []);
  const pending = requests.map((request, index) => ({ request, index })).filter(({ index }) => !done.has(index));
  const marker = doneMarker(jobs, id, (error) => context.log?.warn({ err: error, job: String(job.attrs._id) }, 'download job progress not stored'));
  const refusal = starts > maxAttempts ? outcomes.tooManyAttempts(starts - 1, maxAttempts) : undefined;
  await whileLocked(
    job,
    lockLifetime,
    async () => {
      await Promise.all(
        pending.map(({ request, index }) =>
          downloadsAtOnce(async () => {
            await processDownload(request, context, refusal);
            marker.mark(index);
          }),
        ),
      );
      await marker.settled();
      if (job.attrs.data.batch) {
        await context.db.collection<BatchDocument>(BATCHES_COLLECTION).deleteOne({ _id: new ObjectId(String(job.attrs.data.batch)) });
      }
    },
    (error) => context.log?.warn({ err: error, job: String(job.attrs._id) }, 'download job lock refresh failed'),
  );
}

/** Queues one download now, as a batch of one on the request's queue. */
export async function enqueueDownload(agenda: Agenda, request: DownloadJobData): Promise<Job<StoredBatchData>> {
  return agenda.now<StoredBatchData>(downloadJobName(queueOf(request)), packBatch([JSON.stringify(request)]));
}
