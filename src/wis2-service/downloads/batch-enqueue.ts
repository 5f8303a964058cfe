/**
 * The enqueue the notification pipeline uses: requests that arrive within a few milliseconds become one batch job
 * per queue (./batch-jobs.ts). The requests of one write go in with one `insertMany` into BATCHES_COLLECTION, one document
 * per batch, then its jobs with one `insertMany` into the collection of the agenda's own MongoJobRepository, in the
 * shape `agenda.now()` writes (Agenda's Job.toJson plus the null fields @agendajs/mongo-backend's saveJob adds), so
 * Agenda's workers find, lock and run them as any other job.
 *
 * One write at a time: what arrives while a write is under way goes into the next one (at most `maxBatch` requests
 * per job), so batches grow with the load and a lone request waits at most `maxDelayMs`. Each enqueue resolves once
 * its job is stored and rejects if it was not (the router then reports `enqueue_failed` for it).
 * When the agenda is not backed by MongoDB, each batch is stored with `job.save()`, its requests in the job.
 */
import type { Agenda, Job } from 'agenda';
import type { MongoJobRepository } from '@agendajs/mongo-backend';
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import type { DownloadQueue, DownloadRequest as DownloadJobData } from '../../wis2/pipeline/download-request.js';
import { BATCHES_COLLECTION, downloadJobName, packBatch, queueOf, type BatchDocument, type StoredBatchData } from './batch-jobs.js';

export interface BatchEnqueueOptions {
  /** Longest wait of a request before its batch is written; default 5 ms. */
  maxDelayMs?: number;
  /** Most requests per batch job; default 200. */
  maxBatch?: number;
  /** Most characters of request text per batch job (documents are capped at 16 MB); default 4 Mi. */
  maxBatchChars?: number;
}

export interface BatchEnqueue {
  /** Queues one download now on the request's queue (unknown queues fall back to small_files). */
  enqueue(request: DownloadJobData): Promise<void>;
  /** Resolves once everything enqueued so far has been written (or has failed). */
  flush(): Promise<void>;
}

/** The fields @agendajs/mongo-backend's saveJob stores as null when a new job leaves them unset. */
const NULL_FIELDS = [
  'lockedAt', 'lastFinishedAt', 'failedAt', 'failCount', 'failReason', 'repeatTimezone', 'lastRunAt', 'repeatInterval',
  'repeatAt', 'disabled', 'progress', 'debounceStartedAt', 'fork', 'startDate', 'endDate', 'skipDays',
] as const;

interface Waiting {
  request: DownloadJobData;
  text: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

function jobCollection(agenda: Agenda): Collection<Document> | null {
  const collection = (agenda.db as Partial<MongoJobRepository> | undefined)?.collection;
  return collection && typeof collection.insertMany === 'function' ? (collection as unknown as Collection<Document>) : null;
}

/** `db`: the database of the agenda's job collection, where the batches' requests are kept. */
export function createBatchEnqueue(agenda: Agenda, db: Db, options: BatchEnqueueOptions = {}): BatchEnqueue {
  const maxDelayMs = options.maxDelayMs ?? 5;
  const maxBatch = Math.max(1, options.maxBatch ?? 200);
  const maxBatchChars = options.maxBatchChars ?? 4 * 1024 * 1024;
  const waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;

  const documentOf = (job: Job<StoredBatchData>): Document => {
    const document: Document = {};
    for (const field of NULL_FIELDS) document[field] = null;
    Object.assign(document, job.toJson(true));
    document.lastModifiedBy = agenda.attrs.name || null;
    return document;
  };

  /** The requests waiting now, as batches of one queue within the bounds. */
  function takeBatches(): Waiting[][] {
    const open = new Map<DownloadQueue, { members: Waiting[]; bytes: number }>();
    const batches: Waiting[][] = [];
    for (const entry of waiting.splice(0)) {
      const queue = queueOf(entry.request);
      let batch = open.get(queue);
      if (batch && (batch.members.length >= maxBatch || batch.bytes + entry.text.length > maxBatchChars)) batch = undefined;
      if (!batch) {
        batch = { members: [], bytes: 0 };
        open.set(queue, batch);
        batches.push(batch.members);
      }
      batch.members.push(entry);
      batch.bytes += entry.text.length;
    }
    return batches;
  }

  async function write(batches: Waiting[][], collection: Collection<Document> | null): Promise<void> {
    const texts = batches.map((members) => members.map((m) => m.text));
    const failed = new Map<number, Error>();
    let jobs: Job<StoredBatchData>[];
    if (collection) {
      const stored: BatchDocument[] = texts.map((requests) => ({ _id: new ObjectId(), requests }));
      jobs = stored.map((batch, i) => newJob(batches[i], { count: batch.requests.length, batch: batch._id }));
      const documents = jobs.map(documentOf);
      try {
        await db.collection<BatchDocument>(BATCHES_COLLECTION).insertMany(stored, { ordered: false });
        await collection.insertMany(documents, { ordered: false });
        jobs.forEach((job, i) => (job.attrs._id = documents[i]._id));
      } catch (error) {
        // Nothing a batch holds can be refused field by field (its requests are texts): the write failed as a whole.
        jobs.forEach((_, i) => failed.set(i, error as Error));
      }
    } else {
      jobs = texts.map((requests, i) => newJob(batches[i], packBatch(requests)));
      await Promise.all(jobs.map((job, i) => job.save().then(() => undefined, (error: Error) => void failed.set(i, error))));
    }
    for (let i = 0; i < batches.length; i++) {
      const error = failed.get(i);
      if (!error && collection && agenda.hasNotificationChannel()) await agenda.publishJobNotification(jobs[i]).catch(() => undefined);
      for (const member of batches[i]) (error ? member.reject(error) : member.resolve());
    }
  }

  const newJob = (members: Waiting[], data: StoredBatchData) => {
    const job = agenda.create<StoredBatchData>(downloadJobName(queueOf(members[0].request)), data);
    job.schedule(new Date());
    return job;
  };

  function start(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (writing || waiting.length === 0) return;
    writing = (async () => {
      const collection = jobCollection(agenda);
      while (waiting.length > 0) await write(takeBatches(), collection);
    })().finally(() => {
      writing = null;
      // Requests that arrived after the loop's last look.
      if (waiting.length > 0) start();
    });
  }

  return {
    async enqueue(request) {
      await agenda.ready;
      const text = JSON.stringify(request);
      const done = new Promise<void>((resolve, reject) => waiting.push({ request, text, resolve, reject }));
      if (writing) return done;
      timer ??= setTimeout(start, maxDelayMs);
      return done;
    },
    async flush() {
      start();
      while (writing) await writing;
    },
  };
}

/** Queues one download now, as a batch of one on the request's queue. */
export async function enqueueDownload(agenda: Agenda, request: DownloadJobData): Promise<Job<StoredBatchData>> {
  return agenda.now<StoredBatchData>(downloadJobName(queueOf(request)), packBatch([JSON.stringify(request)]));
}
