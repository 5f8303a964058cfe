/**
 * The WIS2 download collections' stores on one connection. The app builds them once (src/app.ts) and hands them to
 * whatever reads or writes those collections, so concurrent downloads share one store's batched writes and lookups.
 */
import type { Db } from 'mongodb';
import type { DedupStore } from './dedup-store.js';
import type { DownloadHistory } from './history.js';
import type { DownloadRecords } from './records.js';

export interface Wis2DownloadStores {
  dedup: DedupStore;
  records: DownloadRecords;
  history: DownloadHistory;
}

/** What the periodic removals use: the stores on the maintenance connection, and its database for the batch jobs. */
export interface Wis2MaintenanceStores {
  db: Db;
  dedup: DedupStore;
  records: DownloadRecords;
}
