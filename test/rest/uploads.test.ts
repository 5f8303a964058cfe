import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, useTestApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { zeroBomb } from '../helpers/bad-files.ts';
import {
  assertStillServing,
  bytes,
  entries,
  getJson,
  multipart,
  multipartBuffer,
  pollTask,
  rawRequest,
  type FilePart,
} from './rest-helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MB = 1024 * 1024;
const workbook = tableToWorkbookBuffer(syntheticFlight({ seed: 11 }).table, 'xlsx');
const ZIP_HEAD = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** A browser/curl-like upload with fetch's FormData. */
async function upload(url: string, files: Record<string, [content: Buffer | string, name: string]>, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [field, [content, name]] of Object.entries(files)) form.append(field, new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  for (const [field, value] of Object.entries(fields)) form.append(field, value);
  return getJson(url, '/upload', { method: 'POST', body: form, headers });
}

function assertRefused(response: { status: number; json: Record<string, unknown> }, status: number, message: string) {
  assert.equal(response.status, status, JSON.stringify(response.json));
  assert.equal(response.json.code, status);
  assert.equal(response.json.message, message);
  assert.deepEqual(response.json.data, {});
  assert.equal(response.json.error, message, 'the documented clients print `error`');
}

describe('POST /upload with the default 100 MB limit', () => {
  const app = useTestApp();
  const uploads = () => app().config.uploadFolder;

  /** Runs a refused upload and checks that it left nothing behind and the service still answers. */
  async function refused<T>(send: () => Promise<T>): Promise<T> {
    const before = entries(uploads());
    const result = await send();
    assert.deepEqual(entries(uploads()), before, 'nothing is left in the upload folder');
    await assertStillServing(app().url);
    return result;
  }

  test('a workbook with a YAML config and a priority is accepted with 202 "任务已接受并加入处理队列"', async () => {
    const config = 'strategies:\n  background: algorithmic\n';
    const { status, json } = await upload(app().url, { file: [workbook, '08_34_01_5m.xlsx'], config: [config, 'config.yaml'] }, { priority: 'high' });
    assert.equal(status, 202);
    assert.equal(json.code, 202);
    assert.equal(json.message, '任务已接受并加入处理队列');
    assert.equal(json.data.status, 'accepted');
    assert.match(json.data.job_id, UUID);
    assert.equal(json.data.task_status_url, `/task/${json.data.job_id}`);
    // the documented clients read result['job_id']
    assert.equal(json.job_id, json.data.job_id);
    assert.equal(json.status, 'accepted');
    const stored = readdirSync(join(uploads(), json.job_id)).sort();
    assert.deepEqual(stored, ['08_34_01_5m.xlsx', 'config-config.yaml']);
    const task = await getJson(app().url, `/task/${json.job_id}`);
    assert.equal(task.json.data.priority, 'high');
  });

  test('a data file with another extension is 400 "无效的数据文件类型。只允许 .xlsx 和 .xls 格式。"', async () => {
    const response = await refused(() => upload(app().url, { file: ['a,b\n1,2\n', 'data.csv'] }));
    assertRefused(response, 400, '无效的数据文件类型。只允许 .xlsx 和 .xls 格式。');
  });

  test('a text file renamed .xlsx is refused by its content (400), in Chinese or English', async () => {
    const zh = await refused(() => upload(app().url, { file: ['just some notes, not a workbook\n', 'notes.xlsx'] }));
    assertRefused(zh, 400, '数据文件不是有效的 Excel 工作簿 (.xlsx 或 .xls)。');
    const en = await refused(() => upload(app().url, { file: ['just some notes\n', 'notes.xls'] }, {}, { 'accept-language': 'en' }));
    assertRefused(en, 400, 'The data file is not an Excel workbook (.xlsx or .xls).');
  });

  test('an empty .xlsx is 400 "数据文件为空。"', async () => {
    assertRefused(await refused(() => upload(app().url, { file: ['', 'empty.xlsx'] })), 400, '数据文件为空。');
  });

  test('a config with another extension is 400 "无效的配置文件类型。只允许 .yaml 和 .yml 格式。"', async () => {
    const response = await refused(() => upload(app().url, { file: [workbook, 'f.xlsx'], config: ['{"a": 1}', 'config.json'] }));
    assertRefused(response, 400, '无效的配置文件类型。只允许 .yaml 和 .yml 格式。');
  });

  test('a config with a bad value is 400 naming the key', async () => {
    const config = 'required_cols:\n  latitude: [-90, "north"]\n';
    const response = await refused(() => upload(app().url, { file: [workbook, 'f.xlsx'], config: [config, 'config.yml'] }));
    assert.equal(response.status, 400);
    assert.match(response.json.message, /^配置文件内容无效: .*required_cols\.latitude/);
    const strategy = await refused(() => upload(app().url, { file: [workbook, 'f.xlsx'], config: ['strategies:\n  spatial: sideways\n', 'c.yaml'] }, {}, { 'accept-language': 'en' }));
    assert.equal(strategy.status, 400);
    assert.match(strategy.json.message, /strategies\.spatial.*sideways/);
  });

  test('a YAML bomb config is 400 without expanding it', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const started = performance.now();
    const response = await refused(() => upload(app().url, { file: [workbook, 'f.xlsx'], config: [levels.join('\n') + '\n', 'bomb.yaml'] }));
    assert.equal(response.status, 400);
    assert.match(response.json.message, /^配置文件内容无效: .*alias/);
    assert.ok(performance.now() - started < 5000);
  });

  test('an upload without a `file` part, or with `file` as a plain field, is 400 with a clear message', async () => {
    const noFile = await refused(() => upload(app().url, { config: ['a: 1\n', 'c.yaml'] }));
    assertRefused(noFile, 400, '请求中缺少数据文件 (file 字段)。');
    const form = new FormData();
    form.append('file', 'data.xlsx');
    const field = await refused(() => getJson(app().url, '/upload', { method: 'POST', body: form, headers: { 'accept-language': 'en' } }));
    assertRefused(field, 400, "The request has no data file (form field 'file').");
  });

  test('a body that is not multipart/form-data, or a broken multipart body, is 400', async () => {
    const json = await refused(() => getJson(app().url, '/upload', { method: 'POST', body: '{"file": "x"}', headers: { 'content-type': 'application/json' } }));
    assertRefused(json, 400, '请求必须是 multipart/form-data 格式,并包含 file 字段。');
    const noBoundary = await refused(() => rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }));
    assertRefused(noBoundary, 400, '无法解析 multipart/form-data 请求体。');
    const truncated = await refused(() =>
      rawRequest(app().url, {
        method: 'POST',
        path: '/upload',
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
        body: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="f.xlsx"\r\n\r\nPK\u0003\u0004 and then the body just stops',
      }),
    );
    assert.equal(truncated.status, 400);
  });

  test('an unknown priority is 400 "无效优先级。必须是以下之一: high, normal, low"', async () => {
    const response = await refused(() => upload(app().url, { file: [workbook, 'f.xlsx'] }, { priority: 'urgent' }));
    assertRefused(response, 400, '无效优先级。必须是以下之一: high, normal, low');
  });

  test('a corrupt .xlsx is accepted (202), then its task fails in data_loading with CORRUPT_FILE', async () => {
    const accepted = await upload(app().url, { file: [Buffer.concat([ZIP_HEAD, Buffer.from(' not really a zip')]), 'broken.xlsx'] });
    assert.equal(accepted.status, 202);
    const { last } = await pollTask(app().url, accepted.json.job_id, (t) => t.status === 'failed' || t.status === 'completed');
    assert.equal(last.status, 'failed');
    assert.equal(last.message, '处理失败');
    assert.equal(last.data.message, '处理失败');
    assert.match(last.data.error, /^处理失败: /);
    assert.equal(last.error, last.data.error, 'the failed-task example has `error` at the top level');
    assert.equal(last.data.error_details.stage, 'data_loading');
    assert.equal(last.data.error_details.error_code, 'CORRUPT_FILE');
    assert.equal(last.data.error_details.traceback, null, 'no traceback outside debug mode');
    const english = await getJson(app().url, `/task/${accepted.json.job_id}`, { headers: { 'accept-language': 'en' } });
    assert.equal(english.json.message, 'Processing failed');
    assert.match(english.json.data.error, /^Processing failed: /);
    assert.equal(typeof last.data.processing_time_seconds, 'number');
    assert.equal('results' in last.data, false);
    await assertStillServing(app().url);
  });

  test('a zip bomb .xlsx is accepted (202), then fails with CORRUPT_FILE without being unpacked', async () => {
    const bomb = zeroBomb(40, 16 * MB);
    assert.ok(bomb.length < MB);
    const accepted = await upload(app().url, { file: [bomb, 'bomb.xlsx'] });
    assert.equal(accepted.status, 202);
    const { last } = await pollTask(app().url, accepted.json.job_id, (t) => t.status === 'failed' || t.status === 'completed');
    assert.equal(last.data.status, 'failed');
    assert.equal(last.data.error_details.stage, 'data_loading');
    assert.equal(last.data.error_details.error_code, 'CORRUPT_FILE');
    assert.match(last.data.error, /unpack/);
    await assertStillServing(app().url);
  });

  test('100 MB + 1 byte, streamed without a declared length, is 413 "文件过大。最大尺寸为 100MB。" and leaves no file', async () => {
    const body = multipart([{ name: 'file', filename: 'huge.xlsx', content: bytes(100 * MB + 1, ZIP_HEAD) }]);
    const rssBefore = process.memoryUsage().rss;
    const response = await refused(() =>
      rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': body.contentType }, body: body.chunks() }),
    );
    assertRefused(response, 413, '文件过大。最大尺寸为 100MB。');
    assert.ok(process.memoryUsage().rss - rssBefore < 60 * MB, 'neither side held the upload in memory');
    // Counted by the listing: /stats' per-status counts may be up to a second old (shared by monitors polling at once).
    const listed = await getJson(app().url, '/reports');
    assert.equal(listed.json.data.pagination.total_reports, 3, 'no task was created (only the three accepted uploads above)');
  });

  test('a client that disconnects in the middle of an upload leaves nothing behind', async () => {
    const before = entries(uploads());
    const body = multipart([{ name: 'file', filename: 'cut.xlsx', content: bytes(50 * MB, ZIP_HEAD) }]);
    let midway = 0;
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: app().port, method: 'POST', path: '/upload', headers: { 'content-type': body.contentType } });
      req.on('error', () => resolve());
      let sent = 0;
      (async () => {
        for await (const chunk of body.chunks()) {
          sent += chunk.length;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          if (sent > 3 * MB) {
            // let the server store some of it, then hang up
            await new Promise((r) => setTimeout(r, 100));
            midway = entries(uploads()).length;
            req.destroy();
            resolve();
            return;
          }
        }
      })();
    });
    assert.equal(midway, before.length + 1, 'the upload was being stored when the client left');
    await eventually(async () => (entries(uploads()).length === before.length ? true : undefined), 5000, 'the partial upload to be removed');
    assert.deepEqual(entries(uploads()), before);
    await assertStillServing(app().url);
  });

  test('a body declaring far more than the limit is answered 413 before it is sent', async () => {
    const response = await refused(() =>
      rawRequest(app().url, {
        method: 'POST',
        path: '/upload',
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ', 'content-length': String(300 * MB) },
      }),
    );
    assertRefused(response, 413, '文件过大。最大尺寸为 100MB。');
    assert.equal(response.headers.connection, 'close');
  });
});

