/**
 * Group commit: writes (and `_id` lookups) made while one of the same kind is under way go into the next one, as one
 * command, so concurrent callers share round trips instead of queueing one command each on the app's single
 * connection. A lone call is made at once. Each caller learns its own item's fate: a document the server refused (a duplicate `_id`:
 * code 11000) rejects that caller only, with the server's code.
 */
import { MongoBulkWriteError, type Collection, type Document, type Filter, type OptionalUnlessRequiredId } from 'mongodb';

/** Most items per command. */
const MAX_BATCH = 500;

/** A document the server refused, with its code (11000: duplicate key). */
export class InsertRefused extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'InsertRefused';
  }
}

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: Error) => void;
}

/** Runs `run` on what was submitted meanwhile, one call at a time; `run` gives each item its result or its error. */
export class GroupCommit<T, R = void> {
  private waiting: Pending<T, R>[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly run: (items: T[]) => Promise<Array<R | Error>>) {}

  submit(item: T): Promise<R> {
    const done = new Promise<R>((resolve, reject) => this.waiting.push({ item, resolve, reject }));
    this.running ??= this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    // Let the callers of this tick join the first call.
    await Promise.resolve();
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      let results: Array<R | Error>;
      try {
        results = await this.run(batch.map((p) => p.item));
      } catch (error) {
        results = batch.map(() => error as Error);
      }
      batch.forEach((p, i) => {
        const result = results[i];
        if (result instanceof Error) p.reject(result);
        else p.resolve(result);
      });
    }
    this.running = null;
  }
}

/** Inserts as one unordered `insertMany` per batch. */
export class InsertBatcher<T extends Document> {
  private readonly commit: GroupCommit<OptionalUnlessRequiredId<T>>;

  constructor(collection: Collection<T>) {
    this.commit = new GroupCommit(async (documents) => {
      const results: Array<void | Error> = documents.map(() => undefined);
      try {
        await collection.insertMany(documents, { ordered: false });
      } catch (error) {
        const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
        if (writeErrors.length === 0) throw error;
        for (const e of writeErrors) results[e.index] = new InsertRefused(e.errmsg ?? 'insert refused', e.code);
      }
      return results;
    });
  }

  /** Resolves once `document` is stored; rejects with InsertRefused if the server refused it, or the write's error. */
  insert(document: OptionalUnlessRequiredId<T>): Promise<void> {
    return this.commit.submit(document);
  }
}

/** Deletes by `_id` as one `deleteMany({_id: {$in}})` per batch (an index search on the bundled FerretDB). */
export class DeleteByIdBatcher<T extends Document & { _id: string }> {
  private readonly commit: GroupCommit<string>;

  constructor(collection: Collection<T>) {
    this.commit = new GroupCommit<string>(async (ids) => {
      await collection.deleteMany({ _id: { $in: ids } } as Filter<T>);
      return ids.map(() => undefined);
    });
  }

  /** Resolves once the document with `id`, if any, is deleted. */
  delete(id: string): Promise<void> {
    return this.commit.submit(id);
  }
}

/** Finds by `_id` as one `find({_id: {$in}})` for the lookups of all callers meanwhile. */
export class FindByIdBatcher<T extends Document & { _id: string }> {
  private readonly commit: GroupCommit<string[], Map<string, T>>;

  constructor(collection: Collection<T>) {
    this.commit = new GroupCommit(async (lists) => {
      const ids = [...new Set(lists.flat())];
      const found = new Map<string, T>();
      for (let start = 0; start < ids.length; start += MAX_BATCH) {
        const docs = await collection.find({ _id: { $in: ids.slice(start, start + MAX_BATCH) } } as Filter<T>).toArray();
        for (const doc of docs) found.set(doc._id, doc as T);
      }
      return lists.map(() => found);
    });
  }

  /** The documents with these ids that exist, by id. */
  async find(ids: string[]): Promise<Map<string, T>> {
    const found = await this.commit.submit(ids);
    return new Map(ids.flatMap((id) => (found.has(id) ? [[id, found.get(id)!] as const] : [])));
  }
}
