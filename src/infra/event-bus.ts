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
  const newest = await events.find({}).sort({ _id: -1 }).limit(1).toArray();
  let lastSeen = newest[0]?._id ?? ObjectId.createFromTime(0);
  let closed = false;

  const tail = async () => {
    while (!closed) {
      const cursor = events.find({ _id: { $gt: lastSeen } }, { tailable: true, awaitData: true, maxAwaitTimeMS: 250 });
      try {
        for await (const event of cursor) {
          if (closed) break;
          lastSeen = event._id;
          if (event.origin === origin) continue;
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

  return {
    async publish(topic, payload) {
      await local.publish(topic, payload);
      await events.insertOne({ _id: new ObjectId(), origin, topic, payload });
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      await local.close();
      await Promise.race([tailing, new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}
