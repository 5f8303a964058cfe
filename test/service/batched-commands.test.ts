/**
 * Inserts and deletes of concurrent writers share round trips (src/infra/batched-commands.ts), against the real
 * database: each caller still learns its own document's fate, and nothing waits when nothing else is being written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { startTestDatabase, type TestDatabase } from '../helpers/app-harness.ts';
import { DeleteByIdBatcher, FindByIdBatcher, InsertBatcher, InsertRefused } from '../../src/infra/batched-commands.ts';

describe('batched commands', () => {
  let database: TestDatabase;
  let client: MongoClient;
  let db: Db;
  const inserts: number[] = [];
  const deletes: number[] = [];
  const finds: number[] = [];

  before(async () => {
    database = await startTestDatabase();
    client = new MongoClient(database.uri, { maxPoolSize: 1, monitorCommands: true });
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'insert' && event.command.insert === 'batched') inserts.push(event.command.documents.length);
      if (event.commandName === 'find' && event.command.find === 'batched' && event.command.filter._id) finds.push(event.command.filter._id.$in.length);
      if (event.commandName === 'delete' && event.command.delete === 'batched') deletes.push(event.command.deletes[0].q._id.$in.length);
    });
    await client.connect();
    db = client.db(`insert_batcher_${process.pid}`);
  });
  after(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await client?.close();
    await database?.stop();
  });

  test('100 concurrent inserts take a few insertMany commands, a lone one is written at once, and all are stored', async () => {
    const batcher = new InsertBatcher<{ _id: string; n: number }>(db.collection('batched'));
    await batcher.insert({ _id: 'alone', n: -1 });
    assert.deepEqual(inserts, [1]);
    await Promise.all(Array.from({ length: 100 }, (_, n) => batcher.insert({ _id: `doc-${n}`, n })));
    assert.ok(inserts.length <= 3, `100 documents in ${inserts.length - 1} commands`);
    assert.equal(inserts.slice(1).reduce((a, b) => a + b, 0), 100);
    assert.equal(await db.collection('batched').countDocuments({}), 101);
  });

  test('a duplicate _id rejects its own caller with code 11000, the others of its batch are stored', async () => {
    const batcher = new InsertBatcher<{ _id: string }>(db.collection('dups'));
    await batcher.insert({ _id: 'taken' });
    const results = await Promise.allSettled([batcher.insert({ _id: 'a' }), batcher.insert({ _id: 'taken' }), batcher.insert({ _id: 'b' }), batcher.insert({ _id: 'a' })]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof InsertRefused && r.reason.code === 11000, String(r.reason));
    assert.deepEqual((await db.collection('dups').find({}).sort({ _id: 1 }).toArray()).map((d) => d._id), ['a', 'b', 'taken']);
  });

  test('concurrent lookups by _id take a few finds, and each caller gets exactly the documents it asked for', async () => {
    const finder = new FindByIdBatcher(db.collection<{ _id: string; n: number }>('batched'));
    const asked = Array.from({ length: 40 }, (_, i) => [`doc-${i}`, `doc-${i + 1}`, `missing-${i}`]);
    const answers = await Promise.all(asked.map((ids) => finder.find(ids)));
    assert.ok(finds.length >= 1 && finds.length <= 3, `40 lookups in ${finds.length} finds`);
    answers.forEach((found, i) => assert.deepEqual([...found].map(([id, doc]) => [id, doc.n]), [[`doc-${i}`, i], [`doc-${i + 1}`, i + 1]]));
  });

  test('concurrent deletes by _id take a few deleteMany commands and remove exactly those documents', async () => {
    const collection = db.collection<{ _id: string; n: number }>('batched');
    const deleter = new DeleteByIdBatcher(collection);
    await Promise.all(Array.from({ length: 50 }, (_, n) => deleter.delete(`doc-${n}`)).concat(deleter.delete('never-stored')));
    assert.ok(deletes.length >= 1 && deletes.length <= 3, `51 deletes in ${deletes.length} commands`);
    assert.equal(deletes.reduce((a, b) => a + b, 0), 51);
    const left = (await collection.find({}).toArray()).map((d) => d._id).sort();
    assert.deepEqual(left, ['alone', ...Array.from({ length: 50 }, (_, n) => `doc-${n + 50}`)].sort());
  });
});
