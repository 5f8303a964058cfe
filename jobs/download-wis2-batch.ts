/**
 * The WIS2 download job: one definition per reference queue (`DOWNLOAD_QUEUES`: high_priority, small_files,
 * large_files), each job a batch of downloads for its queue (src/wis2/download/batch-jobs.ts). The downloads of every
 * batch a process runs share that queue's concurrency (8, 24, 8), so a batch of 40 and forty batches of one put the
 * same load on the network.
 */
import type { Agenda, Job } from 'agenda';
import pLimit, { type LimitFunction } from 'p-limit';
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import { whileLocked } from '../src/infra/job-lock.js';
import { AGENDA_JOBS_COLLECTION } from '../src/infra/mongo.js';
import { outcomes } from '../src/wis2/outcomes.js';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../src/wis2/pipeline/download-request.js';
import { DedupStore } from '../src/wis2/download/dedup-store.js';
import { processDownload, type DownloadContext, type DownloadJobData } from '../src/wis2/download/handler.js';
import { DownloadRecords } from '../src/wis2/download/records.js';
import { BATCHES_COLLECTION, downloadJobName, type BatchDocument, type StoredBatchData } from '../src/wis2/download/batch-jobs.js';

/** Batch jobs one process runs at once per queue: the next batch starts while the last one's slowest files finish. */
const BATCHES_AT_ONCE = 4;

export interface Wis2DownloadJobContext extends DownloadContext {
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

interface LegacyJobData {
  request?: string;
  starts?: number;
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
export function defineWis2DownloadJobs(agenda: Agenda, jobContext: Wis2DownloadJobContext): void {
  const lockLifetime = jobContext.lockLifetimeMs ?? 600_000;
  const context: Wis2DownloadJobContext = {
    ...jobContext,
    dedupStore: jobContext.dedupStore ?? new DedupStore(jobContext.db, jobContext.dedup),
    records: jobContext.records ?? new DownloadRecords(jobContext.db),
  };
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
