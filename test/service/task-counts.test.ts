/**
 * Counting tasks per status reads every task on FerretDB, so monitors polling /health at once share one count:
 * concurrent callers wait for the count under way, and a call after the count's second of freshness counts again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import pino from 'pino';
import { useTestDatabase } from '../helpers/app-harness.ts';
import { createMemoryEventBus } from '../../src/infra/event-bus.ts';
import { TaskService, type TaskTopics } from '../../src/domain/task-service.ts';
import { TaskStore } from '../../src/domain/task-store.ts';

describe('tasks per status', () => {
  const database = useTestDatabase();
  let client: MongoClient;
  let service: TaskService;
  let counts = 0;
  before(async () => {
    client = new MongoClient(database().uri, { maxPoolSize: 1, monitorCommands: true });
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.commandName === 'aggregate') counts += 1;
    });
    await client.connect();
    const db = client.db(`counts_${process.pid}`);
    await db.collection('tasks').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `t${i}` as never, status: i % 5 === 0 ? 'failed' : 'completed' })));
    const noQueue = { enqueue: async () => {}, cancel: async () => {}, reprioritise: async () => {} };
    service = new TaskService(new TaskStore(db), createMemoryEventBus<TaskTopics>(), noQueue, { uploadFolder: '/nonexistent', outputFolder: '/nonexistent' }, pino({ level: 'silent' }));
  });
  after(async () => {
    await client?.db(`counts_${process.pid}`).dropDatabase().catch(() => undefined);
    await client?.close();
  });

  test('fifty callers at once cost one count and all get it', async () => {
    const before = counts;
    const answers = await Promise.all(Array.from({ length: 50 }, () => service.countByStatus()));
    assert.equal(counts - before, 1);
    for (const answer of answers) assert.deepEqual(answer, { pending: 0, processing: 0, completed: 40, failed: 10 });
  });

  test('a call more than a second after the last count counts again (no stale figures)', async () => {
    await service.countByStatus();
    const before = counts;
    await new Promise((r) => setTimeout(r, 1100));
    assert.deepEqual(await service.countByStatus(), { pending: 0, processing: 0, completed: 40, failed: 10 });
    assert.equal(counts - before, 1);
  });
});
