/**
 * A batching enqueue for the download queue. Agenda 6 has no bulk API: `agenda.now()` (enqueueDownload) is one
 * insertOne per job, a few hundred per second against FerretDB over the app's single connection. This collects the
 * requests that arrive within a few milliseconds and writes their job documents with one `insertMany` into the
 * collection of the agenda's own MongoJobRepository, in the shape `agenda.now()` writes (Agenda's Job.toJson plus the
 * null fields @agendajs/mongo-backend's saveJob adds), so Agenda's workers find, lock and run them as any other job.
 *
 * One write at a time: what arrives while a write is under way goes into the next one (at most `maxBatch` each), so
 * batches grow with the load and a lone request waits at most `maxDelayMs`. Each enqueue resolves once its document
 * is stored and rejects if that document was not (the router then reports `enqueue_failed` for it, as before).
 * When the agenda is not backed by MongoDB, requests go through enqueueDownload one by one.
 */
import type { Agenda, Job } from 'agenda';
import type { MongoJobRepository } from '@agendajs/mongo-backend';
import { MongoBulkWriteError, type Collection, type Document } from 'mongodb';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../pipeline/download-request.js';
import type { DownloadJobData } from './handler.js';
import { downloadJobName, enqueueDownload, packJob, unpackJob, type StoredJobData } from './job.js';

export interface BatchEnqueueOptions {
  /** Longest wait of a request before its batch is written; default 5 ms. */
  maxDelayMs?: number;
  /** Most job documents per insertMany; default 500. */
  maxBatch?: number;
}

export interface BatchEnqueue {
  /** Queues one download now on the request's queue (unknown queues fall back to small_files), as enqueueDownload. */
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
  job: Job<StoredJobData>;
  document: Document;
  resolve: () => void;
  reject: (error: Error) => void;
}

function jobCollection(agenda: Agenda): Collection<Document> | null {
  const collection = (agenda.db as Partial<MongoJobRepository> | undefined)?.collection;
  return collection && typeof collection.insertMany === 'function' ? (collection as unknown as Collection<Document>) : null;
}

export function createBatchEnqueue(agenda: Agenda, options: BatchEnqueueOptions = {}): BatchEnqueue {
  const maxDelayMs = options.maxDelayMs ?? 5;
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  const waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;

  const documentOf = (job: Job<StoredJobData>): Document => {
    const document: Document = {};
    for (const field of NULL_FIELDS) document[field] = null;
    Object.assign(document, job.toJson(true));
    document.lastModifiedBy = agenda.attrs.name || null;
    return document;
  };

  async function write(batch: Waiting[], collection: Collection<Document>): Promise<void> {
    let failed: Map<number, Error> | null = null;
    try {
      await collection.insertMany(batch.map((w) => w.document), { ordered: false });
    } catch (error) {
      failed = new Map();
      const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : null;
      if (writeErrors && writeErrors.length > 0) {
        for (const e of writeErrors) failed.set(e.index, new Error(e.errmsg ?? 'job insert failed'));
      } else {
        for (let i = 0; i < batch.length; i++) failed.set(i, error as Error);
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i];
      const error = failed?.get(i);
      if (error) {
        entry.reject(error);
        continue;
      }
      entry.job.attrs._id = entry.document._id;
      if (agenda.hasNotificationChannel()) await agenda.publishJobNotification(entry.job).catch(() => undefined);
      entry.resolve();
    }
  }

  function start(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (writing || waiting.length === 0) return;
    writing = (async () => {
      const collection = jobCollection(agenda);
      while (waiting.length > 0) {
        const batch = waiting.splice(0, maxBatch);
        if (collection) await write(batch, collection);
        else await Promise.all(batch.map((w) => enqueueDownload(agenda, unpackJob(w.job.attrs.data)).then(w.resolve, w.reject)));
      }
    })().finally(() => {
      writing = null;
      // Requests that arrived after the loop's last look.
      if (waiting.length > 0) start();
    });
  }

  return {
    async enqueue(request) {
      await agenda.ready;
      const queue: DownloadQueue = request.queue in DOWNLOAD_QUEUES ? request.queue : 'small_files';
      const job = agenda.create<StoredJobData>(downloadJobName(queue), packJob(request));
      job.schedule(new Date());
      const done = new Promise<void>((resolve, reject) => waiting.push({ job, document: documentOf(job), resolve, reject }));
      if (writing) return done;
      if (waiting.length >= maxBatch) start();
      else timer ??= setTimeout(start, maxDelayMs);
      return done;
    },
    async flush() {
      start();
      while (writing) await writing;
    },
  };
}
