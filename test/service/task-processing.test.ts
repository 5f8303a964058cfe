import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, queueUploadedFile, startTestApp, useTestApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import type { Task } from '../../src/domain/task.ts';

describe('flux tasks on Agenda and MongoDB', () => {
  const app = useTestApp();

  test('a queued flight is processed by the job: progress while running, results and files when completed', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const seen: string[] = [];
    const unsubscribe = tasks.subscribe((t) => seen.push(`${t.status}:${t.progress?.stage ?? ''}`));
    const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 5 }).table, 'xlsx');
    const task = await queueUploadedFile(running, workbook, '08_34_01_5m.xlsx');
    assert.equal(task.status, 'pending');
    const done = await eventually(async () => {
      const t = await tasks.get(task.id);
      return t && (t.status === 'completed' || t.status === 'failed') ? t : undefined;
    });
    unsubscribe();
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(done.attempts, 1);
    assert.deepEqual(done.results.map((r) => r.type).sort(), ['config', 'data', 'metadata', 'report', 'report', 'report']);
    for (const r of done.results) {
      assert.ok(r.relPath.startsWith(`${task.id}/08_34_01_5m.processed/`));
      assert.equal(statSync(join(running.config.outputFolder, r.relPath)).size, r.size);
    }
    assert.ok(seen.includes('processing:interpolation'));
    assert.ok(seen.at(-1)!.startsWith('completed'));
  });

  test('a bad flight fails the task with the stage, code and reason', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const task = await queueUploadedFile(running, Buffer.from('PK\u0003\u0004 not really a zip'), 'broken.xlsx');
    const done = await eventually(async () => {
      const t = await tasks.get(task.id);
      return t && t.status === 'failed' ? t : undefined;
    });
    assert.equal(done.error?.stage, 'data_loading');
    assert.equal(done.error?.errorCode, 'CORRUPT_FILE');
    assert.match(done.error!.message, /^处理失败: /);
    assert.ok(existsSync(running.config.outputFolder));
  });
});

describe('expiry', () => {
  const app = useTestApp({ env: { GASFLUX_MAX_TASK_AGE: '1', GASFLUX_TASK_CLEANUP_INTERVAL: '1' } });

  test('the cleanup job removes finished tasks older than GASFLUX_MAX_TASK_AGE, with their files', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 6 }).table, 'xlsx');
    const task = await queueUploadedFile(running, workbook, 'old.xlsx');
    await eventually(async () => ((await tasks.get(task.id))?.status === 'completed' ? true : undefined), 30_000, 'completion');
    assert.ok(existsSync(join(running.config.outputFolder, task.id)));
    await eventually(async () => ((await tasks.get(task.id)) === null ? true : undefined), 15_000, 'the expired task to be removed');
    assert.equal(existsSync(join(running.config.outputFolder, task.id)), false);
    assert.equal(existsSync(join(running.config.uploadFolder, task.id)), false);
  });
});

describe('priorities', () => {
  // API and worker separately, so the queue can be filled before anything runs.
  const app = useTestApp({ role: 'api', env: { GASFLUX_THREADS: '1' } });

  test('with one processing slot, a queued task raised to high priority runs before earlier normal ones', async () => {
    const api = app();
    const { tasks } = api.app.services();
    const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 2 }).table, 'xlsx');
    const queued: Task[] = [];
    for (const name of ['first.xlsx', 'second.xlsx', 'third.xlsx']) queued.push(await queueUploadedFile(api, workbook, name));
    const raised = await tasks.update(queued[2].id, { priority: 'high' });
    assert.ok(raised.ok && raised.task.priority === 'high');

    const worker = await startTestApp(api.database, {
      role: 'worker',
      dbName: api.config.mongodbDb,
      dir: api.dir,
      env: { GASFLUX_THREADS: '1', GASFLUX_UPLOAD_FOLDER: api.config.uploadFolder, GASFLUX_OUTPUT_FOLDER: api.config.outputFolder },
    });
    try {
      const finished = await eventually(async () => {
        const all = await Promise.all(queued.map((t) => tasks.get(t.id)));
        return all.every((t) => t?.status === 'completed') ? all : undefined;
      }, 60_000, 'all three tasks');
      const order = [...finished].sort((a, b) => a!.startedAt!.getTime() - b!.startedAt!.getTime()).map((t) => t!.input.originalName);
      assert.deepEqual(order, ['third.xlsx', 'first.xlsx', 'second.xlsx']);
    } finally {
      await worker.stop();
    }
  });
});
