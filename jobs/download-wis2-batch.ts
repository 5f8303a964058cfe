/**
 * The WIS2 download job: one definition per reference queue (`DOWNLOAD_QUEUES`: high_priority, small_files,
 * large_files), each job a batch of downloads for its queue (src/wis2/download/batch-jobs.ts). The downloads of every
 * batch a process runs share that queue's concurrency (8, 24, 8), so a batch of 40 and forty batches of one put the
 * same load on the network.
 */
import type { Agenda, Job } from 'agenda';
import pLimit, { type LimitFunction } from 'p-limit';
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import type { z } from 'zod';
import { GroupCommit } from '../src/infra/batched-commands.js';
import { whileLocked } from '../src/infra/job-lock.js';
import { AGENDA_JOBS_COLLECTION } from '../src/infra/mongo.js';
import { outcomes } from '../src/wis2/outcomes.js';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../src/wis2/pipeline/download-request.js';
import { processDownload, type DownloadContext, type DownloadJobData } from '../src/wis2-service/downloads/handler.js';
import {
  BATCHES_COLLECTION,
  downloadJobName,
  storedBatchData,
  storedBatchDocument,
  storedDownloadRequest,
  type BatchDocument,
} from '../src/wis2-service/downloads/batch-jobs.js';
import { defineJob, describeIssues, fieldIssues, InvalidJobData, type JobDefinition } from './define-job.js';

/** Batch jobs one process runs at once per queue: the next batch starts while the last one's slowest files finish. */
const BATCHES_AT_ONCE = 4;

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
  /** Wraps each run (RunningJobs.track) so shutdown can wait for it. */
  track?: <T>(work: Promise<T>) => Promise<T>;
}

type StoredBatch = z.output<typeof storedBatchData>;

/** A request of the batch, as stored, and the path of its field for messages. */
interface StoredRequest {
  stored: unknown;
  field: string;
}

/** The batch's requests as stored; null when its batch document is gone. */
async function storedRequestsOf(name: string, job: Job, data: StoredBatch, db: Db): Promise<StoredRequest[] | null> {
  const each = (texts: string[], field: string) => texts.map((stored, i) => ({ stored, field: `${field}[${i}]` }));
  if (data.requests) return each(data.requests, 'data.requests');
  if (data.batch) {
    const id = new ObjectId(String(data.batch));
    const document = await db.collection<BatchDocument>(BATCHES_COLLECTION).findOne({ _id: id });
    if (!document) return null;
    const where = `${BATCHES_COLLECTION} ${id}`;
    const batch = storedBatchDocument.safeParse(document);
    if (!batch.success) throw new InvalidJobData(name, job, fieldIssues(batch.error, where));
    return each(batch.data.requests, `${where}.requests`);
  }
  if (data.request !== undefined) return [{ stored: data.request, field: 'data.request' }];
  return [{ stored: data, field: 'data' }];
}

type ReadRequest = { ok: true; request: DownloadJobData } | { ok: false; request: DownloadJobData; problem: string };

/** One request, parsed and checked; one that is not a request is kept with the ids it carries, for its record. */
function readRequest({ stored, field }: StoredRequest): ReadRequest {
  let value: unknown = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch (error) {
      return { ok: false, request: idsOf(null), problem: `${field}: not JSON (${(error as Error).message})` };
    }
  }
  const request = storedDownloadRequest.safeParse(value);
  if (request.success) return { ok: true, request: request.data };
  return { ok: false, request: idsOf(value), problem: describeIssues(fieldIssues(request.error, field)) };
}

/** A request holding only what identifies a refused one (subscription, message, topic, link), for its record and event. */
function idsOf(value: unknown): DownloadJobData {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : '');
  return {
    subscriptionId: text('subscriptionId'),
    messageId: text('messageId'),
    topic: text('topic'),
    href: text('href'),
    receivedAt: text('receivedAt'),
    savePath: '',
    centreId: null,
    dataId: null,
    metadataId: null,
    pubtime: null,
    overwrite: false,
    expectedSize: null,
    integrity: null,
    declaredMediaType: null,
    filter: null,
    queue: 'small_files',
  };
}

/**
 * The three download jobs. A job whose data is not a batch, or whose batch document does not hold request texts,
 * fails with InvalidJobData (define-job.ts). Within a batch, a request that cannot be read is recorded FAILED
 * InvalidJobData (in wis2_downloads, on the bus, in the failed downloads metric), with the field and the reason, under
 * the subscription and message ids it carries; the others are downloaded, and the job ends and is removed as any other.
 */
