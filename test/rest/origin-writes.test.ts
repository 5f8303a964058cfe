/**
 * Who may change state over REST (any method but GET/HEAD/OPTIONS), judged by the Origin header: clients that send
 * none (curl, the SDK in Node, the documented Python/axios clients), this service's own pages (same Host and scheme),
 * and origins listed in GASFLUX_CORS_ORIGINS. The default `*` lets any origin READ, never write: a cross-site form
 * POST to /upload or /stats/reset is a 403. The WIS2 port's POST/PUT/DELETE /subscriptions follow the same rule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApps, type RunningApp } from '../helpers/app-harness.ts';
import { entries, multipartBuffer, rawRequest } from './rest-helpers.ts';

const EVIL = 'https://evil.example';
const LISTED = 'https://app.example';
const FORBIDDEN_ZH = '不接受来自其他来源(Origin)的修改请求;请从本服务自己的页面发送,或将该来源加入 GASFLUX_CORS_ORIGINS';

describe('state-changing REST requests and the Origin header', () => {
  const apps = useTestApps({
    open: { role: 'api' }, // GASFLUX_CORS_ORIGINS = ["*"], the documented default
    listed: { role: 'api', env: { GASFLUX_CORS_ORIGINS: LISTED } },
  });
  const open = () => apps().open;
  const listed = () => apps().listed;

  const resetStats = (app: RunningApp, headers: Record<string, string> = {}) => rawRequest(app.url, { method: 'POST', path: '/stats/reset', headers });
  const selfOrigin = (app: RunningApp) => `http://127.0.0.1:${app.port}`;

  test('with the default "*", POST /stats/reset from another site is a 403 in the documented envelope', async () => {
    const { status, json } = await resetStats(open(), { origin: EVIL });
    assert.equal(status, 403, JSON.stringify(json));
    assert.equal(json.code, 403);
    assert.equal(json.message, FORBIDDEN_ZH);
    assert.equal(json.error, FORBIDDEN_ZH);
    assert.equal(json.data.origin, EVIL);
    const en = await resetStats(open(), { origin: EVIL, 'accept-language': 'en' });
    assert.equal(en.json.message, "Requests that change data are not accepted from another origin; send them from this service's own pages, or list the origin in GASFLUX_CORS_ORIGINS");
  });

  test('a cross-site form POST to /upload is refused before anything is stored', async () => {
    const before = entries(open().config.uploadFolder);
    const form = await multipartBuffer([{ name: 'file', filename: 'flight.xlsx', content: Buffer.from('PK\u0003\u0004 not really a workbook') }]);
    const { status, json } = await rawRequest(open().url, {
      method: 'POST',
      path: '/upload',
      headers: { origin: EVIL, 'content-type': form.contentType, 'content-length': form.body.length },
      body: form.body,
    });
    assert.equal(status, 403, JSON.stringify(json));
    assert.equal(json.data.origin, EVIL);
    assert.deepEqual(entries(open().config.uploadFolder), before);
  });

  test('PUT and DELETE /task from another site are refused too', async () => {
    for (const method of ['PUT', 'DELETE']) {
      const { status } = await rawRequest(open().url, {
        method,
        path: '/task/3f2b6c1e-0000-4000-8000-000000000000',
        headers: { origin: EVIL, 'content-type': 'application/json' },
        body: method === 'PUT' ? '{"status":"failed"}' : undefined,
      });
      assert.equal(status, 403, method);
    }
  });

  test('any origin may still read: GET from another site answers with CORS "*"', async () => {
    const { status, headers } = await rawRequest(open().url, { path: '/stats', headers: { origin: EVIL } });
    assert.equal(status, 200);
    assert.ok(headers['access-control-allow-origin']);
  });

  test('requests without Origin (curl, SDKs) and from this service\'s own pages may write', async () => {
    assert.equal((await resetStats(open())).status, 200);
    assert.equal((await resetStats(open(), { origin: selfOrigin(open()) })).status, 200);
    assert.equal((await fetch(`${open().url}/stats/reset`, { method: 'POST' })).status, 200, "Node's fetch sends no Origin");
  });

  test('same origin means same host, port and scheme; a TLS proxy says so with X-Forwarded-Proto', async () => {
    assert.equal((await resetStats(open(), { origin: `http://localhost:${open().port}` })).status, 403, 'another host name');
    assert.equal((await resetStats(open(), { origin: `http://127.0.0.1:${open().port + 1}` })).status, 403, 'another port');
    assert.equal((await resetStats(open(), { origin: `https://127.0.0.1:${open().port}` })).status, 403, 'another scheme');
    assert.equal((await resetStats(open(), { origin: `https://127.0.0.1:${open().port}`, 'x-forwarded-proto': 'https' })).status, 200);
    assert.equal((await resetStats(open(), { origin: 'null' })).status, 403, 'sandboxed frames and file:// pages send "null"');
  });

  test('an origin listed in GASFLUX_CORS_ORIGINS may write; others may not', async () => {
    assert.equal((await resetStats(listed(), { origin: LISTED })).status, 200);
    assert.equal((await resetStats(listed(), { origin: EVIL })).status, 403);
    assert.equal((await resetStats(listed(), { origin: selfOrigin(listed()) })).status, 200);
  });

  test('the WIS2 port refuses POST/PUT/DELETE /subscriptions from another site with {"error"}', async () => {
    const body = JSON.stringify({ topic: 'origin/a/wis2/+/data/#', target: 'x' });
    for (const [method, path] of [
      ['POST', '/subscriptions'],
      ['PUT', '/subscriptions/some-id'],
      ['DELETE', '/subscriptions/some-id'],
    ]) {
      const { status, json } = await rawRequest(open().wis2Url, { method, path, headers: { origin: EVIL, 'content-type': 'application/json' }, body: method === 'DELETE' ? undefined : body });
      assert.equal(status, 403, `${method} ${path}`);
      assert.deepEqual(json, { error: `Requests that change subscriptions are not accepted from origin ${EVIL}` });
    }
    assert.equal((await rawRequest(open().wis2Url, { path: '/subscriptions', headers: { origin: EVIL } })).status, 200, 'reading is not refused');
    assert.deepEqual(await open().app.services().wis2Subscriptions.records(), { ok: true, subscriptions: [] }, 'nothing was created');
  });

  test('on the WIS2 port, no Origin, the port\'s own origin and a listed origin pass the check', async () => {
    const del = (app: RunningApp, headers: Record<string, string> = {}) => rawRequest(app.wis2Url, { method: 'DELETE', path: '/subscriptions/unknown', headers });
    assert.equal((await del(open())).status, 404, 'an unknown subscription, as before');
    assert.equal((await del(open(), { origin: `http://127.0.0.1:${open().wis2Port}` })).status, 404);
    assert.equal((await del(listed(), { origin: LISTED })).status, 404);
    assert.equal((await del(listed(), { origin: EVIL })).status, 403);
  });
});
