/**
 * The WIS2 subscription REST API (spec wis2-downloader §2) over real HTTP on its own port, against FerretDB:
 * the record field by field, 201 + Location, the grouped listing, partial PUT, immutable topic, target confinement,
 * filter validation and every exact error string.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp, type RunningApp } from '../helpers/app-harness.ts';

const TOPIC = 'cache/a/wis2/+/data/core/weather/surface-based-observations/#';
const BUFR_ONLY = {
  name: 'bufr-only',
  rules: [{ id: 'accept-bufr', order: 1, match: { media_type: { equals: 'application/bufr' } }, action: 'accept' }],
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('WIS2 subscription API', () => {
  const running = useTestApp();
  let app: RunningApp;
  before(() => {
    app = running();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.wis2Url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  const create = async (body: unknown) => {
    const res = await call('POST', '/subscriptions', body);
    assert.equal(res.status, 201, res.text);
    return res.json;
  };

  test('runs on its own port next to the GasFlux API', () => {
    assert.ok(app.wis2Port > 0);
    assert.notEqual(app.wis2Port, app.port);
  });

  test('GET /health is 200 {"status":"healthy"}', async () => {
    const res = await call('GET', '/health');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.json, { status: 'healthy' });
  });

  test('POST creates: 201, Location, the full record with the defaults, keys sorted as Flask', async () => {
    const res = await call('POST', '/subscriptions', { topic: TOPIC, target: 'surface-obs' });
    assert.equal(res.status, 201);
    const record = res.json;
    assert.match(record.id, UUID);
    assert.equal(res.headers.get('location'), `/subscriptions/${record.id}`);
    assert.deepEqual(record, { id: record.id, topic: TOPIC, save_path: 'surface-obs', filter: {}, credentials: null, queue: 'small_files' });
    assert.deepEqual(Object.keys(record), ['credentials', 'filter', 'id', 'queue', 'save_path', 'topic']);

    const got = await call('GET', `/subscriptions/${record.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, record);
    assert.equal(got.text, res.text);
  });

  test('POST keeps filter and queue; the legacy `filters` alias works and `filter` wins over it', async () => {
    const a = await create({ topic: TOPIC, target: 'bufr', filter: BUFR_ONLY, queue: 'large_files' });
    assert.deepEqual(a.filter, BUFR_ONLY);
    assert.equal(a.queue, 'large_files');
    const b = await create({ topic: TOPIC, filters: BUFR_ONLY });
    assert.deepEqual(b.filter, BUFR_ONLY);
    const c = await create({ topic: TOPIC, filter: BUFR_ONLY, filters: { name: 'other', rules: [] } });
    assert.deepEqual(c.filter, BUFR_ONLY);
    const d = await create({ topic: TOPIC, filter: null });
    assert.deepEqual(d.filter, {});
  });

  test('the topic is percent-decoded and trimmed; the same topic may be subscribed many times', async () => {
    const a = await create({ topic: '  cache/a/wis2/de-dwd/data/core/weather/%23 ' });
    assert.equal(a.topic, 'cache/a/wis2/de-dwd/data/core/weather/#');
    const b = await create({ topic: 'cache/a/wis2/de-dwd/data/core/weather/#' });
    assert.notEqual(a.id, b.id);
  });

  test('target: missing or empty is the data root "."; relative paths are normalised; an absolute path inside the root is made relative', async () => {
    assert.equal((await create({ topic: TOPIC })).save_path, '.');
    assert.equal((await create({ topic: TOPIC, target: '' })).save_path, '.');
    assert.equal((await create({ topic: TOPIC, target: 'a/b/../c' })).save_path, 'a/c');
    assert.equal((await create({ topic: TOPIC, target: 'a//b/' })).save_path, 'a/b');
    assert.equal((await create({ topic: TOPIC, target: `${app.config.wis2.dataFolder}/x` })).save_path, 'x');
  });

  test('target escaping the data root is 400 "Invalid target" (not silently null)', async () => {
    for (const target of ['../etc', 'a/../..', '/etc/passwd', 42]) {
      const res = await call('POST', '/subscriptions', { topic: TOPIC, target });
      assert.equal(res.status, 400, String(target));
      assert.deepEqual(res.json, { error: 'Invalid target' });
    }
  });

  test('POST errors, with the exact strings, in the reference order', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'No topic provided'],
      [{ topic: '' }, 'No topic provided'],
      [{ topic: '   ' }, 'No topic provided'],
      [{ topic: 7 }, 'topic must be a string'],
      [{ topic: TOPIC, credentials: 'x' }, 'credentials must be an object'],
      [{ topic: TOPIC, credentials: [] }, 'credentials must be an object'],
      [{ topic: TOPIC, credentials: { type: 'digest' } }, "credentials.type must be 'basic' or 'bearer'"],
      [{ topic: TOPIC, credentials: { type: 'basic', username: 'u' } }, 'basic auth requires username and password'],
      [{ topic: TOPIC, credentials: { type: 'basic', password: 'p' } }, 'basic auth requires username and password'],
      [{ topic: TOPIC, credentials: { type: 'bearer', token: '' } }, 'bearer auth requires token'],
      [{ topic: TOPIC, queue: 'fast' }, 'queue must be one of: high_priority, large_files, small_files'],
      [{ topic: TOPIC, queue: null }, 'queue must be one of: high_priority, large_files, small_files'],
      // order: credentials before queue before target
      [{ topic: TOPIC, credentials: 5, queue: 'fast', target: '../x' }, 'credentials must be an object'],
      [{ topic: TOPIC, queue: 'fast', target: '../x' }, 'queue must be one of: high_priority, large_files, small_files'],
    ];
    for (const [body, error] of cases) {
      const res = await call('POST', '/subscriptions', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.json, { error }, JSON.stringify(body));
    }
  });

  test('a body that is not JSON (content type or syntax) counts as {}: "No topic provided"', async () => {
    const plain = await call('POST', '/subscriptions', JSON.stringify({ topic: TOPIC }), { 'content-type': 'text/plain' });
    assert.equal(plain.status, 400);
    assert.deepEqual(plain.json, { error: 'No topic provided' });
    const broken = await call('POST', '/subscriptions', '{"topic": ');
    assert.deepEqual([broken.status, broken.json], [400, { error: 'No topic provided' }]);
  });

  test('topics are validated: MQTT syntax and the WIS2 shape give 400 "Invalid topic: …"', async () => {
    for (const topic of ['cache/a/wis2/de-dwd/data/#/core', 'cache/a/wis2/de-dwd/data/core+', 'foo', 'mirror/a/wis2/de-dwd/data/#']) {
      const res = await call('POST', '/subscriptions', { topic });
      assert.equal(res.status, 400, topic);
      assert.match(res.json.error, /^Invalid topic: /, topic);
    }
    // the reference's own integration-test topic: level 5 is a wildcard, so the WIS2 shape holds
    assert.equal((await create({ topic: 'cache/a/wis2/+/+/data/recommended/#' })).topic, 'cache/a/wis2/+/+/data/recommended/#');
  });

  test('filters are validated strictly: 400 "Invalid filter: <pointer>: …"', async () => {
    const res = await call('POST', '/subscriptions', { topic: TOPIC, filter: { name: 'x', rules: [{ id: 'r', order: 1, match: { media_type: { equals: 'a' } }, action: 'maybe' }] } });
    assert.equal(res.status, 400);
    assert.match(res.json.error, /^Invalid filter: \/rules\/0\/action/);
    const notObject = await call('POST', '/subscriptions', { topic: TOPIC, filter: 'bufr' });
    assert.equal(notObject.status, 400);
    assert.match(notObject.json.error, /^Invalid filter: /);
  });

  test('credentials are accepted on write and only type and username come back, on POST, GET, PUT and never in the listing', async () => {
    const basic = await create({ topic: TOPIC, target: 'restricted', credentials: { type: 'basic', username: 'myuser', password: 's3cr3t-basic' } });
    assert.deepEqual(basic.credentials, { type: 'basic', username: 'myuser' });
    const bearer = await create({ topic: TOPIC, credentials: { type: 'bearer', token: 'tok-s3cr3t' } });
    assert.deepEqual(bearer.credentials, { type: 'bearer' });
    for (const id of [basic.id, bearer.id]) {
      const got = await call('GET', `/subscriptions/${id}`);
      assert.doesNotMatch(got.text, /s3cr3t/);
    }
    const listing = await call('GET', '/subscriptions');
    assert.doesNotMatch(listing.text, /s3cr3t|myuser|credentials/);
    const updated = await call('PUT', `/subscriptions/${bearer.id}`, { credentials: { type: 'bearer', token: 'tok-2-s3cr3t' } });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.json.credentials, { type: 'bearer' });
    assert.doesNotMatch(updated.text, /s3cr3t/);
    const decrypted = await app.app.services().wis2Subscriptions!.credentialsFor(bearer.id);
    assert.deepEqual(decrypted, { type: 'bearer', token: 'tok-2-s3cr3t' });
  });

  test('GET /subscriptions groups by topic with only save_path and filter', async () => {
    const topicA = 'origin/a/wis2/fr-meteofrance/data/core/weather/space-based-observations/noaa-21/cris';
    const topicB = 'origin/a/wis2/fr-meteofrance/data/core/weather/#';
    const a1 = await create({ topic: topicA, target: 'space-obs', queue: 'large_files', credentials: { type: 'bearer', token: 'x' } });
    const a2 = await create({ topic: topicA, target: 'space-obs-bufr', filter: BUFR_ONLY });
    const b1 = await create({ topic: topicB });
    const res = await call('GET', '/subscriptions');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json[topicA], {
      [a1.id]: { save_path: 'space-obs', filter: {} },
      [a2.id]: { save_path: 'space-obs-bufr', filter: BUFR_ONLY },
    });
    assert.deepEqual(res.json[topicB], { [b1.id]: { save_path: '.', filter: {} } });
    for (const group of Object.values(res.json) as Array<Record<string, object>>) {
      for (const entry of Object.values(group)) assert.deepEqual(Object.keys(entry), ['filter', 'save_path']);
    }
  });

  test('PUT is partial: only the keys present change; credentials kept when absent and cleared by null', async () => {
    const sub = await create({ topic: TOPIC, target: 'surface-obs', filter: BUFR_ONLY, credentials: { type: 'basic', username: 'u', password: 'p' } });
    const step1 = await call('PUT', `/subscriptions/${sub.id}`, { target: 'surface-obs-v2', queue: 'high_priority' });
    assert.equal(step1.status, 200);
    assert.deepEqual(step1.json, { ...sub, save_path: 'surface-obs-v2', queue: 'high_priority' });
    const step2 = await call('PUT', `/subscriptions/${sub.id}`, { filter: {} });
    assert.deepEqual(step2.json, { ...step1.json, filter: {} });
    const step3 = await call('PUT', `/subscriptions/${sub.id}`, { credentials: null, target: null });
    assert.deepEqual(step3.json, { ...step2.json, credentials: null, save_path: '.' });
    const unchanged = await call('PUT', `/subscriptions/${sub.id}`, 'not json', { 'content-type': 'text/plain' });
    assert.equal(unchanged.status, 200);
    assert.deepEqual(unchanged.json, step3.json);
    assert.deepEqual((await call('GET', `/subscriptions/${sub.id}`)).json, step3.json);
  });

  test('PUT validates like POST and leaves the record unchanged on a 400', async () => {
    const sub = await create({ topic: TOPIC, target: 'keep' });
    const cases: Array<[unknown, string | RegExp]> = [
      [{ target: '../../etc' }, 'Invalid target'],
      [{ queue: 'nope' }, 'queue must be one of: high_priority, large_files, small_files'],
      [{ credentials: { type: 'oauth' } }, "credentials.type must be 'basic' or 'bearer'"],
      [{ credentials: { type: 'bearer' } }, 'bearer auth requires token'],
      [{ credentials: 'secret' }, 'credentials must be an object'],
      [{ filter: { rules: 'x' } }, /^Invalid filter: /],
    ];
    for (const [body, error] of cases) {
      const res = await call('PUT', `/subscriptions/${sub.id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      if (typeof error === 'string') assert.deepEqual(res.json, { error });
      else assert.match(res.json.error, error);
    }
    assert.deepEqual((await call('GET', `/subscriptions/${sub.id}`)).json, sub);
  });

  test('the topic is immutable: a different topic on PUT is 400, the same one is accepted', async () => {
    const sub = await create({ topic: TOPIC });
    const other = await call('PUT', `/subscriptions/${sub.id}`, { topic: 'cache/a/wis2/de-dwd/data/#', target: 'moved' });
    assert.equal(other.status, 400);
    assert.deepEqual(other.json, { error: 'topic cannot be changed; delete the subscription and create a new one' });
    assert.deepEqual((await call('GET', `/subscriptions/${sub.id}`)).json, sub);
    const same = await call('PUT', `/subscriptions/${sub.id}`, { topic: TOPIC, target: 'moved' });
    assert.equal(same.status, 200);
    assert.equal(same.json.topic, TOPIC);
    assert.equal(same.json.save_path, 'moved');
  });

  test('DELETE answers {"status":"deleted","id"}; afterwards GET, PUT and DELETE are 404 with the exact message', async () => {
    const sub = await create({ topic: TOPIC });
    const res = await call('DELETE', `/subscriptions/${sub.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'deleted', id: sub.id });
    const error = { error: `Subscription '${sub.id}' not found` };
    assert.deepEqual(await call('GET', `/subscriptions/${sub.id}`).then((r) => [r.status, r.json]), [404, error]);
    assert.deepEqual(await call('PUT', `/subscriptions/${sub.id}`, { target: 'x' }).then((r) => [r.status, r.json]), [404, error]);
    assert.deepEqual(await call('DELETE', `/subscriptions/${sub.id}`).then((r) => [r.status, r.json]), [404, error]);
    assert.equal(JSON.stringify((await call('GET', '/subscriptions')).json).includes(sub.id), false);
  });

  test('ids are not validated as UUIDs: does-not-exist is a plain 404', async () => {
    const res = await call('GET', '/subscriptions/does-not-exist');
    assert.deepEqual([res.status, res.json], [404, { error: "Subscription 'does-not-exist' not found" }]);
  });

  test('unknown routes and wrong methods answer JSON 404 and 405', async () => {
    const missing = await call('GET', '/nope');
    assert.deepEqual([missing.status, missing.json], [404, { error: 'Not found' }]);
    const wrong = await call('PATCH', '/subscriptions');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, POST');
    assert.deepEqual(wrong.json, { error: 'Method not allowed' });
  });
});
