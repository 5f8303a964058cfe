/**
 * Dedup trackers and download locks (spec §5.4, DESIGN decision 8: per subscription), in the
 * MongoDB collection `wis2_seen`. FerretDB v1 compatible: plain CRUD only, no TTL index; expiry
 * is a field compared at read time ({@link DedupStore.purgeExpired} tidies up). A lock is claimed
 * by inserting a document with a fixed `_id`; a duplicate-key error (11000) means someone holds it.
 */
import type { Collection, Db } from 'mongodb';
import type { DedupKeyType, DownloadStatus } from '../outcomes.js';

export const SEEN_COLLECTION = 'wis2_seen';

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
  readonly ttlMs: number;
  readonly lockTtlMs: number;

  constructor(db: Db, options: DedupStoreOptions = {}) {
    this.collection = db.collection<SeenDocument>(SEEN_COLLECTION);
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
    const docs = await this.collection.find({ _id: { $in: wanted.map((t) => t.id) } }).toArray();
    for (const tracker of wanted) {
      const doc = docs.find((d) => d._id === tracker.id);
      if (doc && doc.status === 'SUCCESS' && doc.expiresAt > now) return { key: tracker.key, type: tracker.type };
    }
    return null;
  }

  /** Writes the final status to every tracker present, resetting the TTL (§5.4 step 6). */
  async record(keys: DedupKeys, status: DownloadStatus, now = new Date()): Promise<void> {
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    for (const tracker of DedupStore.trackers(keys)) {
      await this.collection.replaceOne(
        { _id: tracker.id },
        {
          kind: 'tracker',
          subscriptionId: keys.subscriptionId,
          type: tracker.type,
          key: tracker.key,
          status,
          messageId: keys.messageId ?? '',
          updatedAt: now,
          expiresAt,
        },
        { upsert: true },
      );
    }
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
        await this.collection.insertOne(doc);
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // A lock left by a dead worker is taken over once it has expired.
        const removed = await this.collection.deleteOne({ _id, expiresAt: { $lte: now } });
        if (removed.deletedCount === 0) return false;
      }
    }
    return false;
  }

  async unlock(keys: DedupKeys): Promise<void> {
    await this.collection.deleteOne({ _id: `${keys.subscriptionId}|lock|${DedupStore.lockKey(keys)}`, kind: 'lock' });
  }

  /** Deletes expired trackers and locks. */
  async purgeExpired(now = new Date()): Promise<number> {
    return (await this.collection.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
