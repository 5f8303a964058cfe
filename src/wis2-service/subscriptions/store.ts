/**
 * `wis2_subscriptions` in MongoDB: plain CRUD by `_id` (FerretDB v1 compatible — no transactions, no aggregation).
 * Connection-level failures become {@link StoreUnavailableError} so the API can answer 503.
 */
import { MongoError, type Collection, type Db } from 'mongodb';
import type { SubscriptionDocument } from './model.js';

export const SUBSCRIPTIONS_COLLECTION = 'wis2_subscriptions';

export class StoreUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClosedError',
]);

export function isUnavailable(error: unknown): boolean {
  return error instanceof MongoError && UNAVAILABLE.has(error.name);
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isUnavailable(error) ? new StoreUnavailableError(error) : error;
  }
}

export class SubscriptionStore {
  private readonly collection: Collection<SubscriptionDocument>;

  constructor(private readonly db: Db) {
    this.collection = db.collection<SubscriptionDocument>(SUBSCRIPTIONS_COLLECTION);
  }

  insert(doc: SubscriptionDocument): Promise<void> {
    return guard(async () => {
      await this.collection.insertOne(doc);
    });
  }

  get(id: string): Promise<SubscriptionDocument | null> {
    return guard(() => this.collection.findOne({ _id: id }));
  }

  list(): Promise<SubscriptionDocument[]> {
    return guard(() => this.collection.find({}).sort({ created_at: 1, _id: 1 }).toArray());
  }

  /** Replaces the stored document; false when it no longer exists. */
  replace(doc: SubscriptionDocument): Promise<boolean> {
    return guard(async () => (await this.collection.replaceOne({ _id: doc._id }, doc)).matchedCount === 1);
  }

  delete(id: string): Promise<boolean> {
    return guard(async () => (await this.collection.deleteOne({ _id: id })).deletedCount === 1);
  }

  /** True when the database answers a ping within `timeoutMs`. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.db.command({ ping: 1 }).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
