import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, startTestDatabase, eventually, type RunningApp, type TestDatabase } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import type { TaskService } from '../../src/domain/task-service.ts';
import type { Task } from '../../src/domain/task.ts';

async function queueFlight(tasks: TaskService, uploadFolder: string, name: string, content: Buffer) {
  const id = tasks.newTaskId();
  mkdirSync(join(uploadFolder, id), { recursive: true });
  writeFileSync(join(uploadFolder, id, name), content);
  return tasks.create(id, { originalName: name, path: `${id}/${name}`, size: content.length, sha256: 'x' }, null);
}

describe('flux tasks on Agenda and MongoDB', () => {
  let database: TestDatabase;
  let running: RunningApp;
  before(async () => {
    database = await startTestDatabase();
    running = await startTestApp(database);
  });
  after(async () => {
    await running?.stop();
    await database?.stop();
  });

  test('a queued flight is processed by the job: progress while running, results and files when completed', async () => {
    const { tasks } = running.app.services();
    const seen: string[] = [];
    const unsubscribe = tasks.subscribe((t) => seen.push(`${t.status}:${t.progress?.stage ?? ''}`));
    const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 5 }).table, 'xlsx');
    const task = await queueFlight(tasks, running.config.uploadFolder, '08_34_01_5m.xlsx', workbook);
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
    const { tasks } = running.app.services();
    const task = await queueFlight(tasks, running.config.uploadFolder, 'broken.xlsx', Buffer.from('PK\u0003\u0004 not really a zip'));
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
  test('the cleanup job removes finished tasks older than GASFLUX_MAX_TASK_AGE, with their files', async () => {
    const database = await startTestDatabase();
    const running = await startTestApp(database, { env: { GASFLUX_MAX_TASK_AGE: '1', GASFLUX_TASK_CLEANUP_INTERVAL: '1' } });
    try {
      const { tasks } = running.app.services();
      const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 6 }).table, 'xlsx');
      const task = await queueFlight(tasks, running.config.uploadFolder, 'old.xlsx', workbook);
      await eventually(async () => ((await tasks.get(task.id))?.status === 'completed' ? true : undefined), 30_000, 'completion');
      assert.ok(existsSync(join(running.config.outputFolder, task.id)));
      await eventually(async () => ((await tasks.get(task.id)) === null ? true : undefined), 15_000, 'the expired task to be removed');
      assert.equal(existsSync(join(running.config.outputFolder, task.id)), false);
      assert.equal(existsSync(join(running.config.uploadFolder, task.id)), false);
    } finally {
      await running.stop();
      await database.stop();
    }
  });
});

describe('priorities', () => {
  test('with one processing slot, a queued task raised to high priority runs before earlier normal ones', async () => {
    const database = await startTestDatabase();
    // API and worker separately, so the queue can be filled before anything runs.
    const api = await startTestApp(database, { role: 'api', env: { GASFLUX_THREADS: '1' } });
    try {
      const { tasks } = api.app.services();
      const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 2 }).table, 'xlsx');
      const queued: Task[] = [];
      for (const name of ['first.xlsx', 'second.xlsx', 'third.xlsx']) queued.push(await queueFlight(tasks, api.config.uploadFolder, name, workbook));
      const raised = await tasks.update(queued[2].id, { priority: 'high' });
      assert.ok(raised.ok && raised.task.priority === 'high');

      const worker = await startTestApp(database, {
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
    } finally {
      await api.stop();
      await database.stop();
    }
  });
});
