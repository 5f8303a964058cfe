/**
 * Tasks survive worker crashes and restarts: a worker process killed mid-job leaves a task that another worker
 * takes over after the lock lifetime and completes once; an app restarted on the same database finds everything.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventually, queueUploadedFile, startTestApp, startWorkerProcess, useTestApp, useTestDatabase, type RunningApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import type { Task } from '../../src/domain/task.ts';

const queueFlight = (running: RunningApp, rows: number): Promise<Task> =>
  queueUploadedFile(running, tableToWorkbookBuffer(syntheticFlight({ seed: 9, rows }).table, 'xlsx'));

describe('a worker killed mid-job', () => {
  // The API role only enqueues; the work happens in separate worker processes sharing its folders.
  const app = useTestApp({ role: 'api', env: { GASFLUX_JOB_LOCK_LIFETIME: '3' } });

  test('leaves a task that another worker completes, once', async () => {
    const api = app();
    const workerEnv = {
      GASFLUX_LOG_FILE: join(api.dir, 'logs', 'worker.log'),
      GASFLUX_LOG_LEVEL: 'INFO',
      GASFLUX_JOB_LOCK_LIFETIME: '3',
    };
    const { tasks } = api.app.services();
    // Events from the worker processes reach the API process through the MongoDB event bus.
    const events: Task[] = [];
    const unsubscribe = tasks.subscribe((t) => events.push(t));
    const first = startWorkerProcess(api, workerEnv);
    let second: ChildProcess | null = null;
    try {
      const task = await queueFlight(api, 10_000);
      await eventually(async () => ((await tasks.get(task.id))?.progress ? true : undefined), 60_000, 'the first worker to report progress');
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const interrupted = await tasks.get(task.id);
      assert.equal(interrupted?.status, 'processing');
      assert.equal(interrupted?.attempts, 1);

      second = startWorkerProcess(api, workerEnv);
      const done = await eventually(async () => {
        const t = await tasks.get(task.id);
        return t && (t.status === 'completed' || t.status === 'failed') ? t : undefined;
      }, 90_000, 'the second worker to finish the task');
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.equal(done.attempts, 2);
      assert.equal(done.results.length, 6);
      // One run folder: the dead attempt's partial outputs were removed before the rerun.
      const runs = readdirSync(join(api.config.outputFolder, task.id, 'flight.processed'));
      assert.equal(runs.length, 1);
      assert.ok(done.runDirectory?.endsWith(runs[0]));
      await eventually(async () => (events.some((e) => e.status === 'completed') ? true : undefined), 5000, 'the completed event');
      const mine = events.filter((e) => e.id === task.id);
      assert.ok(mine.some((e) => e.status === 'processing' && e.attempts === 1 && e.progress), 'progress events from the first worker');
      assert.ok(mine.some((e) => e.status === 'processing' && e.attempts === 2), 'events from the second worker');
      assert.equal(mine.filter((e) => e.status === 'completed').length, 1);
      // The second attempt's states are all newer than anything the first wrote, whatever order they arrived in.
      const firstVersions = mine.filter((e) => e.attempts === 1).map((e) => e.version);
      const secondVersions = mine.filter((e) => e.attempts === 2).map((e) => e.version);
      assert.ok(Math.min(...secondVersions) > Math.max(...firstVersions), `attempt 2 from ${Math.min(...secondVersions)}, attempt 1 up to ${Math.max(...firstVersions)}`);
      assert.equal(done.version, Math.max(...mine.map((e) => e.version)));
      // Every task log line carries the task id.
      const lines = readFileSync(workerEnv.GASFLUX_LOG_FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const taskLines = lines.filter((l) => JSON.stringify(l).includes(task.id));
      assert.ok(taskLines.length >= 2);
      assert.ok(taskLines.every((l) => l.task_id === task.id));
    } finally {
      unsubscribe();
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await new Promise((resolve) => second!.once('exit', resolve));
    }
  });
});

describe('restarts', () => {
  const database = useTestDatabase();

  test('an app stopped and started again on the same database finds its tasks and files', async () => {
    const dbName = `restart${randomUUID().slice(0, 8)}`;
    const firstRun = await startTestApp(database(), { dbName });
    const task = await queueFlight(firstRun, 1000);
    const { tasks } = firstRun.app.services();
    const done = await eventually(async () => {
      const t = await tasks.get(task.id);
      return t?.status === 'completed' ? t : undefined;
    }, 60_000);
    await firstRun.stop();

    const secondRun = await startTestApp(database(), { dbName, dir: firstRun.dir });
    try {
      const again = await secondRun.app.services().tasks.get(task.id);
      assert.deepEqual(again, done);
      for (const result of again!.results) assert.ok(existsSync(join(secondRun.config.outputFolder, result.relPath)));
    } finally {
      await secondRun.stop();
    }
  });

});

describe('SIGTERM to a worker', () => {
  const app = useTestApp({ role: 'api' });

  test('stops it gracefully: a running job finishes first', async () => {
    const api = app();
    // The worker's default lock lifetime, not the tests' short one: it must finish the job, not hand it over.
    const worker = startWorkerProcess(api, { GASFLUX_JOB_LOCK_LIFETIME: '60' });
    try {
      const { tasks } = api.app.services();
      const task = await queueFlight(api, 1000);
      await eventually(async () => ((await tasks.get(task.id))?.status === 'processing' ? true : undefined), 60_000);
      worker.kill('SIGTERM');
      const code = await new Promise((resolve) => worker.once('exit', resolve));
      assert.equal(code, 0);
      // The API process learns of the outcome through the event bus (and its cache re-reads active tasks each second).
      await eventually(async () => ((await tasks.get(task.id))?.status === 'completed' ? true : undefined), 3000, 'the completed task');
    } finally {
      worker.kill('SIGKILL');
    }
  });
});
