/**
 * Two workers never run the same attempt: 20 workers, each with its own database connection (as separate processes
 * have), start the same task at once; exactly one gets it, every round of 50. FerretDB's conditional updates are not
 * atomic across connections (2 to 14 of 20 won a round before attempts were claimed by a unique insert).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { queueUploadedFile, useTestApp } from '../helpers/app-harness.ts';
import { createMemoryEventBus } from '../../src/infra/event-bus.ts';
import { TaskService, type FluxJobQueue, type TaskTopics } from '../../src/domain/task-service.ts';
import { TaskStore } from '../../src/domain/task-store.ts';

const WORKERS = 20;
const ROUNDS = 50;
const noQueue: FluxJobQueue = { enqueue: async () => {}, cancel: async () => {}, reprioritise: async () => {} };

describe('claiming a task attempt', () => {
  const app = useTestApp({ role: 'api' });
  const clients: MongoClient[] = [];
  let workers: TaskService[] = [];

  before(async () => {
    const running = app();
    const { database: connected, log } = running.app.services();
    for (let w = 0; w < WORKERS; w++) {
      const client = new MongoClient(running.database.uri, { maxPoolSize: 1 });
      await client.connect();
      clients.push(client);
    }
    workers = clients.map((client) => new TaskService(new TaskStore(client.db(connected.db.databaseName)), createMemoryEventBus<TaskTopics>(), noQueue, running.config, log));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  test(`${WORKERS} workers on their own connections start one task at once: exactly one wins, ${ROUNDS} rounds`, async () => {
    const running = app();
    const winnersPerRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const task = await queueUploadedFile(running, 'latitude\n', 'flight.csv');
      const started = await Promise.all(workers.map((w) => w.startAttempt(task.id)));
      winnersPerRound.push(started.filter((t) => t !== null).length);
      const stored = await new TaskStore(clients[0].db(running.app.services().database.db.databaseName)).get(task.id);
      assert.equal(stored?.attempts, 1, `round ${round}: one attempt recorded`);
    }
    assert.deepEqual(winnersPerRound, new Array(ROUNDS).fill(1));
  });

  test('a claim whose holder died before recording its attempt is passed over: the next worker starts attempt 2', async () => {
    const running = app();
    const task = await queueUploadedFile(running, 'latitude\n', 'flight.csv');
    const store = new TaskStore(clients[0].db(running.app.services().database.db.databaseName));
    // A worker claimed attempt 1 two minutes ago and died before writing it.
    assert.equal(await store.claimAttempt(task.id, 1, new Date(Date.now() - 120_000)), true);
    assert.equal(await workers[1].startAttempt(task.id, 3, 60_000).then((t) => t?.attempts), 2);
    // A claim as fresh as a live worker's is respected.
    const other = await queueUploadedFile(running, 'latitude\n', 'flight.csv');
    assert.equal(await store.claimAttempt(other.id, 1), true);
    assert.equal(await workers[2].startAttempt(other.id, 3, 60_000), null);
  });
});
