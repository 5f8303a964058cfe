import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestApps } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { finished, getJson, multipart, pollTask, rawRequest } from './rest-helpers.ts';

const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 7 }).table, 'xlsx');
const CONTENT_TYPES: Record<string, string> = {
  report: 'text/html; charset=utf-8',
  data: 'text/csv; charset=utf-8',
  config: 'application/yaml',
  metadata: 'application/json',
};
const UNKNOWN_ID = '3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b';

async function uploadForm(url: string, content: Buffer, name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  const response = await getJson(url, '/upload', { method: 'POST', body: form });
  assert.equal(response.status, 202, JSON.stringify(response.json));
  return response.json.job_id as string;
}

const put = (url: string, id: string, body: unknown, headers: Record<string, string> = {}) =>
  getJson(url, `/task/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the documented workflow over REST: upload, follow, download, update, list, delete', () => {
  // queueOnly has no worker: its tasks stay pending.
  const apps = useTestApps({ app: {}, queueOnly: { role: 'api' } });
  const app = () => apps().app;
  const queueOnly = () => apps().queueOnly;
  let streamedTaskId = '';

  test('a flight uploaded with FormData is followed to completion, every result downloads intact, and DELETE removes it', async () => {
    const health = await getJson(app().url, '/health');
    assert.equal(health.json.status, 'healthy');

    const jobId = await uploadForm(app().url, workbook, '08_34_01_5m.xlsx');
    const { last, seen } = await pollTask(app().url, jobId, finished);

    const processing = seen.filter((s) => s.status === 'processing' && s.progress?.stage !== 'starting');
    assert.ok(processing.length > 0, `progress was seen while processing (saw ${seen.map((s) => s.status).join(',')})`);
    for (const answer of processing) {
      assert.equal(answer.message, answer.data.message, "the top-level message is the task's, as the documented clients print it");
      assert.equal(answer.response_message, '任务查询成功', "the envelope's own text stays available");
      assert.deepEqual(Object.keys(answer.data.progress).sort(), ['completed_steps', 'estimated_time_remaining', 'gas', 'percent', 'stage', 'total_steps']);
      assert.equal(typeof answer.data.progress.stage, 'string');
      assert.ok(answer.data.progress.completed_steps <= answer.data.progress.total_steps);
      assert.deepEqual(answer.progress, answer.data.progress, 'progress is mirrored at the top level');
      assert.equal('results' in answer.data, false);
    }

    assert.equal(last.status, 'completed', JSON.stringify(last.data));
    assert.equal(last.code, 200);
    assert.equal(last.message, '处理完成成功');
    assert.equal(last.response_message, '任务查询成功');
    const data = last.data;
    assert.equal(data.task_id, jobId);
    assert.equal(data.message, '处理完成成功');
    assert.equal(data.priority, 'normal');
    assert.equal(typeof data.updated_at, 'number');
    assert.ok(data.updated_at >= data.created_at);
    assert.ok(data.processing_time_seconds > 0);
    assert.equal('progress' in data, false);
    assert.deepEqual(data.results.map((r: { type: string }) => r.type).sort(), ['config', 'data', 'metadata', 'report', 'report', 'report']);
    assert.deepEqual(last.results, data.results, 'the documented clients read status["results"]');

    for (const result of data.results) {
      assert.deepEqual(Object.keys(result).sort(), ['download_url', 'name', 'rel_path', 'size', 'type']);
      assert.ok(result.rel_path.startsWith(`${jobId}/`));
      assert.ok(result.rel_path.endsWith(`/${result.name}`));
      assert.equal(result.download_url, `/download/${result.rel_path}`);
      const response = await fetch(`${app().url}${result.download_url}`);
      assert.equal(response.status, 200, result.download_url);
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(Number(response.headers.get('content-length')), result.size);
      assert.equal(body.length, result.size);
      assert.ok(body.equals(readFileSync(join(app().config.outputFolder, result.rel_path))), `${result.name} downloads byte for byte`);
      assert.equal(response.headers.get('content-type'), CONTENT_TYPES[result.type]);
      const disposition = response.headers.get('content-disposition') ?? '';
      assert.match(disposition, result.type === 'report' ? /^inline; / : /^attachment; /);
      assert.ok(disposition.includes(`filename="${result.name}"`));
    }

    // The doc's short form `<task>/<file>` names the same file.
    const csv = data.results.find((r: { type: string }) => r.type === 'data');
    const short = await fetch(`${app().url}/download/${jobId}/${csv.name}`);
    assert.equal(short.status, 200);
    assert.equal(Buffer.from(await short.arrayBuffer()).length, csv.size);

    // The flux itself is in the answer, the same numbers as the output variables file.
    const metadata = data.results.find((r: { type: string }) => r.type === 'metadata');
    const outputVars = JSON.parse(readFileSync(join(app().config.outputFolder, metadata.rel_path), 'utf8'));
    assert.equal(data.flux.physics, 'corrected');
    assert.deepEqual(data.flux.gases.map((g: { gas: string }) => g.gas), Object.keys(outputVars.krig_parameters));
    for (const gas of data.flux.gases) {
      const expected = outputVars.krig_parameters[gas.gas];
      assert.deepEqual(
        [gas.detected, gas.flux_kg_h, gas.positive_kg_h, gas.negative_kg_h],
        [expected.plume_detection.detected, expected.volume, expected.volumepos, expected.volumeneg],
        gas.gas,
      );
      assert.equal(gas.signal_points, expected.signal_points);
    }
    assert.deepEqual([data.flux.grid.nx, data.flux.grid.ny], [outputVars.grid.nodes_x, outputVars.grid.nodes_y]);
    assert.deepEqual(last.flux, data.flux, 'mirrored at the top level like the other fields');
    const english = await getJson(app().url, `/task/${jobId}`, { headers: { 'accept-language': 'en' } });
    assert.equal(english.json.message, 'Processing completed successfully');

    const deleted = await getJson(app().url, `/task/${jobId}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.json.message, '任务及相关文件删除成功');
    assert.equal(deleted.json.data.task_id, jobId);
    assert.equal(deleted.json.data.status, 'deleted');
    const details = deleted.json.data.details;
    assert.equal(details.folders_deleted, 2, 'the upload and the outputs');
    const resultBytes = data.results.reduce((sum: number, r: { size: number }) => sum + r.size, 0);
    assert.ok(details.total_size_deleted >= resultBytes + workbook.length);
    assert.equal(details.task_status, 'completed');
    assert.equal(deleted.json.task_id, jobId);
    assert.deepEqual(deleted.json.details, details, 'the documented client reads result["details"]');
    assert.equal(existsSync(join(app().config.outputFolder, jobId)), false);
    assert.equal(existsSync(join(app().config.uploadFolder, jobId)), false);

    const gone = await getJson(app().url, `/task/${jobId}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.message, '任务未找到');
    assert.deepEqual(gone.json.data, { task_id: jobId });
    assert.equal((await getJson(app().url, `/task/${jobId}`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${app().url}${csv.download_url}`)).status, 404);
  });

  test('a raw node:http multipart upload streams the workbook in chunks (no length declared) and is processed the same way', async () => {
    const pieces = function* () {
      for (let at = 0; at < workbook.length; at += 16 * 1024) yield workbook.subarray(at, at + 16 * 1024);
    };
    const body = multipart([
      { name: 'priority', content: 'low' },
      { name: 'file', filename: 'curtain_flight.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: pieces() },
    ]);
    const response = await rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': body.contentType }, body: body.chunks() });
    assert.equal(response.status, 202, JSON.stringify(response.json));
    assert.equal(response.json.message, '任务已接受并加入处理队列');
    streamedTaskId = response.json.job_id;
    const stored = readFileSync(join(app().config.uploadFolder, streamedTaskId, 'curtain_flight.xlsx'));
    assert.ok(stored.equals(workbook), 'stored byte for byte');
    const { last } = await pollTask(app().url, streamedTaskId, finished);
    assert.equal(last.data.status, 'completed', JSON.stringify(last.data));
    assert.equal(last.data.priority, 'low');
    assert.equal(last.data.results.length, 6);
  });

  test('GET, PUT and DELETE /task answer 404 "任务未找到" naming the id for an unknown id, the document\'s own example ids included', async () => {
    const unknown = await getJson(app().url, `/task/${UNKNOWN_ID}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 404);
    assert.equal(unknown.json.message, '任务未找到');
    assert.deepEqual(unknown.json.data, { task_id: UNKNOWN_ID });
    assert.equal(unknown.json.error, '任务未找到');
    const english = await getJson(app().url, '/task/invalid-task-id', { headers: { 'accept-language': 'en' } });
    assert.equal(english.status, 404);
    assert.equal(english.json.message, 'Task not found');
    assert.deepEqual(english.json.data, { task_id: 'invalid-task-id' });
    for (const [method, body] of [['GET', undefined], ['PUT', '{"status":"failed"}'], ['DELETE', undefined]] as const) {
      const response = await fetch(`${app().url}/task/abc123-def456-ghi789`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
      const json = await response.json();
      assert.equal(response.status, 404, method);
      assert.equal(json.message, '任务未找到', method);
      assert.deepEqual(json.data, { task_id: 'abc123-def456-ghi789' }, method);
    }
  });

  test('PUT /task updates message and priority ("任务更新成功" with task_info) and refuses bad bodies as documented', async () => {
    const id = streamedTaskId;
    const updated = await put(app().url, id, { message: '手动标记为完成' });
    assert.equal(updated.status, 200);
    assert.equal(updated.json.message, '任务更新成功');
    assert.equal(updated.json.data.task_id, id);
    assert.equal(updated.json.data.status, 'updated');
    assert.deepEqual(Object.keys(updated.json.data.task_info).sort(), ['message', 'priority', 'status', 'updated_at']);
    assert.equal(updated.json.data.task_info.message, '手动标记为完成');
    assert.equal(updated.json.data.task_info.status, 'completed');
    assert.ok(Math.abs(updated.json.data.task_info.updated_at - Date.now() / 1000) < 5);
    const priority = await put(app().url, id, { priority: 'high' });
    assert.equal(priority.json.data.task_info.priority, 'high');
    assert.equal((await getJson(app().url, `/task/${id}`)).json.data.message, '手动标记为完成');

    const refusals: [unknown, number, string][] = [
      [{ status: 'done' }, 400, '无效状态。必须是以下之一: pending, processing, completed, failed'],
      [{ priority: 'urgent' }, 400, '无效优先级。必须是以下之一: high, normal, low'],
      [{ message: 42 }, 400, '无效消息。必须是不超过 2000 个字符的字符串'],
      [{ message: 'x'.repeat(2001) }, 400, '无效消息。必须是不超过 2000 个字符的字符串'],
      [{}, 400, '请至少提供 status、message 或 priority 之一'],
      ['status=completed', 400, '请求体必须是 JSON 格式'],
      ['[{"status": "completed"}]', 400, '请求体必须是 JSON 格式'],
      ['null', 400, '请求体必须是 JSON 格式'],
      ['', 400, '请求体必须是 JSON 格式'],
    ];
    for (const [body, status, message] of refusals) {
      const response = await put(app().url, id, body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.equal(response.json.message, message);
      assert.deepEqual(response.json.data, {});
      assert.equal(response.json.error, message);
    }
    const en = await put(app().url, id, { status: 'done' }, { 'accept-language': 'en' });
    assert.equal(en.json.message, 'Invalid status. Must be one of: pending, processing, completed, failed');
    const missing = await put(app().url, UNKNOWN_ID, { message: 'x' });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json.data, { task_id: UNKNOWN_ID });
    assert.equal((await put(app().url, 'nope', { message: 'x' })).status, 404, 'an id that is no UUID names no task');
    const huge = await put(app().url, id, { message: 'x'.repeat(100 * 1024) });
    assert.equal(huge.status, 413);
    assert.equal((await getJson(app().url, `/task/${id}`)).json.data.status, 'completed', 'nothing changed');
  });

  test('PUT status "pending" re-queues a finished task: it runs again and completes with fresh results', async () => {
    const id = streamedTaskId;
    const before = (await getJson(app().url, `/task/${id}`)).json.data;
    const requeued = await put(app().url, id, { status: 'pending' });
    assert.equal(requeued.status, 200);
    assert.equal(requeued.json.data.task_info.status, 'pending');
    const { last, seen } = await pollTask(app().url, id, (t) => t.status === 'completed' && t !== undefined);
    assert.ok(seen.some((s) => s.status !== 'completed'), 'it went through the queue again');
    assert.equal(last.data.results.length, 6);
    assert.ok(last.data.updated_at > before.updated_at);
    assert.notDeepEqual(last.data.results.map((r: { rel_path: string }) => r.rel_path), before.results.map((r: { rel_path: string }) => r.rel_path));
    for (const r of last.data.results) assert.ok(existsSync(join(app().config.outputFolder, r.rel_path)));
  });

  test('a pending task has no progress or results, takes a new priority, and DELETE is 409 "无法删除当前正在处理或等待处理的任务"', async () => {
    const id = await uploadForm(queueOnly().url, workbook, 'queued.xlsx');
    const pending = await getJson(queueOnly().url, `/task/${id}`);
    assert.equal(pending.json.data.status, 'pending');
    assert.equal(pending.json.data.message, '任务已排队,等待处理');
    assert.equal('progress' in pending.json.data, false);
    assert.equal('results' in pending.json.data, false);
    assert.equal((await put(queueOnly().url, id, { priority: 'low' })).json.data.task_info.priority, 'low');

    const refused = await getJson(queueOnly().url, `/task/${id}`, { method: 'DELETE' });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.code, 409);
    assert.equal(refused.json.message, '无法删除当前正在处理或等待处理的任务');
    assert.deepEqual(refused.json.data, { task_status: 'pending' });
    assert.ok(existsSync(join(queueOnly().config.uploadFolder, id)), 'nothing was removed');

    // Marked failed by hand, its message is its error, and it can then be deleted.
    const failed = await put(queueOnly().url, id, { status: 'failed', message: '处理失败 due to invalid input data' });
    assert.equal(failed.json.data.task_info.status, 'failed');
    const shown = await getJson(queueOnly().url, `/task/${id}`);
    assert.equal(shown.json.data.error, '处理失败 due to invalid input data');
    assert.equal(shown.json.error, '处理失败 due to invalid input data');
    const deleted = await getJson(queueOnly().url, `/task/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.json.data.details.task_status, 'failed');
    assert.equal(deleted.json.data.details.folders_deleted, 1, 'only the upload: it never ran');
  });

  test('GET /reports lists every task with its files, pages, sorts and filters ("报告列表获取成功")', async () => {
    const broken = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('broken')]);
    const failedIds = [await uploadForm(app().url, broken, 'a.xlsx'), await uploadForm(app().url, broken, 'b.xlsx')];
    for (const id of failedIds) await pollTask(app().url, id, finished);

    const all = await getJson(app().url, '/reports');
    assert.equal(all.status, 200);
    assert.equal(all.json.message, '报告列表获取成功');
    const { reports, pagination, filters } = all.json.data;
    assert.equal(reports.length, 3);
    assert.deepEqual(pagination, { page: 1, per_page: 20, total_reports: 3, total_pages: 1, has_next: false, has_prev: false });
    assert.deepEqual(filters, { sort_by: 'created_at', sort_order: 'desc', status: null });
    assert.deepEqual(all.json.pagination, pagination, 'the documented client reads data["pagination"] at the top level');
    const created = reports.map((r: { created_at: number }) => r.created_at);
    assert.deepEqual(created, [...created].sort((a, b) => b - a));

    const done = reports.find((r: { task_id: string }) => r.task_id === streamedTaskId);
    assert.deepEqual(Object.keys(done).sort(), [
      'all_files',
      'created_at',
      'file_count',
      'main_report',
      'processing_time_seconds',
      'report_name',
      'run_directory',
      'status',
      'task_id',
      'total_size',
    ]);
    assert.equal(done.report_name, 'curtain_flight');
    assert.equal(done.status, 'completed');
    assert.equal(done.file_count, 6);
    assert.equal(done.total_size, done.all_files.reduce((sum: number, f: { size: number }) => sum + f.size, 0));
    assert.ok(done.processing_time_seconds > 0);
    assert.ok(done.run_directory.startsWith(`${streamedTaskId}/curtain_flight.processed/`));
    assert.deepEqual(Object.keys(done.main_report).sort(), ['download_url', 'name', 'size', 'type']);
    assert.equal(done.main_report.type, 'report');
    assert.equal(done.main_report.download_url, `/download/${done.run_directory}/${done.main_report.name}`);
    for (const file of done.all_files) assert.deepEqual(Object.keys(file).sort(), ['download_url', 'name', 'size', 'type']);
    const main = await fetch(`${app().url}${done.main_report.download_url}`);
    assert.equal(main.status, 200);
    assert.equal(Buffer.from(await main.arrayBuffer()).length, done.main_report.size);

    const failedReport = reports.find((r: { task_id: string }) => r.task_id === failedIds[0]);
    assert.equal(failedReport.status, 'failed');
    assert.equal(failedReport.main_report, null);
    assert.deepEqual(failedReport.all_files, []);
    assert.equal(failedReport.file_count, 0);

    const completedOnly = await getJson(app().url, '/reports?status=completed');
    assert.deepEqual(completedOnly.json.data.reports.map((r: { task_id: string }) => r.task_id), [streamedTaskId]);
    assert.equal(completedOnly.json.data.filters.status, 'completed');
    const failedOnly = await getJson(app().url, '/reports?status=failed&sort_by=task_id&sort_order=asc');
    assert.deepEqual(failedOnly.json.data.reports.map((r: { task_id: string }) => r.task_id), [...failedIds].sort());

    const page2 = await getJson(app().url, '/reports?page=2&per_page=1&sort_by=file_size&sort_order=asc');
    assert.deepEqual(page2.json.data.pagination, { page: 2, per_page: 1, total_reports: 3, total_pages: 3, has_next: true, has_prev: true });
    assert.equal(page2.json.data.reports.length, 1);
    const last = await getJson(app().url, '/reports?page=3&per_page=1&sort_by=file_size&sort_order=asc');
    assert.equal(last.json.data.reports[0].task_id, streamedTaskId, 'the largest last');
    assert.equal(last.json.data.pagination.has_next, false);
    const byTime = await getJson(app().url, '/reports?sort_by=processing_time&sort_order=desc');
    assert.equal(byTime.json.data.reports[0].task_id, streamedTaskId);

    // Without a status filter the doc lists every task: queued ones too.
    const queuedId = await uploadForm(queueOnly().url, workbook, 'waiting.xlsx');
    const queued = await getJson(queueOnly().url, '/reports');
    assert.deepEqual(queued.json.data.reports.map((r: { task_id: string; status: string }) => [r.task_id, r.status]), [[queuedId, 'pending']]);
    assert.deepEqual((await getJson(queueOnly().url, '/reports?status=completed')).json.data.reports, []);
  });

  test('DELETE answers 500 "删除任务文件失败: <reason>" when the files cannot be removed, and an unexpected error is a 500 envelope', async () => {
    // Root can remove anything here, so the service's I/O failure is stood in for on the running instance.
    const tasks = app().app.services().tasks;
    const originalDelete = tasks.delete;
    const originalGet = tasks.get;
    try {
      tasks.delete = async () => ({ ok: false, reason: 'io', message: 'Permission denied' });
      const failed = await getJson(app().url, `/task/${UNKNOWN_ID}`, { method: 'DELETE' });
      assert.equal(failed.status, 500);
      assert.equal(failed.json.message, '删除任务文件失败: Permission denied');
      assert.deepEqual(failed.json.data, {});
      tasks.get = async () => {
        throw new Error('the database went away');
      };
      const broken = await getJson(app().url, `/task/${UNKNOWN_ID}`);
      assert.equal(broken.status, 500);
      assert.equal(broken.json.code, 500);
      assert.equal(broken.json.message, '服务器内部错误');
      assert.equal(JSON.stringify(broken.json).includes('database went away'), false, 'internal details stay in the log');
    } finally {
      tasks.delete = originalDelete;
      tasks.get = originalGet;
    }
    assert.equal((await getJson(app().url, `/task/${UNKNOWN_ID}`)).status, 404);
  });

  test('GET /reports answers bad paging, sorting and filter values with 400 and the documented message', async () => {
    const cases: [string, string][] = [
      ['per_page=0', 'Invalid parameter: per_page must be between 1 and 100'],
      ['per_page=101', 'Invalid parameter: per_page must be between 1 and 100'],
      ['per_page=abc', 'Invalid parameter: per_page must be between 1 and 100'],
      ['per_page=2.5', 'Invalid parameter: per_page must be between 1 and 100'],
      ['page=0', 'Invalid parameter: page must be a positive integer'],
      ['page=-1', 'Invalid parameter: page must be a positive integer'],
      ['page=first', 'Invalid parameter: page must be a positive integer'],
      ['sort_by=size', 'Invalid parameter: sort_by must be one of created_at, task_id, file_size, processing_time'],
      ['sort_order=up', 'Invalid parameter: sort_order must be one of asc, desc'],
      ['status=pending', 'Invalid parameter: status must be one of completed, failed'],
      ['status=bogus', 'Invalid parameter: status must be one of completed, failed'],
    ];
    for (const [query, message] of cases) {
      const { status, json } = await getJson(app().url, `/reports?${query}`);
      assert.equal(status, 400, query);
      assert.equal(json.code, 400);
      assert.equal(json.message, message, query);
      assert.deepEqual(json.data, {});
      assert.equal(json.error, message);
    }
    const en = await getJson(app().url, '/reports?per_page=0', { headers: { 'accept-language': 'en' } });
    assert.equal(en.json.message, 'Invalid parameter: per_page must be between 1 and 100');
  });
});
