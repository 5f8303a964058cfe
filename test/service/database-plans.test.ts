/**
 * The lookups the service makes on its growing collections are index searches, so their cost does not grow with the
 * data: by `_id` alone, by `_id` with more conditions (a task write on its version, a lock taken over once expired)
 * and by a list of `_id`s. On the bundled FerretDB that needs the patches in src/infra/ferretdb.ts (FERRETDB_PATCHES); a query
 * on a field without an index is shown to scan, so the check can fail. Runs on MONGODB_URI as well.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId, type Db, type Document } from 'mongodb';
import { useTestDatabase } from '../helpers/app-harness.ts';

/** FerretDB-SQLite reports SQLite's EXPLAIN QUERY PLAN lines; MongoDB its winning plan's stages. */
const usesIndex = (plan: Document) => /USING (?:INTEGER PRIMARY KEY|INDEX)|IDHACK|IXSCAN|EXPRESS/.test(JSON.stringify(plan));
const scans = (plan: Document) => /detail=SCAN |COLLSCAN/.test(JSON.stringify(plan));

describe('query plans of the hot lookups', () => {
  const database = useTestDatabase();
  let client: MongoClient;
  let db: Db;
  before(async () => {
    client = new MongoClient(database().uri, { maxPoolSize: 1 });
    await client.connect();
    db = client.db(`plans_${process.pid}`);
    const docs = Array.from({ length: 200 }, (_, i) => ({ _id: `k${i}` as never, status: 'SUCCESS', version: i, expiresAt: new Date() }));
    for (const name of ['tasks', 'task_claims', 'wis2_seen', 'wis2_locks']) await db.collection(name).insertMany(docs);
  });
  after(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await client?.close();
  });
  const explain = (collection: string, filter: Document) => db.command({ explain: { find: collection, filter, limit: 1 } });

  const lookups: Array<[string, string, Document]> = [
    ['a task read', 'tasks', { _id: 'k7' }],
    ['a versioned task write', 'tasks', { _id: 'k7', version: 7 }],
    ['an attempt claim', 'task_claims', { _id: 'k7' }],
    ['a dedup tracker', 'wis2_seen', { _id: 'k7' }],
    ['an expired lock taken over', 'wis2_locks', { _id: 'k7', expiresAt: { $lte: new Date() } }],
    ["a download's three dedup trackers", 'wis2_seen', { _id: { $in: ['k7', 'k8', 'k9'] } }],
  ];
  for (const [what, collection, filter] of lookups) {
    test(`${what} (${collection} ${JSON.stringify(filter)}) is an index search`, async () => {
      const plan = await explain(collection, filter);
      assert.ok(usesIndex(plan), JSON.stringify(plan));
      assert.ok(!scans(plan), JSON.stringify(plan));
    });
  }

  test('queries without a filter still answer (an aggregation without $match, the task counts of /health)', async () => {
    const rows = await db.collection('tasks').aggregate([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
    assert.deepEqual(rows, [{ _id: 'SUCCESS', n: 200 }]);
    assert.equal((await db.collection('tasks').find({}).sort({ version: -1 }).limit(1).toArray())[0]?._id, 'k199');
  });

  test('a list of _ids answers what MongoDB answers: exact types, duplicates, the other conditions too', async () => {
    const ids = db.collection<{ _id: unknown; n?: number }>('mixed_ids');
    const oid = new ObjectId();
    await ids.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }, { _id: oid, n: 3 }, { _id: 5, n: 5 }]);
    const found = async (filter: Document) => (await ids.find(filter).sort({ n: 1 }).toArray()).map((d) => d.n);
    assert.deepEqual(await found({ _id: { $in: ['a', 'b', 'a', 'zz'] } }), [1, 2]);
    assert.deepEqual(await found({ _id: { $in: [oid] } }), [3]);
    // FerretDB-SQLite's index holds an ObjectId as its hex text: the row comes back, its type check drops it.
    assert.deepEqual(await found({ _id: { $in: [oid.toHexString()] } }), [], 'a hex string does not match the ObjectId');
    assert.deepEqual(await found({ _id: { $in: ['a', 5] } }), [1, 5], 'a number in the list: answered without the index');
    assert.deepEqual(await found({ _id: { $in: ['a', 'b'] }, n: { $gt: 1 } }), [2]);
    assert.deepEqual(await found({ _id: { $in: [] } }), []);
    assert.equal((await ids.deleteMany({ _id: { $in: ['a', oid] } } as Document)).deletedCount, 2);
    assert.deepEqual(await found({}), [2, 5]);
  });

  test('a filter on a field without an index scans (the check above can fail)', async () => {
    const plan = await explain('tasks', { status: 'SUCCESS' });
    assert.ok(scans(plan), JSON.stringify(plan));
  });
});
