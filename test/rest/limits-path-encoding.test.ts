/**
 * A request path that does not percent-decode (`%ff`, the overlong `%c0%ae` of old traversal tricks) is the client's
 * mistake: 400 in each port's error style, never a 500, whichever route it would have reached.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app-harness.ts';
import { rawRequest } from './rest-helpers.ts';

describe('badly percent-encoded request paths', () => {
  const running = useTestApp({ role: 'api' });

  for (const path of ['/download/%c0%ae%c0%ae/etc/passwd', '/task/%ff', '/task/%ff/extra', '/%e4%b8', '/reports%ff']) {
    test(`GET ${path} is a 400 "无效的请求路径编码" in the documented envelope`, async () => {
      const { status, json } = await rawRequest(running().url, { path });
      assert.equal(status, 400, JSON.stringify(json));
      assert.equal(json.code, 400);
      assert.equal(json.message, '无效的请求路径编码');
      assert.equal(json.error, '无效的请求路径编码');
      assert.equal(json.data.path, path);
    });
  }

  test('the refusal is in English with Accept-Language: en, for any method, and carries CORS headers', async () => {
    const { status, json, headers } = await rawRequest(running().url, {
      method: 'DELETE',
      path: '/task/%ff',
      headers: { 'accept-language': 'en', origin: 'https://reader.example' },
    });
    assert.equal(status, 400);
    assert.equal(json.message, 'Invalid percent-encoding in the request path');
    assert.ok(headers['access-control-allow-origin'], 'a cross-origin reader can see why');
  });

  test('well-formed encodings still reach their routes', async () => {
    const task = await rawRequest(running().url, { path: '/task/%61bc' });
    assert.equal(task.status, 404, 'an unknown task, not a bad path');
    assert.notEqual(task.json.message, '无效的请求路径编码');
    const download = await rawRequest(running().url, { path: '/download/%2e%2e/etc/passwd' });
    assert.equal(download.status, 403, 'a traversal is still refused as before');
  });

  test('the WIS2 port answers /subscriptions/%ff with 400 and its {"error"} body', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const { status, json } = await rawRequest(running().wis2Url, { method, path: '/subscriptions/%ff' });
      assert.equal(status, 400, `${method}: ${JSON.stringify(json)}`);
      assert.deepEqual(json, { error: 'Invalid percent-encoding in the request path' });
    }
    const health = await rawRequest(running().wis2Url, { path: '/health' });
    assert.equal(health.status, 200);
  });
});
