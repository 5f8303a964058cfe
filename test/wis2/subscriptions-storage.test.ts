/**
 * WIS2 subscriptions at rest: credentials sealed with AES-256-GCM in `wis2_subscriptions` (the raw MongoDB document
 * holds no secret in clear), the key file created with mode 0600 and reused across restarts, secrets never logged,
 * and 503 with the exact messages when MongoDB is unreachable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { useTestApp, type RunningApp } from '../helpers/app-harness.ts';
import { loadOrCreateKey, SecretKeyError, SubscriptionService, SubscriptionStore, SUBSCRIPTIONS_COLLECTION } from '../../src/wis2-service/subscriptions/index.ts';
import { createWis2Router } from '../../src/http/wis2/router.ts';
import { Wis2Metrics } from '../../src/wis2-service/metrics.ts';

const TOPIC = 'cache/a/wis2/+/data/recommended/weather/surface-based-observations/#';

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('WIS2 subscriptions at rest', () => {
  const running = useTestApp({ env: { GASFLUX_LOG_LEVEL: 'DEBUG' } });
  let app: RunningApp;
  before(() => {
    app = running();
  });

  test('the key file is created at start with mode 0600 and 32 random bytes', () => {
    const file = app.config.wis2.secretKeyFile;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
  });

  test('the raw MongoDB document holds no password or token in clear, only type, username and an AES-256-GCM blob', async () => {
    const basic = await post(app.wis2Url, { topic: TOPIC, target: 'restricted', credentials: { type: 'basic', username: 'myuser', password: 'pw-Zq81-cleartext' } });
    const bearer = await post(app.wis2Url, { topic: TOPIC, credentials: { type: 'bearer', token: 'tok-Zq81-cleartext', extra: 'kept' } });
    assert.equal(basic.status, 201);
    assert.equal(bearer.status, 201);
    const collection = app.app.services().database.db.collection(SUBSCRIPTIONS_COLLECTION);
    const raw = await collection.find({}).toArray();
    assert.equal(raw.length, 2);
    const text = JSON.stringify(raw);
    assert.doesNotMatch(text, /Zq81|cleartext/);
    assert.doesNotMatch(text, new RegExp(Buffer.from('pw-Zq81-cleartext').toString('base64')));
    const doc = raw.find((d) => d._id === (basic.json.id as unknown))!;
    assert.equal(doc.topic, TOPIC);
    assert.equal(doc.save_path, 'restricted');
    assert.equal(doc.queue, 'small_files');
    assert.equal(doc.credentials.type, 'basic');
    assert.equal(doc.credentials.username, 'myuser');
    assert.equal(doc.credentials.sealed.alg, 'aes-256-gcm');
    assert.equal(Buffer.from(doc.credentials.sealed.iv, 'base64').length, 12);
    assert.equal(Buffer.from(doc.credentials.sealed.tag, 'base64').length, 16);

    const service = app.app.services().wis2Subscriptions!;
    assert.deepEqual(await service.credentialsFor(basic.json.id), { type: 'basic', username: 'myuser', password: 'pw-Zq81-cleartext' });
    assert.deepEqual(await service.credentialsFor(bearer.json.id), { type: 'bearer', token: 'tok-Zq81-cleartext', extra: 'kept' });

    // a sealed secret moved onto another record does not open (the id is authenticated)
    await collection.updateOne({ _id: bearer.json.id }, { $set: { 'credentials.sealed': doc.credentials.sealed } });
    await assert.rejects(service.credentialsFor(bearer.json.id));
  });

  test('secrets never reach the log, even at DEBUG', async () => {
    await post(app.wis2Url, { topic: TOPIC, credentials: { type: 'basic', username: 'loguser', password: 'pw-LOG-7731' } });
    await post(app.wis2Url, { topic: TOPIC, credentials: { type: 'basic', username: 'loguser' } });
    app.app.log.flush();
    await new Promise((r) => setTimeout(r, 200));
    const log = readFileSync(app.config.logFile!, 'utf8');
    assert.match(log, /WIS2 subscription created/);
    assert.doesNotMatch(log, /pw-LOG-7731/);
  });

  test('a restart with the same key file still opens the stored credentials', async () => {
    const created = await post(app.wis2Url, { topic: TOPIC, credentials: { type: 'bearer', token: 'tok-restart' } });
    await app.restart();
    assert.deepEqual(await app.app.services().wis2Subscriptions!.credentialsFor(created.json.id), { type: 'bearer', token: 'tok-restart' });
    const res = await fetch(`${app.wis2Url}/subscriptions/${created.json.id}`);
    assert.deepEqual((await res.json()).credentials, { type: 'bearer' });
  });
});

describe('the WIS2 key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wis2-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('is created (with its folder) with mode 0600 and read back unchanged', async () => {
    const file = join(dir, 'nested', 'secret.key');
    const key = await loadOrCreateKey(file);
    assert.equal(key.length, 32);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await loadOrCreateKey(file), key);
  });

  test('a damaged key file is refused, not replaced', async () => {
    const file = join(dir, 'bad.key');
    writeFileSync(file, 'not a key', { mode: 0o600 });
    await assert.rejects(loadOrCreateKey(file), SecretKeyError);
    assert.equal(readFileSync(file, 'utf8'), 'not a key');
  });

  test('a key file readable by others is used, with a warning', async () => {
    const file = join(dir, 'open.key');
    writeFileSync(file, Buffer.alloc(32, 7).toString('base64'), { mode: 0o644 });
    const warnings: string[] = [];
    assert.deepEqual(await loadOrCreateKey(file, (m) => warnings.push(m)), Buffer.alloc(32, 7));
    assert.match(warnings.join('\n'), /should be 600/);
  });
});

describe('WIS2 API with MongoDB unreachable', () => {
  let client: MongoClient;
  let server: http.Server;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'wis2-down-'));

  before(async () => {
    // a port nothing listens on: the driver fails server selection quickly
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const deadPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    client = new MongoClient(`mongodb://127.0.0.1:${deadPort}/`, { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const service = new SubscriptionService(new SubscriptionStore(client.db('x')), {
      dataRoot: join(dir, 'data'),
      key: await loadOrCreateKey(join(dir, 'secret.key')),
      validateTopics: true,
    });
    server = http.createServer(createWis2Router({ subscriptions: service, metrics: new Wis2Metrics() }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };

  test('every store operation is 503 with the exact message; /health stays 200 "unhealthy"', async () => {
    const list = await call('GET', '/subscriptions');
    assert.equal(list.status, 503);
    assert.match(list.json.error, /^Failed to connect to MongoDB: /);
    const one = await call('GET', '/subscriptions/abc');
    assert.equal(one.status, 503);
    assert.match(one.json.error, /^Failed to connect to MongoDB: /);
    assert.deepEqual(await call('POST', '/subscriptions', { topic: TOPIC }), { status: 503, json: { error: 'Failed to persist subscription to MongoDB' } });
    const put = await call('PUT', '/subscriptions/abc', { target: 'x' });
    assert.equal(put.status, 503);
    assert.match(put.json.error, /^Failed to connect to MongoDB: /);
    assert.deepEqual(await call('DELETE', '/subscriptions/abc'), { status: 503, json: { error: 'Failed to delete subscription from MongoDB' } });
    assert.deepEqual(await call('GET', '/health'), { status: 200, json: { status: 'unhealthy' } });
  });

  test('validation still answers 400 before the store is touched', async () => {
    assert.deepEqual(await call('POST', '/subscriptions', {}), { status: 400, json: { error: 'No topic provided' } });
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing is created under the data root');
  });
});
