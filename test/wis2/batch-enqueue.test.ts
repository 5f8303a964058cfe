// createBatchEnqueue against FerretDB: the job documents it writes with one insertMany are the ones agenda.now()
// writes, and the download workers of defineWis2DownloadJobs find and run them.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { startTestDatabase, type TestDatabase } from '../helpers/app-harness.ts';
import { createBatchEnqueue } from '../../src/wis2/download/batch-enqueue.ts';
import { defineWis2DownloadJobs, enqueueDownload, type DownloadJobData, type DownloadResult } from '../../src/wis2/download/index.ts';

const DAY = new Date('2026-03-05T12:00:00Z');
const body = (name: string) => Buffer.concat([Buffer.from('BUFR'), Buffer.from(name.padEnd(200, '.')), Buffer.from('7777')]);
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

describe('batched enqueue of WIS2 downloads', () => {
  let database: TestDatabase;
  let client: MongoClient;
  let db: Db;
  let server: Server;
  let base: string;
  let dataRoot: string;
  const inserts: Array<{ collection: string; documents: number }> = [];

  before(async () => {
    database = await startTestDatabase();
    // One pooled connection, as the app uses with FerretDB.
    client = new MongoClient(database.uri, { maxPoolSize: 1, monitorCommands: true });
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'insert') inserts.push({ collection: event.command.insert, documents: event.command.documents.length });
    });
    await client.connect();
    db = client.db(`wis2_batch_${process.pid}_${Date.now()}`);
    dataRoot = mkdtempSync(join(tmpdir(), 'wis2-batch-'));
    server = createServer((req, res) => res.writeHead(200).end(body(req.url ?? '/')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await db?.dropDatabase().catch(() => undefined);
    await client?.close();
    await database?.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await db.collection('agendaJobs').deleteMany({});
    inserts.length = 0;
  });

  let seq = 0;
  const request = (extra: Partial<DownloadJobData> = {}): DownloadJobData => {
    seq += 1;
    const file = `/files/B_${seq}.bufr4`;
    return {
      subscriptionId: 'batch-sub',
      savePath: 'batched',
      topic: 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop',
      centreId: 'de-dwd',
      messageId: `batch-msg-${seq}`,
      dataId: `de-dwd/synop/B_${seq}`,
      metadataId: 'urn:wmo:md:de-dwd:synop',
      pubtime: '2026-03-05T11:55:00Z',
      href: `${base}${file}`,
      overwrite: false,
      expectedSize: body(file).byteLength,
      integrity: { method: 'sha512', value: sha512(body(file)) },
      declaredMediaType: 'application/bufr',
      filter: {},
      queue: 'small_files',
      receivedAt: '2026-03-05T11:56:00Z',
      ...extra,
    };
  };
  const jobInserts = () => inserts.filter((i) => i.collection === 'agendaJobs').map((i) => i.documents);

  test('requests arriving together are written with one insertMany per batch of at most maxBatch', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const together = createBatchEnqueue(agenda);
    await Promise.all(Array.from({ length: 30 }, () => together.enqueue(request())));
    assert.deepEqual(jobInserts(), [30]);
    const small = createBatchEnqueue(agenda, { maxBatch: 8 });
    await Promise.all(Array.from({ length: 30 }, () => small.enqueue(request())));
    assert.deepEqual(jobInserts(), [30, 8, 8, 8, 6]);
    assert.equal(await db.collection('agendaJobs').countDocuments({ name: 'wis2.download.small_files' }), 60);
  });

  test('a batched job document has the fields and values of one written by agenda.now()', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const data = request({ queue: 'high_priority' });
    const before = new Date();
    await enqueueDownload(agenda, data);
    await createBatchEnqueue(agenda).enqueue(data);
    const [single, batched] = await db.collection('agendaJobs').find({}).sort({ _id: 1 }).toArray();
    const comparable = (doc: Document) => {
      const { _id, nextRunAt, ...rest } = doc;
      assert.ok(nextRunAt instanceof Date && nextRunAt >= new Date(before.getTime() - 1000) && nextRunAt <= new Date());
      return rest;
    };
    assert.deepEqual(comparable(batched), comparable(single));
    assert.equal(batched.name, 'wis2.download.high_priority');
    assert.deepEqual(Object.keys(batched).sort(), Object.keys(single).sort());
  });

  test('an unknown queue falls back to small_files, as enqueueDownload does', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    await createBatchEnqueue(agenda).enqueue(request({ queue: 'bulk' as DownloadJobData['queue'] }));
    assert.equal((await db.collection('agendaJobs').findOne({}))?.name, 'wis2.download.small_files');
  });

  test('a document the database refuses fails its own enqueue only; the rest of its batch is stored', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }) });
    await agenda.ready;
    const batcher = createBatchEnqueue(agenda);
    const good = [request(), request()];
    // Field names with a dot are refused by FerretDB (and by MongoDB before 5.0), as they would be from agenda.now().
    // The request travels as JSON text, so only a clear field can carry one: a (never real) object as subscription id.
    const bad = request({ subscriptionId: { 'odd.key': 1 } as unknown as string });
    const results = await Promise.allSettled([batcher.enqueue(good[0]), batcher.enqueue(bad), batcher.enqueue(good[1])]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(jobInserts(), [3]);
    const stored = await db.collection('agendaJobs').find({}).toArray();
    assert.deepEqual(stored.map((d) => d.data.messageId).sort(), good.map((r) => r.messageId).sort());
  });

  test('jobs written in batches are found, locked and run by the workers of defineWis2DownloadJobs', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }), processEvery: 100 });
    const seen: DownloadResult[] = [];
    // A short lock lifetime: Agenda keeps a lock-check timer of half of it alive after each job.
    defineWis2DownloadJobs(agenda, {
      db,
      dataRoot,
      allowPrivateNetworks: true,
      now: () => DAY,
      lockLifetimeMs: 4000,
      onOutcome: (result) => void seen.push(result),
    });
    await agenda.start();
    try {
      const batcher = createBatchEnqueue(agenda);
      const requests = Array.from({ length: 40 }, (_, i) => request({ queue: i % 4 === 0 ? 'high_priority' : i % 4 === 1 ? 'large_files' : 'small_files' }));
      await Promise.all(requests.map((r) => batcher.enqueue(r)));
      assert.deepEqual(jobInserts(), [40]);
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
    } finally {
      await agenda.stop();
    }
  });
});
