/**
 * Dedup trackers and download locks (spec §5.4, DESIGN decision 8: per subscription): trackers in
 * the MongoDB collection `wis2_seen`, locks in `wis2_locks`. FerretDB v1 compatible: plain CRUD
 * only, no TTL index; expiry is a field compared at read time ({@link DedupStore.purgeExpired}
 * tidies up). A lock is claimed by inserting a document with a fixed `_id`; a duplicate-key error
 * (11000) means someone holds it.
 *
 * Every operation is one the bundled FerretDB serves through its `_id` index (src/infra/ferretdb.ts): an insert, or
 * a find, update or delete whose filter names `_id` or `_id: {$in: […]}`. Upserts and replaceOne are not, so
 * trackers (three per download, kept a day) are written by inserting them, an update by `_id` only when one exists
 * already. Inserts of concurrent downloads share round trips (InsertBatcher); use one store per
 * process for that, and so do tracker lookups and the releases of locks. Locks live in their own collection, which holds only the locks of running downloads.
 */
import type { Collection, Db } from 'mongodb';
import { DeleteByIdBatcher, FindByIdBatcher, InsertBatcher } from '../../infra/batched-commands.js';
import type { DedupKeyType, DownloadStatus } from '../../wis2/outcomes.js';

export const SEEN_COLLECTION = 'wis2_seen';
export const LOCK_COLLECTION = 'wis2_locks';

export interface SeenDocument {
  _id: string;
  kind: 'tracker' | 'lock';
  subscriptionId: string;
  type: DedupKeyType | 'lock';
  key: string;
  status: DownloadStatus;
  messageId: string;
  updatedAt: Date;
  expiresAt: Date;
}

export interface DedupKeys {
  subscriptionId: string;
  messageId: string | null;
  dataId: string | null;
  /** `properties.integrity.value` */
  hash: string | null;
}

export interface DedupHit {
  key: string;
  type: DedupKeyType;
}

export interface DedupStoreOptions {
  /** How long a final status is remembered; default 24 h (the WNM id-uniqueness window). */
  ttlMs?: number;
  /** How long a lock lives if its holder dies; default 300 s (REDIS_MESSAGE_LOCK). */
  lockTtlMs?: number;
}

const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

export class DedupStore {
  private readonly collection: Collection<SeenDocument>;
  private readonly locks: Collection<SeenDocument>;
  private readonly trackerInserts: InsertBatcher<SeenDocument>;
  private readonly lockInserts: InsertBatcher<SeenDocument>;
  private readonly lockDeletes: DeleteByIdBatcher<SeenDocument>;
  private readonly trackerLookups: FindByIdBatcher<SeenDocument>;
  readonly ttlMs: number;
  readonly lockTtlMs: number;

  constructor(db: Db, options: DedupStoreOptions = {}) {
    this.collection = db.collection<SeenDocument>(SEEN_COLLECTION);
    this.locks = db.collection<SeenDocument>(LOCK_COLLECTION);
    this.trackerInserts = new InsertBatcher(this.collection);
    this.lockInserts = new InsertBatcher(this.locks);
    this.lockDeletes = new DeleteByIdBatcher(this.locks);
    this.trackerLookups = new FindByIdBatcher(this.collection);
    this.ttlMs = options.ttlMs ?? 24 * 3600_000;
    this.lockTtlMs = options.lockTtlMs ?? 300_000;
  }

  /** The trackers present for a message, in the reference's order: by-msg-id, by-data-id, by-hash. */
  static trackers(keys: DedupKeys): Array<{ id: string; type: DedupKeyType; key: string }> {
    const list: Array<[DedupKeyType, string | null]> = [
      ['by-msg-id', keys.messageId],
      ['by-data-id', keys.dataId],
      ['by-hash', keys.hash],
    ];
    return list
      .filter((entry): entry is [DedupKeyType, string] => typeof entry[1] === 'string' && entry[1] !== '')
      .map(([type, key]) => ({ id: `${keys.subscriptionId}|${type}|${key}`, type, key }));
  }

  /**
   * The first tracker with an unexpired SUCCESS, or null. `skip` leaves tracker types out (an
   * `update` link is not blocked by the data id or the hash of the data it replaces).
   */
  async findSuccess(keys: DedupKeys, skip: DedupKeyType[] = [], now = new Date()): Promise<DedupHit | null> {
    const wanted = DedupStore.trackers(keys).filter((t) => !skip.includes(t.type));
    if (wanted.length === 0) return null;
    const found = await this.trackerLookups.find(wanted.map((t) => t.id));
    const docs = wanted.map((t) => found.get(t.id));
    for (let i = 0; i < wanted.length; i++) {
      const doc = docs[i];
      if (doc && doc.status === 'SUCCESS' && doc.expiresAt > now) return { key: wanted[i].key, type: wanted[i].type };
    }
    return null;
  }

  /** Writes the final status to every tracker present, resetting the TTL (§5.4 step 6). */
  async record(keys: DedupKeys, status: DownloadStatus, now = new Date()): Promise<void> {
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await Promise.all(
      DedupStore.trackers(keys).map(async (tracker) => {
        const { _id, ...fields }: SeenDocument = {
          _id: tracker.id,
          kind: 'tracker',
          subscriptionId: keys.subscriptionId,
          type: tracker.type,
          key: tracker.key,
          status,
          messageId: keys.messageId ?? '',
          updatedAt: now,
          expiresAt,
        };
        // Insert, else update: an upsert or replaceOne reads the whole collection on FerretDB even when it inserts.
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await this.trackerInserts.insert({ _id, ...fields });
            return;
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
          if ((await this.collection.updateOne({ _id }, { $set: fields })).matchedCount > 0) return;
          // Purged between the two: insert again.
        }
        throw new Error(`could not write the dedup tracker ${_id}`);
      }),
    );
  }

  /** The lock key: integrity value, else data id, else message id (§5.4 step 4). */
  static lockKey(keys: DedupKeys): string {
    return keys.hash || keys.dataId || keys.messageId || '';
  }

  /** Claims the lock for a message; false when another job holds an unexpired one. */
  async tryLock(keys: DedupKeys, now = new Date()): Promise<boolean> {
    const key = DedupStore.lockKey(keys);
    const _id = `${keys.subscriptionId}|lock|${key}`;
    const doc: SeenDocument = {
      _id,
      kind: 'lock',
      subscriptionId: keys.subscriptionId,
      type: 'lock',
      key,
      status: 'PENDING',
      messageId: keys.messageId ?? '',
      updatedAt: now,
      expiresAt: new Date(now.getTime() + this.lockTtlMs),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.lockInserts.insert(doc);
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // A lock left by a dead worker is taken over once it has expired.
        const removed = await this.locks.deleteOne({ _id, expiresAt: { $lte: now } });
        if (removed.deletedCount === 0) return false;
      }
    }
    return false;
  }

  async unlock(keys: DedupKeys): Promise<void> {
    await this.lockDeletes.delete(`${keys.subscriptionId}|lock|${DedupStore.lockKey(keys)}`);
  }

  /** Deletes expired trackers and locks. */
  async purgeExpired(now = new Date()): Promise<number> {
    const trackers = await this.collection.deleteMany({ expiresAt: { $lte: now } });
    const locks = await this.locks.deleteMany({ expiresAt: { $lte: now } });
    return trackers.deletedCount + locks.deletedCount;
  }
}
