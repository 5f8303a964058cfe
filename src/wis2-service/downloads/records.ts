/**
 * The download record (spec §5.11): one document per job outcome in `wis2_downloads`, with
 * status SUCCESS / SKIPPED / FAILED, the error class and reason, and what was fetched where.
 */
import { ObjectId, type Collection, type Db } from 'mongodb';
import { InsertBatcher } from '../../infra/batched-commands.js';
import type { DownloadStatus } from '../../wis2/outcomes.js';

export const DOWNLOADS_COLLECTION = 'wis2_downloads';

export interface DownloadRecord {
  subscriptionId: string;
  /** Notification message id (`id`). */
  messageId: string;
  dataId: string | null;
  metadataId: string | null;
  topic: string;
  centreId: string | null;
  /** Host of the download URL (the reference's `global_cache` / metrics `cache`). */
  cache: string;
  href: string;
  status: Exclude<DownloadStatus, 'PENDING'>;
  errorClass: string | null;
  reason: string | null;
  /** Final file path, when the file was saved. */
  path: string | null;
  save: boolean;
  size: number | null;
  expectedSize: number | null;
  mediaType: string | null;
  hashMethod: string | null;
  expectedHash: string | null;
  actualHash: string | null;
  validHash: boolean | null;
  overwrite: boolean;
  attempts: number;
  receivedAt: string | null;
  downloadStart: Date | null;
  downloadEnd: Date | null;
  recordedAt: Date;
  durationMs: number;
}

export class DownloadRecords {
  private readonly collection: Collection<DownloadRecord>;
  private readonly inserts: InsertBatcher<DownloadRecord & { _id: ObjectId }>;

  constructor(db: Db) {
    this.collection = db.collection<DownloadRecord>(DOWNLOADS_COLLECTION);
    this.inserts = new InsertBatcher(db.collection<DownloadRecord & { _id: ObjectId }>(DOWNLOADS_COLLECTION));
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ subscriptionId: 1, recordedAt: -1 });
    await this.collection.createIndex({ recordedAt: -1 });
  }

  /** Stores one record; returns its id. Records of concurrent downloads are written together (InsertBatcher). */
  async insert(record: DownloadRecord): Promise<string> {
    const _id = new ObjectId();
    await this.inserts.insert({ ...record, _id });
    return String(_id);
  }

  /** Removes the records of outcomes before `cutoff` (retention); returns how many. */
  async removeRecordedBefore(cutoff: Date): Promise<number> {
    return (await this.collection.deleteMany({ recordedAt: { $lt: cutoff } })).deletedCount;
  }

  /** Records of one subscription, newest first. */
  async forSubscription(subscriptionId: string, limit = 100): Promise<DownloadRecord[]> {
    return this.collection
      .find({ subscriptionId }, { projection: { _id: 0 } })
      .sort({ recordedAt: -1 })
      .limit(limit)
      .toArray();
  }
}