describe('POST /upload with GASFLUX_MAX_CONTENT_LENGTH of 1 MB', () => {
  const app = useTestApp({ env: { GASFLUX_MAX_CONTENT_LENGTH: String(MB) } });

  const flight = (size: number): FilePart[] => [{ name: 'file', filename: 'flight.xlsx', content: Buffer.concat([ZIP_HEAD, Buffer.alloc(size - ZIP_HEAD.length, 0x41)]) }];

  test('a file of exactly the limit is accepted; one byte more is 413 with the configured size in the message', async () => {
    const exact = await multipartBuffer(flight(MB));
    const ok = await rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': exact.contentType, 'content-length': exact.body.length }, body: exact.body });
    assert.equal(ok.status, 202, JSON.stringify(ok.json));

    const before = entries(app().config.uploadFolder);
    const over = await multipartBuffer(flight(MB + 1));
    const declared = await rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': over.contentType, 'content-length': over.body.length }, body: over.body });
    assertRefused(declared, 413, '文件过大。最大尺寸为 1MB。');
    const streamed = multipart(flight(MB + 1));
    const chunked = await rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': streamed.contentType, 'accept-language': 'en' }, body: streamed.chunks() });
    assertRefused(chunked, 413, 'File too large. The maximum size is 1MB.');
    assert.deepEqual(entries(app().config.uploadFolder), before);
    await assertStillServing(app().url);
  });

  test('the data file and the config share the limit', async () => {
    const before = entries(app().config.uploadFolder);
    const parts = [...flight(MB - 10), { name: 'config', filename: 'c.yaml', content: 'strategies:\n  spatial: curtain\n' }];
    const body = await multipartBuffer(parts);
    const response = await rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': body.contentType }, body: body.body });
    assertRefused(response, 413, '文件过大。最大尺寸为 1MB。');
    assert.deepEqual(entries(app().config.uploadFolder), before);
  });

  test('a body declared larger than the limit plus the multipart allowance is refused with 413 before anything is stored', async () => {
    const before = entries(app().config.uploadFolder);
    const body = await multipartBuffer(flight(1.5 * MB));
    const response = await rawRequest(app().url, { method: 'POST', path: '/upload', headers: { 'content-type': body.contentType, 'content-length': body.body.length }, body: body.body });
    assertRefused(response, 413, '文件过大。最大尺寸为 1MB。');
    assert.notEqual(response.headers.connection, 'close', 'the rest of the body was read, so the connection could stay open');
    assert.deepEqual(entries(app().config.uploadFolder), before);
    await assertStillServing(app().url);
  });
});
