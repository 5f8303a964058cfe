/**
 * The WIS2 collections stay bounded (src/wis2-service/downloads/maintenance.ts), against the real database: expired trackers
 * and locks, records past their retention and the requests of batch jobs that are gone are removed; nothing live is.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { useTestApp } from '../helpers/app-harness.ts';
import { removeExpiredWis2Data } from '../../src/wis2-service/downloads/maintenance.ts';
import { DedupStore } from '../../src/wis2-service/downloads/dedup-store.ts';
import { DownloadRecords } from '../../src/wis2-service/downloads/records.ts';

const DAY = 86_400_000;

describe('WIS2 maintenance', () => {
  // An API process: it runs no removals of its own.
  const running = useTestApp({ role: 'api' });

  test('removes expired trackers, records past retention and orphaned batches, and keeps everything else', async () => {
    const { db } = running().app.services().database;
    const now = new Date('2026-12-04T12:00:00Z');
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const store = new DedupStore(db, { ttlMs: DAY });
    const stores = { db, dedup: store, records: new DownloadRecords(db) };
    await store.record({ subscriptionId: 's', messageId: 'old', dataId: null, hash: null }, 'SUCCESS', ago(2 * DAY));
    await store.record({ subscriptionId: 's', messageId: 'fresh', dataId: null, hash: null }, 'SUCCESS', ago(3_600_000));
    await db.collection('wis2_downloads').insertMany([
      { messageId: 'from-last-month', recordedAt: ago(31 * DAY) },
      { messageId: 'from-yesterday', recordedAt: ago(DAY) },
    ]);
    const orphanOld = ObjectId.createFromTime((now.getTime() - 2 * 3_600_000) / 1000);
    const orphanNew = ObjectId.createFromTime(now.getTime() / 1000 - 60);
    const referenced = ObjectId.createFromTime((now.getTime() - 2 * 3_600_000) / 1000 + 1);
    await db.collection('wis2_download_batches').insertMany([
      { _id: orphanOld, requests: ['{}'] },
      { _id: orphanNew, requests: ['{}'] },
      { _id: referenced, requests: ['{}'] },
    ]);
    await db.collection('agendaJobs').insertOne({ name: 'wis2.download.small_files', nextRunAt: now, lockedAt: null, data: { count: 1, batch: referenced } });

    const removed = await removeExpiredWis2Data(stores, { recordRetentionDays: 30, now });
    assert.deepEqual(removed, { dedup: 1, records: 1, batches: 1 });
    assert.deepEqual((await db.collection('wis2_seen').find({}).toArray()).map((t) => t.messageId), ['fresh']);
    assert.deepEqual((await db.collection('wis2_downloads').find({}).toArray()).map((r) => r.messageId), ['from-yesterday']);
    assert.deepEqual((await db.collection('wis2_download_batches').find({}).sort({ _id: 1 }).toArray()).map((b) => String(b._id)), [String(referenced), String(orphanNew)]);
    assert.deepEqual(await removeExpiredWis2Data(stores, { recordRetentionDays: 30, now }), { dedup: 0, records: 0, batches: 0 }, 'nothing left to remove');
  });
});
