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
  /** This origin's count of published events: the order its receivers deliver them in. */
  seq: number;
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
  private waiting: { event: Omit<StoredEvent, '_id'>; done: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly events: Collection<StoredEvent>) {}

  append(event: Omit<StoredEvent, '_id'>): Promise<void> {
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
        // The server makes the ids, so they follow the order of insertion across processes: FerretDB's tailable
        // cursor resumes after the last id it returned, and ids made by two clients interleave by a random part.
        await this.events.insertMany(batch.map((entry) => ({ ...entry.event }) as StoredEvent), { ordered: true, forceServerObjectId: true });
      } catch (error) {
        failure = error ?? new Error('event insert failed');
      }
      for (const entry of batch) entry.done(failure);
    }
    this.writing = false;
  }
}

/**
 * How far back the catch-up sweep reads, and how long a gap in one process's sequence is waited for. On FerretDB a
 * tailable cursor can pass over an event that another connection commits late (it resumes after the last record it
 * returned), so besides the tail every receiver reads the last seconds again and fills the gaps it finds.
 */
const SWEEP_EVERY_MS = 1000;
const SWEEP_BACK_S = 5;
const GAP_WAIT_MS = 3000;

/**
 * Delivers each process's events once and in the order that process published them (its `seq`), whatever order
 * the tail and the sweep find them in. A gap is waited for GAP_WAIT_MS, then passed over (the event was lost).
 */
class OriginOrder<E extends { origin: string; seq: number }> {
  private readonly origins = new Map<string, { next: number; held: Map<number, E>; since: number }>();

  constructor(private readonly deliver: (event: E) => void) {}

  /** `known` marks history present before this process started: never delivered, only where each origin stands. */
  take(event: E, known = false): void {
    if (!Number.isInteger(event.seq)) return; // written by a version without sequence numbers: nothing to order by
    let state = this.origins.get(event.origin);
    if (!state) {
      // A process first heard of mid-stream: it starts at this event unless an earlier one turns up within the wait.
      state = { next: known ? event.seq + 1 : event.seq === 1 ? 1 : -1, held: new Map(), since: Date.now() };
      this.origins.set(event.origin, state);
      if (known) return;
    }
    if (known) {
      state.next = Math.max(state.next, event.seq + 1);
      return;
    }
    if ((state.next !== -1 && event.seq < state.next) || state.held.has(event.seq)) return; // delivered or held already
    if (state.held.size === 0) state.since = Date.now();
    state.held.set(event.seq, event);
    this.release(state);
  }

  /** Passes over gaps that have been waited for long enough. */
  expire(now = Date.now()): void {
    for (const state of this.origins.values()) {
      if (state.held.size === 0 || now - state.since < GAP_WAIT_MS) continue;
      state.next = Math.min(...state.held.keys());
      this.release(state);
    }
  }

  private release(state: { next: number; held: Map<number, E>; since: number }): void {
    if (state.next === -1) return; // still waiting to learn where this process starts
    let advanced = false;
    while (state.held.has(state.next)) {
      const event = state.held.get(state.next)!;
      state.held.delete(state.next);
      state.next += 1;
      advanced = true;
      this.deliver(event);
    }
    // What is still held now waits behind a new gap.
    if (advanced) state.since = Date.now();
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
  const order = new OriginOrder<StoredEvent>((event) => {
    if (event.origin !== origin) void local.publish(event.topic as keyof Topics & string, event.payload as Topics[keyof Topics & string]);
  });
  // What is already there is history, not news: it only tells where each process stands.
  const since = () => ObjectId.createFromTime(Math.max(0, Math.floor(Date.now() / 1000) - SWEEP_BACK_S));
  for await (const event of events.find({ _id: { $gte: since() } })) order.take(event, true);
  let lastSeen = (await events.find({}).sort({ _id: -1 }).limit(1).toArray())[0]?._id ?? ObjectId.createFromTime(0);
  let closed = false;

  const tail = async () => {
    while (!closed) {
      const cursor = events.find({ _id: { $gt: lastSeen } }, { tailable: true, awaitData: true, maxAwaitTimeMS: 250 });
      try {
        for await (const event of cursor) {
          if (closed) break;
          lastSeen = event._id;
          order.take(event);
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
  // One sweep at a time: on a slow database they would otherwise pile up behind each other.
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      for await (const event of events.find({ _id: { $gte: since() } })) order.take(event);
      order.expire();
    })()
      .catch((error: unknown) => {
        if (!closed) onError(error);
      })
      .finally(() => (sweeping = false));
  }, SWEEP_EVERY_MS);

  const outbox = new OrderedOutbox(events);
  let seq = 0;

  return {
    async publish(topic, payload) {
      await local.publish(topic, payload);
      seq += 1;
      await outbox.append({ origin, seq, topic, payload });
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      clearInterval(sweeper);
      await local.close();
      await Promise.race([tailing, new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}
