// createBatchEnqueue against FerretDB: requests arriving together become one batch job per queue, written with one
// insertMany in the shape agenda.now() writes; the download workers of defineWis2DownloadJobs find and run them,
// within each queue's concurrency, and a batch taken over from a dead worker runs only what is left.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { eventually, useTestApp } from '../helpers/app-harness.ts';
import { useFileServer } from '../helpers/file-server.ts';
import { DedupStore } from '../../src/wis2-service/downloads/dedup-store.ts';
import { DownloadRecords } from '../../src/wis2-service/downloads/records.ts';
import { createBatchEnqueue } from '../../src/wis2-service/downloads/batch-enqueue.ts';
import { enqueueDownload } from '../../src/wis2-service/downloads/batch-enqueue.ts';
import { defineWis2DownloadJobs } from '../../jobs/download-wis2-batch.ts';
import type { DownloadContext, DownloadJobData, DownloadResult } from '../../src/wis2-service/downloads/handler.ts';
import { synopRequest } from './helpers/download-request.ts';

const DAY = new Date('2026-03-05T12:00:00Z');
const body = (name: string) => Buffer.concat([Buffer.from('BUFR'), Buffer.from(name.padEnd(200, '.')), Buffer.from('7777')]);

describe('batched enqueue of WIS2 downloads', () => {
  // An API process: its database and folders, and no download jobs of its own to take these tests' jobs.
  const running = useTestApp({ role: 'api' });
  const files = useFileServer();
  let client: MongoClient;
  let db: Db;
  let stores: DownloadContext['stores'];
  let base: string;
  let dataRoot: string;
  const inserts: Array<{ collection: string; documents: number }> = [];
  /** The paths the file server was asked for. */
  const fetched = () => files.requests.map((r) => r.path);
  /** The indexes written to batch jobs' `data.done`. */
  const doneMarks: number[] = [];

  before(async () => {
    // One pooled connection, as the app uses with FerretDB, on the app's database: the tests count its commands.
    client = new MongoClient(running().config.mongodbUri!, { maxPoolSize: 1, monitorCommands: true });
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'insert') inserts.push({ collection: event.command.insert, documents: event.command.documents.length });
      if (event.commandName === 'update' && event.command.update === 'agendaJobs') {
        for (const u of event.command.updates) doneMarks.push(...(u.u?.$push?.['data.done']?.$each ?? []));
      }
    });
    await client.connect();
    db = client.db(running().config.mongodbDb);
    stores = { dedup: new DedupStore(db), records: new DownloadRecords(db) };
    dataRoot = running().config.wis2.dataFolder;
    base = files.base;
    files.fallback = (path) => ({ body: body(path), ...(path.startsWith('/slow/') ? { delayMs: 150 } : {}) });
  });

  after(() => client?.close());

  beforeEach(async () => {
    await db.collection('agendaJobs').deleteMany({});
    await db.collection('wis2_download_batches').deleteMany({});
    inserts.length = 0;
    doneMarks.length = 0;
    files.forget();
  });

  /** Runs `work` with the download jobs defined and started, stopping the agenda after. */
  async function withWorkers(seen: DownloadResult[], work: (agenda: Agenda) => Promise<void>, extra: { maxAttempts?: number } = {}) {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }), processEvery: 100 });
    // A short lock lifetime: Agenda keeps a lock-check timer of half of it alive after each job.
    defineWis2DownloadJobs(agenda, { db, stores, dataRoot, allowPrivateNetworks: true, now: () => DAY, lockLifetimeMs: 4000, ...extra, onOutcome: (result) => void seen.push(result) });
    await agenda.start();
    try {
      await work(agenda);
    } finally {
      await agenda.stop();
    }
  }
  /** Waits for `done` (the harness's eventually: a clear failure if it never comes). */
  const until = (done: () => boolean, what: string) => eventually(async () => (done() ? true : undefined), 30_000, what);

  let seq = 0;
  const request = (extra: Partial<DownloadJobData> = {}): DownloadJobData => {
    seq += 1;
    const file = `/files/B_${seq}.bufr4`;
    return synopRequest(body(file), {
      subscriptionId: 'batch-sub',
      savePath: 'batched',
      messageId: `batch-msg-${seq}`,
      dataId: `de-dwd/synop/B_${seq}`,
      href: `${base}${file}`,
      ...extra,
    });
  };
  const jobInserts = () => inserts.filter((i) => i.collection === 'agendaJobs').map((i) => i.documents);

  /** A batch job's requests, from its own document in wis2_download_batches. */
  const requestsOf = async (job: Document): Promise<DownloadJobData[]> =>
    ((await db.collection('wis2_download_batches').findOne({ _id: job.data.batch }))?.requests ?? []).map((text: string) => JSON.parse(text));
  const storedBatches = async () =>
    Promise.all(
      (await db.collection('agendaJobs').find({}).sort({ _id: 1 }).toArray()).map(async (job) => ({ name: job.name, count: job.data.count, requests: (await requestsOf(job)).length })),
    );

  test('requests arriving together become one job per queue, of at most maxBatch requests, written with one insertMany', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const together = createBatchEnqueue(agenda, db);
    await Promise.all(Array.from({ length: 30 }, () => together.enqueue(request())));
    assert.deepEqual(jobInserts(), [1]);
    const small = createBatchEnqueue(agenda, db, { maxBatch: 8 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => small.enqueue(request({ queue: i < 20 ? 'small_files' : 'large_files' }))));
    assert.deepEqual(jobInserts(), [1, 5]);
    const small_ = 'wis2.download.small_files';
    const large = 'wis2.download.large_files';
    assert.deepEqual(
      (await storedBatches()).map((b) => [b.name, b.count, b.requests]),
      [[small_, 30, 30], [small_, 8, 8], [small_, 8, 8], [small_, 4, 4], [large, 8, 8], [large, 2, 2]],
    );
  });

  test('a batched job document has the fields and values of one written by agenda.now()', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const data = request({ queue: 'high_priority' });
    const before = new Date();
    await enqueueDownload(agenda, data);
    await createBatchEnqueue(agenda, db).enqueue(data);
    const [single, batched] = await db.collection('agendaJobs').find({}).sort({ _id: 1 }).toArray();
    const comparable = (doc: Document) => {
      const { _id, nextRunAt, data, ...rest } = doc;
      assert.ok(nextRunAt instanceof Date && nextRunAt >= new Date(before.getTime() - 1000) && nextRunAt <= new Date());
      return rest;
    };
    assert.deepEqual(comparable(batched), comparable(single));
    // The same request, kept in the job by agenda.now() and beside it by the batching enqueue.
    assert.deepEqual(single.data.requests.map((text: string) => JSON.parse(text)), [data]);
    assert.deepEqual(await requestsOf(batched), [data]);
    assert.equal(batched.data.count, 1);
    assert.equal(batched.name, 'wis2.download.high_priority');
    assert.deepEqual(Object.keys(batched).sort(), Object.keys(single).sort());
  });

  test('an unknown queue falls back to small_files, as enqueueDownload does', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    await createBatchEnqueue(agenda, db).enqueue(request({ queue: 'bulk' as DownloadJobData['queue'] }));
    assert.equal((await db.collection('agendaJobs').findOne({}))?.name, 'wis2.download.small_files');
  });

  test('a request that cannot be stored fails its own enqueue only; the rest of its batch is stored', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const batcher = createBatchEnqueue(agenda, db);
    const good = [request(), request()];
    // Requests travel as JSON text: a value JSON cannot hold (never in a real notification) is refused on its own.
    const bad = request({ properties: { size: 1n } as unknown as DownloadJobData['properties'] });
    const results = await Promise.allSettled([batcher.enqueue(good[0]), batcher.enqueue(bad), batcher.enqueue(good[1])]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(jobInserts(), [1]);
    const [stored] = await db.collection('agendaJobs').find({}).toArray();
    assert.deepEqual((await requestsOf(stored)).map((r) => r.messageId), good.map((r) => r.messageId));
  });

  test('jobs written in batches are found, locked and run by the workers of defineWis2DownloadJobs', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }), processEvery: 100 });
    const seen: DownloadResult[] = [];
    // A short lock lifetime: Agenda keeps a lock-check timer of half of it alive after each job.
    defineWis2DownloadJobs(agenda, {
      db,
      stores,
      dataRoot,
      allowPrivateNetworks: true,
      now: () => DAY,
      lockLifetimeMs: 4000,
      onOutcome: (result) => void seen.push(result),
    });
    await agenda.start();
    try {
      const batcher = createBatchEnqueue(agenda, db);
      const requests = Array.from({ length: 40 }, (_, i) => request({ queue: i % 4 === 0 ? 'high_priority' : i % 4 === 1 ? 'large_files' : 'small_files' }));
      await Promise.all(requests.map((r) => batcher.enqueue(r)));
      assert.deepEqual(jobInserts(), [3], 'one insertMany of one job per queue');
      const deadline = Date.now() + 30_000;
      while (seen.length < requests.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.length, requests.length);
      assert.deepEqual(new Set(seen.map((s) => s.outcome.status)), new Set(['SUCCESS']));
      assert.deepEqual(new Set(seen.map((s) => s.record.messageId)), new Set(requests.map((r) => r.messageId)));
      for (const r of requests) {
        const file = new URL(r.href).pathname;
        assert.deepEqual(readFileSync(join(dataRoot, 'batched', '2026', '03', '05', file.split('/').pop()!)), body(file));
      }
      // removeOnComplete: nothing is left behind.
      for (let i = 0; i < 50 && (await db.collection('agendaJobs').countDocuments({})) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await db.collection('agendaJobs').countDocuments({}), 0);
      assert.equal(await db.collection('wis2_download_batches').countDocuments({}), 0, 'the requests go with their jobs');
    } finally {
      await agenda.stop();
    }
  });

  test('the downloads of every batch a process runs share their queue\'s concurrency', async () => {
    const seen: DownloadResult[] = [];
    await withWorkers(seen, async (agenda) => {
      const batcher = createBatchEnqueue(agenda, db);
      // Three batch jobs of high_priority (concurrency 8), written one after the other, all runnable at once.
      const requests = Array.from({ length: 30 }, () => {
        const r = request({ queue: 'high_priority' });
        return { ...r, href: r.href.replace('/files/', '/slow/'), integrity: null, expectedSize: null };
      });
      for (const part of [requests.slice(0, 10), requests.slice(10, 20), requests.slice(20)]) {
        await Promise.all(part.map((r) => batcher.enqueue(r)));
      }
      assert.deepEqual(jobInserts(), [1, 1, 1]);
      // A download is marked done after its outcome is reported, so the last marks may still be on their way.
      await until(() => seen.length === requests.length && doneMarks.length === requests.length, 'every outcome and done mark');
    });
    assert.deepEqual(seen.map((s) => s.outcome.status), Array(30).fill('SUCCESS'));
    assert.ok(files.mostInFlight <= 8, `at most 8 high_priority downloads at once, saw ${files.mostInFlight}`);
    // Each finished download was marked done in its job, for a worker that would take the job over.
    assert.deepEqual(doneMarks.sort((a, b) => a - b), [...Array(10).keys(), ...Array(10).keys(), ...Array(10).keys()].sort((a, b) => a - b));
  });

  test('a batch taken over from a dead worker runs only the downloads it had not finished', async () => {
    const seen: DownloadResult[] = [];
    const requests = Array.from({ length: 5 }, () => request());
    const job = await enqueueBatch(requests);
    // As a worker that died after finishing the first two would have left it.
    await db.collection('agendaJobs').updateOne({ _id: job }, { $set: { 'data.starts': 1, 'data.done': [0, 1] } });
    await withWorkers(seen, async () => void (await until(() => seen.length === 3, 'three outcomes')));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seen.map((s) => s.record.messageId).sort(), requests.slice(2).map((r) => r.messageId).sort());
    assert.deepEqual(fetched().sort(), requests.slice(2).map((r) => new URL(r.href).pathname).sort());
  });

  test('a batch started GASFLUX_MAX_ATTEMPTS times records its unfinished downloads FAILED TooManyAttempts, fetching nothing', async () => {
    const seen: DownloadResult[] = [];
    const requests = Array.from({ length: 4 }, () => request());
    const job = await enqueueBatch(requests);
    await db.collection('agendaJobs').updateOne({ _id: job }, { $set: { 'data.starts': 3, 'data.done': [3] } });
    await withWorkers(seen, async () => void (await until(() => seen.length === 3, 'three outcomes')), { maxAttempts: 3 });
    assert.deepEqual(seen.map((s) => [s.record.messageId, s.outcome.status, s.record.errorClass]).sort(), requests.slice(0, 3).map((r) => [r.messageId, 'FAILED', 'TooManyAttempts']).sort());
    assert.deepEqual(fetched(), []);
  });

  /** Stores `requests` as one batch job, without running it; returns the job's id. */
  async function enqueueBatch(requests: DownloadJobData[]) {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const batcher = createBatchEnqueue(agenda, db);
    await Promise.all(requests.map((r) => batcher.enqueue(r)));
    const [stored] = await db.collection('agendaJobs').find({}).toArray();
    assert.equal(stored.data.count, requests.length);
    return stored._id;
  }
});
