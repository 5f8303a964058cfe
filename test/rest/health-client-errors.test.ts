import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { useTestApp } from '../helpers/app-harness.ts';
import { getJson, multipartBuffer, rawRequest } from './rest-helpers.ts';

const resetStats = async (url: string) => (await fetch(`${url}/stats/reset`, { method: 'POST' })).json();

describe('GET /health judges server errors of the last minutes, not client mistakes', () => {
  const app = useTestApp();

  test('20 requests for unknown paths leave /health 200 and healthy, while /stats still counts them as errors', async () => {
    await resetStats(app().url);
    for (let i = 0; i < 20; i++) assert.equal((await rawRequest(app().url, { path: `/missing-${i}` })).status, 404);
    const { status, json } = await getJson(app().url, '/health');
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.message, '健康检查完成');
    assert.equal(json.data.status, 'healthy');
    assert.equal(json.data.performance.error_rate_percent, 0);
    assert.equal('issues' in json.data, false);

    const stats = await getJson(app().url, '/stats');
    assert.equal(stats.json.data.requests.by_status['404'], 20);
    assert.ok(stats.json.data.summary.error_rate_percent > 80, 'every status ≥ 400 is still an error in /stats');
  });

  test('a 405 right after POST /stats/reset leaves /health 200', async () => {
    await resetStats(app().url);
    assert.equal((await rawRequest(app().url, { method: 'DELETE', path: '/health' })).status, 405);
    const { status, json } = await getJson(app().url, '/health');
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.status, 'healthy');
  });

  test('20 answers 500 (uploads while the upload folder is a file) make /health 503 until the window forgets them or a reset', async () => {
    const folder = app().config.uploadFolder;
    const upload = await multipartBuffer([{ name: 'file', filename: 'flight.xlsx', content: 'PK' }]);
    rmSync(folder, { recursive: true, force: true });
    writeFileSync(folder, 'not a folder');
    try {
      await resetStats(app().url);
      for (let i = 0; i < 20; i++) {
        const answer = await rawRequest(app().url, {
          method: 'POST',
          path: '/upload',
          headers: { 'content-type': upload.contentType, 'content-length': upload.body.length },
          body: upload.body,
        });
        assert.equal(answer.status, 500);
      }
      const broken = await getJson(app().url, '/health');
      assert.equal(broken.status, 503);
      // 20 of the 21 requests since the reset (its own answer is a 200)
      assert.deepEqual(broken.json.data.issues, ['存储不可写 (uploads)', '错误率过高 (95.24%)']);
    } finally {
      rmSync(folder, { force: true });
      mkdirSync(folder);
    }

    // The folder is back, but the failures are recent: still degraded, now for the error rate alone.
    const { status, json } = await getJson(app().url, '/health');
    assert.equal(status, 503);
    assert.equal(json.code, 503);
    assert.equal(json.message, '服务不可用');
    assert.equal(json.data.status, 'degraded');
    assert.equal(json.status, 'degraded');
    assert.equal(json.data.performance.error_rate_percent, 95.24);
    assert.deepEqual(json.data.issues, ['错误率过高 (95.24%)']);
    assert.deepEqual(json.issues, json.data.issues);
    const en = await getJson(app().url, '/health', { headers: { 'accept-language': 'en' } });
    assert.equal(en.status, 503);
    assert.equal(en.json.message, 'Service unavailable');
    assert.deepEqual(en.json.data.issues, ['Error rate too high (95.24%)']);

    await resetStats(app().url);
    assert.equal((await getJson(app().url, '/health')).status, 200);
  });
});
