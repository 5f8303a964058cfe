/**
 * One flight cannot take the worker down: each runs in a process of its own with a memory and a wall-clock budget;
 * over either, its task fails with RESOURCE_LIMIT naming the limit and the stage, and the next task runs. A task whose
 * workers keep dying is failed after GASFLUX_MAX_ATTEMPTS starts. A budget that cannot fit the machine is warned of.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, queueUploadedFile, useTestApp, type RunningApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToCsv, tableToWorkbookBuffer } from '../helpers/table-files.ts';
import type { Task } from '../../src/domain/task.ts';
import { flightBudgetOvercommit } from '../../jobs/process-flight.ts';
import { inflationBook } from '../helpers/xlsx-books.ts';

const finished = (running: RunningApp, id: string) =>
  eventually(async () => {
    const task = await running.app.services().tasks.get(id);
    return task && (task.status === 'completed' || task.status === 'failed') ? task : undefined;
  }, 180_000, 'the task to finish');

const bigFlight = tableToWorkbookBuffer(syntheticFlight({ seed: 5, rows: 60_000, sampleRateHz: 1 }).table, 'xlsx');
const smallFlight = tableToCsv(syntheticFlight({ seed: 3 }).table);

describe('the budget of one flight', () => {
  describe('memory (GASFLUX_FLIGHT_MEMORY_MB=200, one flight at a time)', () => {
    const app = useTestApp({ env: { GASFLUX_FLIGHT_MEMORY_MB: '200', GASFLUX_THREADS: '1' } });

    test('a flight over its memory fails with RESOURCE_LIMIT in the stage it reached, and the next flight completes', async () => {
      const running = app();
      const big = await queueUploadedFile(running, bigFlight);
      const next = await queueUploadedFile(running, smallFlight, 'small.csv');
      const failed = await finished(running, big.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error?.errorCode, 'RESOURCE_LIMIT', JSON.stringify(failed.error));
      assert.match(failed.error!.message, /more than its 200 MB of memory \(GASFLUX_FLIGHT_MEMORY_MB=200\); it was stopped in stage [a-z_]+$/);
      assert.equal(failed.error!.stage, failed.error!.message.match(/stage ([a-z_]+)$/)![1]);
      const done = await finished(running, next.id);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.equal((await fetch(`${running.url}/health`)).status, 200, 'the service is up');
    });
  });

  describe('time (GASFLUX_FLIGHT_TIMEOUT=1)', () => {
    const app = useTestApp({ env: { GASFLUX_FLIGHT_TIMEOUT: '1' } });

    test('a flight over its time fails with RESOURCE_LIMIT naming GASFLUX_FLIGHT_TIMEOUT', async () => {
      const running = app();
      const big = await queueUploadedFile(running, bigFlight);
      const failed = await finished(running, big.id);
      assert.equal(failed.error?.errorCode, 'RESOURCE_LIMIT', JSON.stringify(failed.error));
      assert.match(failed.error!.message, /took longer than its 1 s \(GASFLUX_FLIGHT_TIMEOUT=1\); it was stopped in stage [a-z_]+$/);
      assert.equal(failed.error!.stage, failed.error!.message.match(/stage ([a-z_]+)$/)![1]);
      const english = await (await fetch(`${running.url}/task/${big.id}`, { headers: { 'accept-language': 'en' } })).json();
      assert.match(english.data.error, /^Processing failed: the flight took longer/);
    });
  });

  describe('starts (GASFLUX_MAX_ATTEMPTS)', () => {
    // The API role runs no jobs: the test plays the workers that took the task and died.
    const app = useTestApp({ role: 'api' });

    test('a task started GASFLUX_MAX_ATTEMPTS times without an outcome is failed instead of started again', async () => {
      const running = app();
      const { tasks } = running.app.services();
      const task: Task = await queueUploadedFile(running, smallFlight, 'small.csv');
      // Stale claims at once (0 ms): each worker is taken to have died a lock lifetime ago.
      assert.ok(await tasks.startAttempt(task.id, 2, 0));
      assert.ok(await tasks.startAttempt(task.id, 2, 0), 'a take-over: attempt 2');
      assert.equal(await tasks.startAttempt(task.id, 2, 0), null, 'no third start');
      const failed = (await tasks.get(task.id))!;
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error?.errorCode, 'TOO_MANY_ATTEMPTS');
      assert.match(failed.error!.message, /^处理失败: started 2 times without finishing \(GASFLUX_MAX_ATTEMPTS=2\)/);
    });
  });
});

test('threads × memory budget over the machine is warned of at start-up, naming both settings', () => {
  const gib = 1024 ** 3;
  assert.equal(flightBudgetOvercommit(8, 2048, 24 * gib), null);
  assert.match(flightBudgetOvercommit(8, 4096, 24 * gib) ?? '', /^GASFLUX_THREADS \(8\) × GASFLUX_FLIGHT_MEMORY_MB \(4096\) = 32768 MB, more than the 24576 MB/);
});

describe('a hostile workbook uploaded beside a normal one', () => {
  const app = useTestApp();

  test('a 1 MB .xlsx that inflates to 400 MB of XML fails its task, the service stays small, and a normal upload completes', async () => {
    const running = app();
    const bomb = inflationBook('<row><c><v>1</v></c></row>', (400 * 1024 * 1024) / 26);
    assert.ok(bomb.length < 2 * 1024 * 1024, `a small file (${bomb.length} bytes)`);
    const upload = (name: string, content: Uint8Array) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(content)], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), name);
      return fetch(`${running.url}/upload`, { method: 'POST', body: form }).then((r) => r.json());
    };
    const [hostile, normal] = await Promise.all([upload('bomb.xlsx', bomb), upload('flight.xlsx', tableToWorkbookBuffer(syntheticFlight({ seed: 4 }).table, 'xlsx'))]);
    const [failed, done] = await Promise.all([finished(running, hostile.job_id), finished(running, normal.job_id)]);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.stage, 'data_loading');
    assert.match(failed.error?.errorCode ?? '', /^(TOO_MANY_ROWS|CORRUPT_FILE|RESOURCE_LIMIT)$/, JSON.stringify(failed.error));
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    // The flights ran in their own processes; this process (test, service and database client) never grew with them.
    const peakMb = process.resourceUsage().maxRSS / 1024;
    assert.ok(peakMb < 1536, `peak RSS of the service's process ${peakMb.toFixed(0)} MB`);
    assert.equal((await fetch(`${running.url}/health`)).status, 200);
  });
});
