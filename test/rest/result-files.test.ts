import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestApp } from '../helpers/app-harness.ts';
import { assertStillServing, rawRequest } from './rest-helpers.ts';

const TASK = '0b9f3c2a-5d6e-4f70-8a9b-c0d1e2f3a4b5';
const RUN = `${TASK}/flight.processed/2026-01-14_10-33-29-961698_processing_run`;

describe('GET /download/{path}: files under the output folder only', () => {
  const app = useTestApp();
  const files: Record<string, Buffer> = {
    'flight.processed_ch4_report.html': Buffer.from('<!doctype html><title>ch4</title><p>报告</p>'),
    'flight.processed_data.csv': Buffer.from('latitude,longitude\n52.0,5.0\n'),
    'flight.processed_config.yaml': Buffer.from('strategies:\n  spatial: curtain\n'),
    'flight.processed_output_vars.json': Buffer.from('{"ch4": {"flux_kg_h": 10.2}}'),
    'notes.bin': Buffer.from([0, 1, 2, 3, 255]),
    'données 报告.csv': Buffer.from('a,b\n1,2\n'),
  };

  before(() => {
    const run = join(app().config.outputFolder, RUN);
    mkdirSync(run, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(run, name), content);
    // links that point out of the output folder
    symlinkSync('/etc', join(app().config.outputFolder, TASK, 'etc-link'));
    symlinkSync('/etc/hostname', join(app().config.outputFolder, TASK, 'hostname-link'));
    writeFileSync(join(app().config.uploadFolder, 'secret.txt'), 'an upload, not an output');
  });

  test('each result type is streamed with its content type, exact length and disposition', async () => {
    const expected: Record<string, [string, 'inline' | 'attachment']> = {
      'flight.processed_ch4_report.html': ['text/html; charset=utf-8', 'inline'],
      'flight.processed_data.csv': ['text/csv; charset=utf-8', 'attachment'],
      'flight.processed_config.yaml': ['application/yaml', 'attachment'],
      'flight.processed_output_vars.json': ['application/json', 'attachment'],
      'notes.bin': ['application/octet-stream', 'attachment'],
    };
    for (const [name, [type, disposition]] of Object.entries(expected)) {
      const response = await rawRequest(app().url, { path: `/download/${RUN}/${name}` });
      assert.equal(response.status, 200, name);
      assert.equal(response.headers['content-type'], type);
      assert.equal(response.headers['content-length'], String(files[name].length));
      assert.equal(response.headers['content-disposition'], `${disposition}; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.ok(response.body.equals(files[name]));
    }
    const unicode = await rawRequest(app().url, { path: `/download/${RUN}/${encodeURIComponent('données 报告.csv')}` });
    assert.equal(unicode.status, 200);
    assert.ok(unicode.body.equals(files['données 报告.csv']));
    assert.match(String(unicode.headers['content-disposition']), /filename\*=UTF-8''donn%C3%A9es%20%E6%8A%A5%E5%91%8A\.csv$/);
  });

  test('a missing file is 404 "文件未找到" naming it, and a folder is 400 "路径不是文件"', async () => {
    const missing = await rawRequest(app().url, { path: `/download/${TASK}/report.html` });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 404);
    assert.equal(missing.json.message, '文件未找到');
    assert.deepEqual(missing.json.data, { filename: `${TASK}/report.html` });
    assert.equal(missing.json.error, '文件未找到');
    const en = await rawRequest(app().url, { path: '/download/nothing/here.csv', headers: { 'accept-language': 'en' } });
    assert.equal(en.json.message, 'File not found');
    const empty = await rawRequest(app().url, { path: '/download/' });
    assert.equal(empty.status, 404);

    const folder = await rawRequest(app().url, { path: `/download/${RUN}` });
    assert.equal(folder.status, 400);
    assert.equal(folder.json.message, '路径不是文件');
    assert.deepEqual(folder.json.data, { filename: RUN });
    assert.equal((await rawRequest(app().url, { path: `/download/${TASK}/` })).status, 400);
  });

  test('every way out of the output folder is 403 "访问被拒绝", sent exactly as written', async () => {
    const attempts = [
      '/download/../../etc/passwd',
      '/download/../uploads/secret.txt',
      '/download/%2e%2e/%2e%2e/etc/passwd',
      '/download/%2E%2E/%2E%2E/etc/passwd',
      '/download/.%2e/.%2e/etc/passwd',
      '/download/x/..%2f..%2fetc',
      '/download/x/..%2F..%2F..%2Fetc%2Fpasswd',
      '/download/%2Fetc%2Fpasswd',
      '/download//etc/passwd',
      '/download/%252e%252e/%252e%252e/etc/passwd',
      '/download/%25252e%25252e%25252fetc',
      '/download/..%5c..%5cetc%5cpasswd',
      '/download/..\\..\\etc\\passwd',
      '/download/C:%5cWindows%5cwin.ini',
      '/download/a%00b.csv',
      `/download/${RUN}/../../../../../etc/passwd`,
      `/download/${TASK}/./flight.processed`,
      `/download/${TASK}/etc-link/passwd`,
      `/download/${TASK}/hostname-link`,
    ];
    for (const path of attempts) {
      const response = await rawRequest(app().url, { path });
      assert.equal(response.status, 403, `${path} → ${response.status} ${response.body.toString().slice(0, 120)}`);
      assert.equal(response.json.code, 403);
      assert.equal(response.json.message, '访问被拒绝');
      assert.equal(response.json.error, '访问被拒绝');
      assert.ok(!response.body.includes('root:'), 'no file content leaked');
    }
    const en = await rawRequest(app().url, { path: '/download/../../etc/passwd', headers: { 'accept-language': 'en' } });
    assert.equal(en.json.message, 'Access denied');
    await assertStillServing(app().url);
  });

  test('only GET downloads: other methods are 405', async () => {
    const response = await rawRequest(app().url, { method: 'DELETE', path: `/download/${RUN}/notes.bin` });
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, 'GET');
  });
});