export function wis2DownloadJobs(context: Wis2DownloadJobContext): JobDefinition[] {
  const lockLifetime = context.lockLifetimeMs ?? 600_000;
  const batchesAtOnce = context.batchesAtOnce ?? BATCHES_AT_ONCE;
  return (Object.keys(DOWNLOAD_QUEUES) as DownloadQueue[]).map((queue) => {
    const downloadsAtOnce = pLimit(context.concurrency?.[queue] ?? DOWNLOAD_QUEUES[queue]);
    const name = downloadJobName(queue);
    return defineJob(
      { name, data: storedBatchData, concurrency: batchesAtOnce, lockLifetime, removeOnComplete: true, log: context.log },
      async (data, job) => {
        const work = runDownloadBatch(name, job, data, context, lockLifetime, downloadsAtOnce);
        await (context.track ? context.track(work) : work);
      },
    );
  });
}

/** Defines the three download jobs on `agenda`. Outcomes go to the record collection and `onOutcome`. */
export function defineWis2DownloadJobs(agenda: Agenda, context: Wis2DownloadJobContext): void {
  for (const job of wis2DownloadJobs(context)) job.defineOn(agenda);
}

/**
 * Marks finished downloads in the job's document, so a worker that takes the job over from a dead one runs only the
 * rest: the marks of downloads that finish while one is being written go into the next write (GroupCommit).
 * `settled` resolves once all are written (a failed write is reported to `onError`, the downloads stand).
 */
function doneMarker(jobs: Collection<Document>, id: ObjectId, onError: (error: unknown) => void) {
  const commit = new GroupCommit<number>(async (indexes) => {
    await jobs.updateOne({ _id: id }, { $push: { 'data.done': { $each: indexes } } } as Document);
    return indexes.map(() => undefined);
  });
  const writes: Promise<void>[] = [];
  return {
    mark(index: number) {
      writes.push(commit.submit(index).catch(onError));
    },
    async settled() {
      await Promise.all(writes);
    },
  };
}

/**
 * One start of a batch job. The start is counted in the job's own document first, so a job whose workers keep dying
 * has its unfinished downloads recorded FAILED once it has used its attempts instead of running forever; its lock is
 * kept fresh while it runs (whileLocked).
 */
async function runDownloadBatch(
  name: string,
  job: Job,
  data: StoredBatch,
  context: Wis2DownloadJobContext,
  lockLifetime: number,
  downloadsAtOnce: LimitFunction,
): Promise<void> {
  const stored = await storedRequestsOf(name, job, data, context.db);
  if (!stored) {
    // Its requests were removed with a run that finished all of them, just before its worker died.
    context.log?.warn({ job: String(job.attrs._id) }, 'download batch without its requests: nothing to do');
    return;
  }
  const requests = stored.map(readRequest);
  const maxAttempts = context.maxAttempts ?? 3;
  // Agenda hands out ids as strings. No projection: FerretDB's findAndModify does not implement one. A failed count must not lose the downloads.
  const id = new ObjectId(String(job.attrs._id));
  const jobs = context.db.collection(AGENDA_JOBS_COLLECTION);
  const counted = await jobs.findOneAndUpdate({ _id: id }, { $inc: { 'data.starts': 1 } }, { returnDocument: 'after' }).catch((error: unknown) => {
    context.log?.warn({ err: error, job: String(job.attrs._id) }, 'download job start not counted');
    return null;
  });
  const now = storedBatchData.safeParse(counted?.data).data ?? data;
  const starts = now.starts ?? 1;
  const done = new Set(now.done ?? []);
  const pending = requests.map((read, index) => ({ read, index })).filter(({ index }) => !done.has(index));
  const marker = doneMarker(jobs, id, (error) => context.log?.warn({ err: error, job: String(job.attrs._id) }, 'download job progress not stored'));
  const tooMany = starts > maxAttempts ? outcomes.tooManyAttempts(starts - 1, maxAttempts) : undefined;
  const refusalOf = (read: ReadRequest) => {
    if (read.ok) return tooMany;
    const reason = `job ${name} ${String(job.attrs._id)} has an invalid request, not downloaded: ${read.problem}`;
    context.log?.error({ job: name, job_id: String(job.attrs._id), subscription: read.request.subscriptionId, message_id: read.request.messageId }, reason);
    return outcomes.invalidJobData(reason);
  };
  await whileLocked(
    job,
    lockLifetime,
    async () => {
      await Promise.all(
        pending.map(({ read, index }) =>
          downloadsAtOnce(async () => {
            await processDownload(read.request, context, refusalOf(read));
            marker.mark(index);
          }),
        ),
      );
      await marker.settled();
      if (data.batch) {
        await context.db.collection<BatchDocument>(BATCHES_COLLECTION).deleteOne({ _id: new ObjectId(String(data.batch)) });
      }
    },
    (error) => context.log?.warn({ err: error, job: String(job.attrs._id) }, 'download job lock refresh failed'),
  );
}
