/**
 * The cross-process event bus keeps each process's events in the order it published them, even when publishers do not
 * wait for each other (the WIS2 broker state, say), so what one worker said last is what every other process hears last.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { startTestDatabase, eventually, type TestDatabase } from '../helpers/app-harness.ts';
import { createMongoEventBus, type EventBus } from '../../src/infra/event-bus.ts';

type Topics = { tick: { from: string; n: number } };

let database: TestDatabase;
const clients: MongoClient[] = [];
const buses: EventBus<Topics>[] = [];

async function processBus(dbName: string): Promise<EventBus<Topics>> {
  // Each bus gets its own client and a pool of several connections, as a process on MongoDB would have.
  const client = await new MongoClient(database.uri, { maxPoolSize: 4 }).connect();
  clients.push(client);
  const bus = await createMongoEventBus<Topics>(client.db(dbName));
  buses.push(bus);
  return bus;
}

before(async () => {
  database = await startTestDatabase();
});
after(async () => {
  for (const bus of buses) await bus.close();
  for (const client of clients) await client.close();
  await database?.stop();
});

test('events published without waiting reach another process complete and in publishing order, per publisher', async () => {
  const dbName = `bus${randomUUID().slice(0, 8)}`;
  const listener = await processBus(dbName);
  const first = await processBus(dbName);
  const second = await processBus(dbName);
  const heard: { from: string; n: number }[] = [];
  listener.subscribe('tick', (tick) => heard.push(tick));

  const publishing: Promise<void>[] = [];
  for (let n = 0; n < 300; n++) {
    publishing.push(first.publish('tick', { from: 'first', n }), second.publish('tick', { from: 'second', n }));
  }
  await Promise.all(publishing);
  await eventually(async () => (heard.length >= 600 ? true : undefined), 30_000, 'all 600 events');
  for (const from of ['first', 'second']) {
    const order = heard.filter((tick) => tick.from === from).map((tick) => tick.n);
    assert.deepEqual(order, Array.from({ length: 300 }, (_, n) => n), `${from}'s events in order, each once`);
  }
});
