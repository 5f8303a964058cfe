/**
 * Live events between the parts of the service. In one process they go through an EventEmitter. When API and
 * worker roles run in separate processes, every event is also appended to a capped MongoDB collection that each
 * process tails, so a websocket client on any API process sees what any worker did.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Db, Collection } from 'mongodb';
import { ObjectId } from 'mongodb';

export interface EventBus<Topics extends Record<string, unknown>> {
  publish<T extends keyof Topics & string>(topic: T, payload: Topics[T]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<T extends keyof Topics & string>(topic: T, listener: (payload: Topics[T]) => void): () => void;
  close(): Promise<void>;
}

export function createMemoryEventBus<Topics extends Record<string, unknown>>(): EventBus<Topics> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(topic, payload) {
      emitter.emit(topic, payload);
    },
    subscribe(topic, listener) {
      emitter.on(topic, listener);
      return () => emitter.off(topic, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

interface StoredEvent {
  _id: ObjectId;
  origin: string;
  topic: string;
  payload: unknown;
}

const COLLECTION = 'events';
const CAPPED_BYTES = 16 * 1024 * 1024;

/**
 * Appends this process's events to the collection strictly in the order they were published, even when publishers
 * do not wait for each other (concurrent insertOne calls would race over the pool's connections): one write at a
 * time, each taking everything published meanwhile as one ordered insertMany.
 */
class OrderedOutbox {
  private waiting: { event: StoredEvent; done: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly events: Collection<StoredEvent>) {}

  append(event: StoredEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      let failure: unknown;
      try {
        await this.events.insertMany(batch.map((entry) => entry.event), { ordered: true });
      } catch (error) {
        failure = error ?? new Error('event insert failed');
      }
      for (const entry of batch) entry.done(failure);
    }
    this.writing = false;
  }
}

/**
 * Seconds by which a resumed tail reaches back. ObjectIds of different processes do not follow insertion order (an id
 * is made before its insert, and ids of one second are ordered by a per-process random part), so resuming after the
 * last id seen would skip some events and repeat others: the tail resumes a little earlier and drops the repeats.
 */
const RESUME_OVERLAP_S = 10;

/** Ids of the events delivered within the resume overlap (and a little more), to deliver each event once. */
class DeliveredEvents {
  private readonly seen = new Map<string, number>();
  private newestSeconds = 0;

  /** False when the event was delivered already. */
  admit(id: ObjectId): boolean {
    const key = id.toHexString();
    if (this.seen.has(key)) return false;
    const seconds = id.getTimestamp().getTime() / 1000;
    this.seen.set(key, seconds);
    if (seconds > this.newestSeconds) {
      this.newestSeconds = seconds;
      for (const [k, at] of this.seen) if (at < seconds - 2 * RESUME_OVERLAP_S) this.seen.delete(k);
    }
    return true;
  }

  resumePoint(): ObjectId {
    return ObjectId.createFromTime(Math.max(0, this.newestSeconds - RESUME_OVERLAP_S));
  }
}

/** The cross-process bus: local delivery at once, remote delivery through a tailable cursor on a capped collection. */
export async function createMongoEventBus<Topics extends Record<string, unknown>>(
  db: Db,
  onError: (error: unknown) => void = () => {},
): Promise<EventBus<Topics>> {
  const local = createMemoryEventBus<Topics>();
  const origin = randomUUID();
  const existing = await db.listCollections({ name: COLLECTION }).toArray();
  if (existing.length === 0) {
    try {
      await db.createCollection(COLLECTION, { capped: true, size: CAPPED_BYTES });
    } catch (error) {
      if ((error as { code?: number }).code !== 48) throw error; // created meanwhile by another process
    }
  }
  const events: Collection<StoredEvent> = db.collection(COLLECTION);
  const delivered = new DeliveredEvents();
  // What is already there is history, not news: remembered as delivered so the resume overlap does not replay it.
  const newest = await events.find({}).sort({ _id: -1 }).limit(1).toArray();
  if (newest[0]) {
    const recent = events.find({ _id: { $gte: ObjectId.createFromTime(newest[0]._id.getTimestamp().getTime() / 1000 - RESUME_OVERLAP_S) } }).project({ _id: 1 });
    for await (const { _id } of recent) delivered.admit(_id as ObjectId);
  }
  let closed = false;

  const tail = async () => {
    while (!closed) {
      const cursor = events.find({ _id: { $gt: delivered.resumePoint() } }, { tailable: true, awaitData: true, maxAwaitTimeMS: 250 });
      try {
        for await (const event of cursor) {
          if (closed) break;
          if (!delivered.admit(event._id) || event.origin === origin) continue;
          await local.publish(event.topic as keyof Topics & string, event.payload as Topics[keyof Topics & string]);
        }
      } catch (error) {
        if (!closed) onError(error);
      } finally {
        await cursor.close().catch(() => {});
      }
      if (!closed) await new Promise((r) => setTimeout(r, 100));
    }
  };
  const tailing = tail();

  const outbox = new OrderedOutbox(events);

  return {
    async publish(topic, payload) {
      await local.publish(topic, payload);
      await outbox.append({ _id: new ObjectId(), origin, topic, payload });
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      await local.close();
      await Promise.race([tailing, new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}
