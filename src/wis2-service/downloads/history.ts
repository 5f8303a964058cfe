/**
 * Reading `wis2_downloads` page by page, newest first: filters on subscription, status and time, and keyset cursors
 * on (recordedAt, _id) so a page stays put while new records arrive. Served by the {subscriptionId, recordedAt} and
 * {recordedAt} indexes that DownloadRecords creates.
 */
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { DOWNLOADS_COLLECTION, type DownloadRecord } from './records.js';

export type DownloadOutcome = DownloadRecord['status'];

export interface DownloadHistoryQuery {
  subscriptionId?: string;
  /** Any of these (all when absent or empty). */
  statuses?: readonly DownloadOutcome[];
  /** recordedAt ≥ since. */
  since?: Date;
  /** recordedAt < until. */
  until?: Date;
}

/** A stored record with its id (the `_id` as a hex string). */
export interface DownloadEntry extends DownloadRecord {
  id: string;
}

/** A position between two records in newest-first order. */
export interface HistoryCursor {
  recordedAt: Date;
  id: ObjectId;
}

export interface HistoryPage {
  /** Records older than this cursor. */
  after?: HistoryCursor;
  /** Records newer than this cursor. */
  before?: HistoryCursor;
  limit: number;
  /** Oldest first from `before` (a backwards page); newest first otherwise. */
  inverted?: boolean;
}

type StoredRecord = DownloadRecord & { _id: ObjectId };

export function encodeCursor(entry: Pick<DownloadEntry, 'recordedAt' | 'id'>): string {
  return Buffer.from(`${entry.recordedAt.getTime()}:${entry.id}`).toString('base64url');
}

/** Null for anything that is not a cursor this module made. */
export function decodeCursor(cursor: string): HistoryCursor | null {
  const match = /^(-?\d{1,16}):([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) return null;
  const recordedAt = new Date(Number(match[1]));
  return Number.isNaN(recordedAt.getTime()) ? null : { recordedAt, id: new ObjectId(match[2]) };
}

/** Older than the cursor (`$lt`) or newer (`$gt`), in (recordedAt, _id) order. */
function beyond(cursor: HistoryCursor, op: '$lt' | '$gt'): Filter<StoredRecord> {
  return { $or: [{ recordedAt: { [op]: cursor.recordedAt } }, { recordedAt: cursor.recordedAt, _id: { [op]: cursor.id } }] };
}

export class DownloadHistory {
  private readonly collection: Collection<StoredRecord>;

  constructor(db: Db) {
    this.collection = db.collection<StoredRecord>(DOWNLOADS_COLLECTION);
  }

  count(query: DownloadHistoryQuery = {}): Promise<number> {
    return this.collection.countDocuments(this.filter(query));
  }

  async page(query: DownloadHistoryQuery, page: HistoryPage): Promise<DownloadEntry[]> {
    const clauses: Filter<StoredRecord>[] = [this.filter(query)];
    if (page.after) clauses.push(beyond(page.after, '$lt'));
    if (page.before) clauses.push(beyond(page.before, '$gt'));
    const direction = page.inverted ? 1 : -1;
    const docs = await this.collection
      .find(clauses.length === 1 ? clauses[0] : { $and: clauses })
      .sort({ recordedAt: direction, _id: direction })
      .limit(page.limit)
      .toArray();
    return docs.map(({ _id, ...record }) => ({ ...record, id: _id.toHexString() }));
  }

  private filter(query: DownloadHistoryQuery): Filter<StoredRecord> {
    const filter: Filter<StoredRecord> = {};
    if (query.subscriptionId !== undefined) filter.subscriptionId = query.subscriptionId;
    if (query.statuses && query.statuses.length > 0) filter.status = { $in: [...query.statuses] };
    if (query.since || query.until) {
      filter.recordedAt = {
        ...(query.since ? { $gte: query.since } : {}),
        ...(query.until ? { $lt: query.until } : {}),
      };
    }
    return filter;
  }
}
