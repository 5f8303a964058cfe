/**
 * A status change of a processing task stops its run before anything else happens: the worker thread is terminated
 * and its partial files removed, so a task marked failed stays without outputs and a re-queued one runs once more,
 * into one run folder. In one process and with the worker in its own process (the stop crosses the event bus).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, queueUploadedFile, useTestApp, type RunningApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';

/** Long enough to be stopped mid-run: tens of seconds of work on this machine. */
const content = tableToWorkbookBuffer(syntheticFlight({ seed: 5, rows: 30_000, sampleRateHz: 1 }).table, 'xlsx');

const queueFlight = (running: RunningApp) => queueUploadedFile(running, content);

const put = (running: RunningApp, id: string, body: object) =>
  fetch(`${running.url}/task/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Until the task's Agenda job is gone, i.e. the job function has returned (its thread has ended). */
async function jobFinished(running: RunningApp, id: string): Promise<void> {
  const jobs = running.app.services().database.db.collection('agendaJobs');
  await eventually(async () => ((await jobs.countDocuments({ 'data.taskId': id })) === 0 ? true : undefined), 120_000, 'the job to end');
}

function cases(app: () => RunningApp) {
  test('PUT status failed on a processing task: the run stops at once, its files go, and nothing is written after', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const task = await queueFlight(running);
    await eventually(async () => ((await tasks.get(task.id))?.progress ? true : undefined), 60_000, 'progress');
    const response = await put(running, task.id, { status: 'failed', message: 'stopped by hand' });
    assert.equal(response.status, 200);
    assert.equal(existsSync(join(running.config.outputFolder, task.id)), false, 'partial files removed before the answer');

    await jobFinished(running, task.id);
    const after = (await tasks.get(task.id))!;
    assert.equal(after.status, 'failed');
    assert.equal(after.message, 'stopped by hand');
    assert.deepEqual(after.results, []);
    assert.equal(existsSync(join(running.config.outputFolder, task.id)), false, 'the stopped thread wrote nothing later');
  });

  test('PUT status pending on a processing task: the first run stops, the second completes into one run folder', async () => {
    const running = app();
    const { tasks } = running.app.services();
    const task = await queueFlight(running);
    await eventually(async () => ((await tasks.get(task.id))?.progress ? true : undefined), 60_000, 'progress');
    assert.equal((await put(running, task.id, { status: 'pending' })).status, 200);
    const done = await eventually(async () => {
      const t = await tasks.get(task.id);
      return t && (t.status === 'completed' || t.status === 'failed') ? t : undefined;
    }, 180_000, 'the second run to finish');
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(done.attempts, 2);
    await jobFinished(running, task.id);
    const runs = readdirSync(join(running.config.outputFolder, task.id, 'flight.processed'));
    assert.equal(runs.length, 1, `one run folder: ${runs}`);
    assert.ok(done.runDirectory?.endsWith(runs[0]!));
  });
}

describe('a status change stops a running task', () => {
  describe('all roles in one process', () => {
    cases(useTestApp());
  });

  describe('API and worker in separate processes', () => {
    cases(useTestApp({ workerProcess: {} }));
  });
});
