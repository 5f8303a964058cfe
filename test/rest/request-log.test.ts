import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { eventually, useTestApps, type RunningApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { finished, getJson, pollTask, rawRequest } from './rest-helpers.ts';

const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 7 }).table, 'xlsx');
const TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`;
const DURATION = String.raw`\d+\.\d\ds`;

/** The troubleshooting of the web API doc: `grep "task:<id>" logs/gasflux_api.log`. */
function grepTask(logFile: string, taskId: string): string[] {
  try {
    return execFileSync('grep', ['-F', `task:${taskId}`, logFile], { encoding: 'utf8' }).trimEnd().split('\n');
  } catch {
    return []; // grep exits 1 when nothing matches
  }
}

/** The documented workflow, once: upload, follow to the end, download a result, and a health check beside it. */
async function followOneFlight(app: RunningApp): Promise<{ taskId: string; download: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(workbook)]), 'data.xlsx');
  const uploaded = await getJson(app.url, '/upload', { method: 'POST', body: form });
  assert.equal(uploaded.status, 202, JSON.stringify(uploaded.json));
  const taskId: string = uploaded.json.job_id;
  const { last } = await pollTask(app.url, taskId, finished);
  assert.equal(last.status, 'completed', JSON.stringify(last.data));
  const csv = last.data.results.find((r: { type: string }) => r.type === 'data');
  const download = `/download/${taskId}/${csv.name}`;
  assert.equal((await rawRequest(app.url, { path: download })).status, 200);
  assert.equal((await getJson(app.url, '/health')).status, 200);
  assert.equal((await rawRequest(app.url, { path: '/no-such-page' })).status, 404);
  return { taskId, download };
}

/** The log file's lines once `ready` holds for them (the file is written asynchronously). */
function logLines(app: RunningApp, ready: (lines: string[]) => boolean): Promise<string[]> {
  const file = app.config.logFile!;
  return eventually(async () => {
    if (!existsSync(file)) return undefined;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return ready(lines) ? lines : undefined;
  }, 10_000, 'the request lines in the log file');
}

describe('request log lines in the log file, found by `grep task:<id>` (GASFLUX_LOG_FORMAT)', () => {
  const apps = useTestApps({
    json: { env: { GASFLUX_LOG_LEVEL: 'INFO' } },
    text: { env: { GASFLUX_LOG_LEVEL: 'INFO', GASFLUX_LOG_FORMAT: 'text' } },
  });
  const json = () => apps().json;
  const text = () => apps().text;

  test('text: the doc\'s "<time> - INFO - [task:<id>] POST /upload - 202 - 2.34s" lines, and no task part on other lines', async () => {
    const { taskId, download } = await followOneFlight(text());
    const tag = `[task:${taskId}]`;
    const lines = await logLines(text(), (all) => all.some((l) => l.includes('GET /no-such-page')));

    const mine = grepTask(text().config.logFile!, taskId);
    const line = (pattern: string) => new RegExp(`^${TIME} - INFO - \\[task:${taskId}\\] ${pattern}`);
    assert.ok(mine.some((l) => line(`POST /upload - 202 - ${DURATION}$`).test(l)), mine.join('\n'));
    assert.ok(mine.some((l) => line(`GET /task/${taskId} - 200 - ${DURATION}$`).test(l)), 'the status requests');
    assert.ok(mine.some((l) => line(`GET ${download} - 200 - ${DURATION}$`).test(l)), 'the download');
    assert.ok(mine.some((l) => line('task queued ').test(l)));
    assert.ok(mine.some((l) => line('processing started ').test(l)));
    assert.ok(mine.some((l) => line('processing completed ').test(l)));
    assert.ok(mine.every((l) => l.includes(tag)));

    assert.ok(lines.some((l) => new RegExp(`^${TIME} - INFO - GET /health - 200 - ${DURATION}$`).test(l)));
    assert.ok(lines.some((l) => new RegExp(`^${TIME} - INFO - GET /no-such-page - 404 - ${DURATION}$`).test(l)));
    const others = lines.filter((l) => /^\d{4}-/.test(l) && !l.includes(taskId));
    assert.ok(others.length > 0);
    assert.deepEqual(others.filter((l) => l.includes('[task:')), [], 'lines about no task have no task part');
  });

  test('json (the default): pino lines with the request in `request`, and task:<id> in `task` for grep', async () => {
    assert.equal(json().config.logFormat, 'json');
    const { taskId, download } = await followOneFlight(json());
    const records = (await logLines(json(), (all) => all.some((l) => l.includes('GET /no-such-page')))).map((l) => JSON.parse(l));

    const upload = records.find((r) => r.request?.path === '/upload');
    assert.equal(upload.level, 'info');
    assert.match(upload.msg, new RegExp(`^POST /upload - 202 - ${DURATION}$`));
    assert.equal(upload.task_id, taskId);
    assert.equal(upload.task, `task:${taskId}`);
    assert.equal(upload.request.method, 'POST');
    assert.equal(upload.request.status, 202);
    assert.equal(typeof upload.request.duration_ms, 'number');

    const mine = grepTask(json().config.logFile!, taskId).map((l) => JSON.parse(l));
    const messages = mine.map((r) => r.msg as string);
    assert.ok(messages.some((m) => m.startsWith('POST /upload - 202 - ')));
    assert.ok(messages.some((m) => m.startsWith(`GET /task/${taskId} - 200 - `)));
    assert.ok(messages.some((m) => m.startsWith(`GET ${download} - 200 - `)));
    assert.ok(messages.includes('task queued'));
    assert.ok(messages.includes('processing started'));
    assert.ok(messages.includes('processing completed'));
    assert.ok(mine.every((r) => r.task_id === taskId && r.task === `task:${taskId}`));

    const health = records.find((r) => r.request?.path === '/health');
    assert.deepEqual({ ...health.request, duration_ms: 0 }, { method: 'GET', path: '/health', status: 200, duration_ms: 0 });
    assert.equal('task' in health, false);
    assert.equal(records.find((r) => r.request?.path === '/no-such-page').request.status, 404);
  });
});
