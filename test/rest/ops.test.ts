import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { useTestApps } from '../helpers/app-harness.ts';
import { DOCUMENTED_VARIABLES, EXTRA_VARIABLES, loadConfig } from '../../src/config.ts';
import { GASFLUX_API_VERSION } from '../../src/gasflux/version.ts';
import { configData } from '../../src/http/rest/ops.ts';
import { getJson, rawRequest } from './rest-helpers.ts';

const resetStats = async (url: string) => (await fetch(`${url}/stats/reset`, { method: 'POST' })).json();

describe('REST monitoring: /health, /stats, /stats/reset, /config', () => {
  const apps = useTestApps({ app: {}, other: { env: { GASFLUX_CORS_ORIGINS: 'https://a.example,https://b.example' } } });
  const app = () => apps().app;
  const other = () => apps().other;

  test('GET /health answers 200 "健康检查完成" with every documented field, mirrored at the top level', async () => {
    await resetStats(app().url);
    const { status, json } = await getJson(app().url, '/health');
    assert.equal(status, 200);
    assert.equal(json.code, 200);
    assert.equal(json.message, '健康检查完成');
    const data = json.data;
    assert.equal(data.status, 'healthy');
    assert.equal(data.version, GASFLUX_API_VERSION);
    assert.ok(Math.abs(data.timestamp - Date.now() / 1000) < 5, 'timestamp is epoch seconds');
    assert.match(data.uptime, /^\d+h \d+m \d+s$/);
    assert.equal(data.storage.uploads_writable, true);
    assert.equal(data.storage.outputs_writable, true);
    assert.deepEqual(Object.keys(data.tasks).sort(), ['active_count', 'success_rate_percent', 'total_processed', 'total_tracked']);
    assert.equal(data.tasks.active_count, 0);
    for (const key of ['requests_per_second', 'avg_response_time_ms', 'error_rate_percent']) assert.equal(typeof data.performance[key], 'number', key);
    assert.equal(data.performance.error_rate_percent, 0);
    assert.equal('issues' in data, false);
    // the documented clients read health['status']
    assert.equal(json.status, 'healthy');
    assert.deepEqual(json.storage, data.storage);
    assert.equal('error' in json, false);
  });

  test('Accept-Language: en answers the same data with English messages', async () => {
    const { json } = await getJson(app().url, '/health', { headers: { 'accept-language': 'en-GB,en;q=0.9,zh;q=0.5' } });
    assert.equal(json.message, 'Health check completed');
    assert.equal(json.data.status, 'healthy');
    const zh = await getJson(app().url, '/health', { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    assert.equal(zh.json.message, '健康检查完成');
  });

  test('GET /stats reports every documented field with real request, task and system figures', async () => {
    await resetStats(app().url);
    await getJson(app().url, '/health');
    await getJson(app().url, '/health');
    await getJson(app().url, '/no-such-page');
    const { status, json } = await getJson(app().url, '/stats');
    assert.equal(status, 200);
    assert.equal(json.message, '统计信息获取成功');
    const d = json.data;
    assert.deepEqual(Object.keys(d).sort(), ['performance', 'recent_tasks', 'requests', 'summary', 'system', 'tasks']);
    assert.deepEqual(Object.keys(d.summary).sort(), [
      'active_tasks',
      'error_rate_percent',
      'requests_per_second',
      'requests_total',
      'uptime_formatted',
      'uptime_seconds',
    ]);
    assert.equal(d.summary.requests_total, 4); // the reset, two /health, one 404 (this request is counted when it ends)
    assert.equal(d.summary.error_rate_percent, 25);
    assert.match(d.summary.uptime_formatted, /^\d+h \d+m \d+s$/);
    assert.deepEqual(d.requests.by_method, { POST: 1, GET: 3 });
    assert.deepEqual(d.requests.by_status, { '200': 3, '404': 1 });
    assert.equal(d.requests.top_endpoints['/health'], 2);
    assert.deepEqual(Object.keys(d.tasks).sort(), ['by_status', 'success_rate_percent', 'total_completed', 'total_created', 'total_failed']);
    assert.deepEqual(d.tasks.by_status, { pending: 0, processing: 0, completed: 0, failed: 0 });
    assert.ok(d.performance.max_response_time_ms >= d.performance.avg_response_time_ms);
    assert.ok(d.performance.avg_response_time_ms >= d.performance.min_response_time_ms);
    assert.ok(Math.abs(d.system.memory_total_gb - totalmem() / 1024 ** 3) < 0.1);
    assert.ok(d.system.memory_usage_percent > 0 && d.system.memory_usage_percent <= 100);
    assert.ok(d.system.disk_total_gb > 0 && d.system.disk_used_gb <= d.system.disk_total_gb);
    assert.deepEqual(d.recent_tasks, []);
    assert.deepEqual(json.summary, d.summary, 'mirrored at the top level');
  });

  test('POST /stats/reset answers "统计信息重置成功" with a timestamp and starts the counts again', async () => {
    await getJson(app().url, '/no-such-page');
    const reset = await resetStats(app().url);
    assert.equal(reset.code, 200);
    assert.equal(reset.message, '统计信息重置成功');
    assert.ok(Math.abs(reset.data.timestamp - Date.now() / 1000) < 5);
    const { json } = await getJson(app().url, '/stats');
    assert.equal(json.data.summary.requests_total, 1);
    assert.deepEqual(json.data.requests.by_status, { '200': 1 });
  });

  test('GET /config answers "配置信息获取成功" with the configuration and the supported variables', async () => {
    const { status, json } = await getJson(app().url, '/config');
    assert.equal(status, 200);
    assert.equal(json.message, '配置信息获取成功');
    const c = json.data.configuration;
    assert.deepEqual(Object.keys(c).sort(), [
      'base_dir',
      'channel_timeout',
      'connection_limit',
      'cors_origins',
      'debug',
      'host',
      'log_file',
      'log_level',
      'max_content_length',
      'max_task_age',
      'output_folder',
      'port',
      'task_cleanup_interval',
      'threads',
      'upload_folder',
    ]);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.max_content_length, 104857600);
    assert.equal(c.upload_folder, app().config.uploadFolder);
    assert.equal(c.output_folder, app().config.outputFolder);
    assert.deepEqual(c.cors_origins, ['*']);
    assert.equal(c.log_level, 'WARNING');
    assert.equal(c.threads, 8);
    assert.equal(c.channel_timeout, 300);
    const env = json.data.environment_variables;
    assert.deepEqual(env.supported.slice(0, 14), Object.keys(DOCUMENTED_VARIABLES));
    for (const name of Object.keys(EXTRA_VARIABLES)) assert.ok(env.supported.includes(name), name);
    assert.ok(env.supported.includes('MONGODB_URI'));
    assert.equal(env.current_values.GASFLUX_HOST, '127.0.0.1');
    assert.equal(env.current_values.GASFLUX_UPLOAD_FOLDER, app().config.uploadFolder);
    assert.equal('GASFLUX_THREADS' in env.current_values, false, 'only the variables that are set');
  });

  test("a MONGODB_URI password never appears in GET /config's current values", () => {
    const config = loadConfig({ MONGODB_URI: 'mongodb://gasflux:s3cret-pw@db.example:27017/gasflux?authSource=admin' });
    const data = configData(config);
    assert.equal(data.environment_variables.current_values.MONGODB_URI, 'mongodb://gasflux:***@db.example:27017/gasflux?authSource=admin');
    assert.equal(JSON.stringify(data).includes('s3cret'), false);
  });

  test('unknown routes answer 404 and wrong methods 405 (with Allow), both in the envelope', async () => {
    const root = await rawRequest(app().url, { path: '/no-such-root' });
    assert.equal(root.status, 404);
    assert.equal(root.json.code, 404);
    assert.equal(root.json.message, '请求的资源不存在');
    assert.equal(root.json.error, '请求的资源不存在');
    const unknown = await rawRequest(app().url, { path: '/no/such/thing', headers: { 'accept-language': 'en' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.message, 'Not found');

    const wrong = await rawRequest(app().url, { method: 'DELETE', path: '/health' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.json.code, 405);
    assert.equal(wrong.json.message, '不允许的请求方法');
    assert.equal(wrong.headers.allow, 'GET');
    const task = await rawRequest(app().url, { method: 'POST', path: '/task/3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b' });
    assert.equal(task.status, 405);
    assert.equal(task.headers.allow, 'GET, PUT, DELETE');
    const upload = await rawRequest(app().url, { method: 'GET', path: '/upload' });
    assert.equal(upload.status, 405);
    assert.equal(upload.headers.allow, 'POST');
  });

  test('GET /openapi documents every REST route', async () => {
    const { status, json } = await getJson(app().url, '/openapi');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json.paths).sort(), ['/config', '/download/{path}', '/health', '/reports', '/stats', '/stats/reset', '/task/{task_id}', '/upload']);
    assert.deepEqual(Object.keys(json.paths['/task/{task_id}']).sort(), ['delete', 'get', 'put']);
    const swagger = await rawRequest(app().url, { path: '/docs' });
    assert.equal(swagger.status, 404, 'no Swagger UI from a CDN');
  });

  test('CORS: any origin is allowed by default; a configured list allows only its origins', async () => {
    const open = await rawRequest(app().url, { path: '/health', headers: { origin: 'https://anywhere.example' } });
    assert.equal(open.headers['access-control-allow-origin'], 'https://anywhere.example');
    const preflight = await rawRequest(app().url, {
      method: 'OPTIONS',
      path: '/upload',
      headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-methods'], 'POST');

    const allowed = await rawRequest(other().url, { path: '/config', headers: { origin: 'https://b.example' } });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://b.example');
    const refused = await rawRequest(other().url, { path: '/config', headers: { origin: 'https://evil.example' } });
    assert.notEqual(refused.headers['access-control-allow-origin'], 'https://evil.example');
    assert.deepEqual((await getJson(other().url, '/config')).json.data.configuration.cors_origins, ['https://a.example', 'https://b.example']);
  });

  test('GET /health is 503 with a storage issue when the output folder is removed or replaced by a file', async () => {
    const folder = other().config.outputFolder;
    rmSync(folder, { recursive: true, force: true });
    await resetStats(other().url); // only storage counts here, not the 503s themselves
    const gone = await getJson(other().url, '/health');
    assert.equal(gone.status, 503);
    assert.equal(gone.json.data.storage.outputs_writable, false);
    assert.equal(gone.json.data.storage.uploads_writable, true);
    assert.deepEqual(gone.json.data.issues, ['存储不可写 (outputs)']);

    writeFileSync(folder, 'not a folder');
    await resetStats(other().url);
    const file = await getJson(other().url, '/health');
    assert.equal(file.status, 503);
    assert.deepEqual(file.json.data.issues, ['存储不可写 (outputs)']);

    rmSync(folder);
    mkdirSync(folder);
    await resetStats(other().url);
    assert.equal((await getJson(other().url, '/health')).status, 200);
  });
});
