/**
 * Every task state carries a version raised by one with each stored change, and every consumer drops a state older
 * than the one it has: the order users see never depends on timing. The app runs in the API role, so no worker takes
 * the tasks; the tests play the worker through the task service, as the job does.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { useTestApp, eventually, queueUploadedFile, type RunningApp } from '../helpers/app-harness.ts';
import { collect, wsClient } from '../graphql/graphql-test-client.ts';
import { TaskEventsSubscription, TaskUpdatedSubscription } from '../../client/operations/task.ts';
import type { Task, TaskProgress } from '../../src/domain/task.ts';

const progress = (percent: number): TaskProgress => ({ stage: 'interpolation', gas: 'ch4', completedSteps: 5, totalSteps: 10, percent, estimatedTimeRemaining: 3 });

const newTask = (running: RunningApp): Promise<Task> => queueUploadedFile(running, 'latitude\n', 'flight.csv');

describe('task versions', () => {
  const app = useTestApp({ role: 'api' });

  test('every stored change raises the version by one, and each event carries the version it stored', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const seen: Task[] = [];
    const unsubscribe = tasks.subscribe((task) => seen.push(task));
    try {
      const created = await newTask(running);
      assert.equal(created.version, 1);
      const started = await tasks.startAttempt(created.id);
      assert.equal(started?.version, 2);
      for (const percent of [10, 20, 30]) await tasks.reportProgress(created.id, 1, progress(percent), 'interpolation');
      const updated = await tasks.update(created.id, { message: 'looked at' });
      assert.ok(updated.ok);
      const done = await tasks.complete(created.id, 1, `${created.id}/run`, []);
      assert.equal(done?.version, 7);
      const mine = seen.filter((task) => task.id === created.id);
      assert.deepEqual(mine.map((task) => task.version), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal((await tasks.get(created.id))?.version, 7);
      const stored = await fetch(`${running.url}/task/${created.id}`).then((r) => r.json());
      assert.equal(stored.data.version, 7, 'GET /task shows the version');
    } finally {
      unsubscribe();
    }
  });

  test("a take-over's attempt starts above everything the dead attempt wrote, and the dead attempt's late writes lose", async () => {
    const running = app();
    const { tasks } = running.app.services();
    const created = await newTask(running);
    await tasks.startAttempt(created.id);
    await tasks.reportProgress(created.id, 1, progress(40), 'interpolation');
    const firstAttempt = (await tasks.get(created.id))!;

    // The lock expired: another worker starts attempt 2 while the first one is still writing (its claim counts as
    // stale at once: 0 ms).
    const second = (await tasks.startAttempt(created.id, Infinity, 0))!;
    assert.equal(second.attempts, 2);
    assert.ok(second.version > firstAttempt.version);
    assert.equal(second.progress, null);

    const seen: Task[] = [];
    const unsubscribe = tasks.subscribe((task) => seen.push(task));
    try {
      await tasks.reportProgress(created.id, 1, progress(90), 'interpolation');
      assert.equal(await tasks.complete(created.id, 1, `${created.id}/old-run`, []), null);
      assert.equal(seen.length, 0, 'no event for a dead attempt');
      const stored = (await tasks.get(created.id))!;
      assert.equal(stored.version, second.version);
      assert.equal(stored.progress, null);

      await tasks.reportProgress(created.id, 2, progress(15), 'interpolation');
      const done = (await tasks.complete(created.id, 2, `${created.id}/run`, []))!;
      assert.equal(done.status, 'completed');
      assert.deepEqual(seen.map((task) => [task.attempts, task.version]), [[2, second.version + 1], [2, second.version + 2]]);
    } finally {
      unsubscribe();
    }
  });

  test('a state that arrives late, older than one already passed on, reaches no one: task reads, taskUpdated, taskEvents', async () => {
    const running = app();
    const { tasks, events } = running.app.services();
    const created = await newTask(running);
    await tasks.startAttempt(created.id);
    await tasks.reportProgress(created.id, 1, progress(20), 'interpolation');
    const stale = (await tasks.get(created.id))!;
    await tasks.reportProgress(created.id, 1, progress(60), 'interpolation');
    const current = (await tasks.get(created.id))!;
    assert.equal(current.version, stale.version + 1);

    const updatedClient = wsClient(running.url);
    const eventsClient = wsClient(running.url);
    try {
      const following = collect(updatedClient, TaskUpdatedSubscription, { id: created.id }, {
        timeoutMs: 20_000,
        stop: (event) => event.data?.taskUpdated.status === 'completed',
      });
      const everything = collect(eventsClient, TaskEventsSubscription, {}, {
        timeoutMs: 20_000,
        stop: (event) => {
          const task = event.data?.taskEvents;
          return task?.id === created.id && task.status === 'completed';
        },
      });
      // Both subscriptions are live once a change made now reaches the second one.
      const probe = setInterval(() => void tasks.update(created.id, { message: `probe ${Date.now()}` }), 200);
      await eventually(async () => {
        const polled = await tasks.get(created.id);
        return polled && polled.version > current.version + 1 ? true : undefined;
      }, 10_000, 'probes to be stored');
      clearInterval(probe);
      await new Promise((resolve) => setTimeout(resolve, 300));

      // Yesterday's news, as a slow process or a replayed bus would deliver it.
      await events.publish('task', stale);
      const latest = (await tasks.get(created.id))!;
      assert.ok(latest.version > stale.version, 'the cache kept the newer state');
      const rest = await fetch(`${running.url}/task/${created.id}`).then((r) => r.json());
      assert.equal(rest.data.progress.percent, 60);
      await tasks.complete(created.id, 1, `${created.id}/run`, []);

      const updates = (await following).map((event) => event.data!.taskUpdated);
      const all = (await everything).map((event) => event.data!.taskEvents).filter((task) => task.id === created.id);
      for (const [name, states] of [['taskUpdated', updates], ['taskEvents', all]] as const) {
        assert.equal(states.at(-1)?.status, 'completed', name);
        const versions = states.map((task) => task.version);
        assert.ok(versions.every((v, i) => i === 0 || v > versions[i - 1]!), `${name}: versions strictly increase: ${versions}`);
        assert.ok(versions[0]! > stale.version, `${name}: the stale state came after the subscription started, and was dropped`);
        assert.ok(states.every((task, i) => i === 0 || (task.progress?.percent ?? 0) >= (states[i - 1]!.progress?.percent ?? 0)), `${name}: percent never decreases`);
      }
    } finally {
      await updatedClient.dispose();
      await eventsClient.dispose();
    }
  });

  test('a deleted task stays deleted when one of its old states arrives late', async () => {
    const running = app();
    const { tasks, events } = running.app.services();
    const created = await newTask(running);
    await tasks.startAttempt(created.id);
    const done = (await tasks.fail(created.id, 1, { message: 'x', stage: 'data_loading', errorCode: 'CORRUPT_FILE', traceback: null }))!;
    assert.ok((await tasks.delete(created.id)).ok);
    await events.publish('task', done);
    assert.equal(await tasks.get(created.id), null);
    assert.equal((await fetch(`${running.url}/task/${created.id}`)).status, 404);
  });

  test('a task stored before versions existed reads as version 0 and its next change is version 1', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const created = await newTask(running);
    const client = await new MongoClient(running.config.mongodbUri!).connect();
    try {
      await client.db(running.config.mongodbDb).collection('tasks').updateOne({ _id: created.id as never }, { $unset: { version: '' } });
    } finally {
      await client.close();
    }
    const started = (await tasks.startAttempt(created.id))!;
    assert.equal(started.version, 1);
    assert.equal(started.status, 'processing');
  });
});
