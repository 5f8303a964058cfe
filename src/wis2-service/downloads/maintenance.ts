/**
 * What keeps the WIS2 collections from growing without bound: expired dedup trackers and locks, download records
 * past their retention (WIS2_RECORD_RETENTION_DAYS), and the requests of batch jobs that are gone (a job Agenda
 * failed or an operator removed). Each is a query the bundled FerretDB answers by reading the whole collection, so
 * it runs every few minutes on a connection of its own (Database.maintenanceDb), never in the way of the downloads.
 */
import type { Db } from 'mongodb';
import { AGENDA_JOBS_COLLECTION } from '../../infra/mongo.js';
import { BATCHES_COLLECTION, WIS2_DOWNLOAD_JOB_PREFIX, type BatchDocument } from './batch-jobs.js';
import type { Wis2MaintenanceStores } from './stores.js';

/** A batch younger than this may belong to a job whose insert has not landed yet (they are written one after the other). */
const BATCH_GRACE_MS = 3_600_000;

export interface Wis2Removals {
  dedup: number;
  records: number;
  batches: number;
}

export async function removeExpiredWis2Data(stores: Wis2MaintenanceStores, options: { recordRetentionDays: number; now?: Date }): Promise<Wis2Removals> {
  const now = options.now ?? new Date();
  const dedup = await stores.dedup.purgeExpired(now);
  const records = await stores.records.removeRecordedBefore(new Date(now.getTime() - options.recordRetentionDays * 86_400_000));
  const batches = await removeOrphanBatches(stores.db, now);
  return { dedup, records, batches };
}

async function removeOrphanBatches(db: Db, now: Date): Promise<number> {
  const jobs = await db
    .collection(AGENDA_JOBS_COLLECTION)
    .find({ name: { $regex: `^${WIS2_DOWNLOAD_JOB_PREFIX.replace('.', '\\.')}` }, 'data.batch': { $exists: true } }, { projection: { 'data.batch': 1 } })
    .toArray();
  const referenced = new Set(jobs.map((job) => String((job.data as { batch: unknown }).batch)));
  const batches = db.collection<BatchDocument>(BATCHES_COLLECTION);
  const orphans = (await batches.find({}, { projection: { _id: 1 } }).toArray())
    .map((batch) => batch._id)
    .filter((id) => !referenced.has(String(id)) && id.getTimestamp().getTime() < now.getTime() - BATCH_GRACE_MS);
  if (orphans.length === 0) return 0;
  return (await batches.deleteMany({ _id: { $in: orphans } })).deletedCount;
}
