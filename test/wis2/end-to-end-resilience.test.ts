// The WIS2 downloader when things go wrong around it: a broker restart mid-stream, an app restart, subscriptions
// changed while messages flow, and access-controlled data (credentials applied to the download).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type RunningApp } from '../helpers/app-harness.js';
import type { FileServer } from '../helpers/file-server.js';
import { needsMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { bufr, filesUnder, publish, recordsOf, subscribe, useWis2Stack, waitForRecords, whenListening, wnm, type Wis2Stack } from './helpers/wis2-e2e.js';

const topicFor = (leaf: string) => `cache/a/wis2/de-dwd/data/core/weather/${leaf}`;

describe('WIS2 downloader resilience', { skip: needsMosquitto() }, () => {
  // Each test starts the apps it needs: fresh ones, or two on one database.
  const stack = useWis2Stack({}, { app: false });
  let broker: Mosquitto;
  let files: FileServer;
  let start: Wis2Stack['startApp'];
  before(() => ({ broker, files, startApp: start } = stack()));

  /** `n` notifications of distinct BUFR files under `/leaf/`. */
  function stream(leaf: string, from: number, to: number) {
    const messages = [];
    for (let i = from; i < to; i++) {
      const body = bufr(200 + i, i);
      messages.push(wnm({ href: files.serve(`/${leaf}/f${i}.bufr4`, body), body }));
    }
    return messages;
  }

  test('a broker restart mid-stream loses nothing at QoS 1: every file arrives once', async () => {
    const app = await start();
    const leaf = `restart${randomUUID().slice(0, 6)}`;
    const topic = topicFor(leaf);
    const id = await subscribe(app, { topic, target: leaf });
    await whenListening(app, topic);

    await publish(broker.url, topic, stream(leaf, 0, 15));
    await broker.restart();
    // Published while the app is still reconnecting: the broker keeps them in the app's persistent session.
    await publish(broker.url, topic, stream(leaf, 15, 30));
    const downloader = app.app.services().wis2Downloader!;
    assert.equal(downloader.status().brokers[0].connected, false, 'these were published while the app was away');
    await publish(broker.url, topic, []);

    await waitForRecords(app, id, 30, 45_000);
    const records = await eventually(async () => {
      const all = await recordsOf(app, id);
      return all.filter((r) => r.status === 'SUCCESS').length >= 30 ? all : undefined;
    }, 30_000, '30 successful downloads');
    // At least once: a message whose acknowledgement the restart cut off comes again, and dedup skips it.
    const successes = new Set(records.filter((r) => r.status === 'SUCCESS').map((r) => r.messageId));
    assert.equal(successes.size, 30);
    const others = records.filter((r) => r.status !== 'SUCCESS');
    assert.ok(others.every((r) => r.errorClass === 'PreviouslyProcessed' && successes.has(r.messageId)), JSON.stringify(others));
    assert.equal(records.length - others.length, 30, 'each message downloaded exactly once');
    assert.equal(filesUnder(app, leaf).length, 30);
    assert.ok(downloader.status().brokers[0].reconnects >= 1);
    await app.stop();
  });

  test('an app restart restores and re-subscribes every subscription, and gets what was published meanwhile', async () => {
    const app = await start({ session: `e2e-restart-${randomUUID()}` });
    const leafA = `a${randomUUID().slice(0, 6)}`;
    const leafB = `b${randomUUID().slice(0, 6)}`;
    const idA = await subscribe(app, { topic: topicFor(leafA), target: leafA });
    const idB = await subscribe(app, { topic: topicFor(leafB), target: leafB, credentials: { type: 'basic', username: 'u', password: 'p', hosts: ['127.0.0.1'], allow_insecure_http: true } });
    await whenListening(app, topicFor(leafA));
    await whenListening(app, topicFor(leafB));

    await app.restart(() => publish(broker.url, topicFor(leafA), stream(leafA, 0, 5)));

    const topics = app.app.services().wis2Downloader!.status().topics.map((t) => t.topic).sort();
    assert.deepEqual(topics, [topicFor(leafA), topicFor(leafB)].sort());
    await whenListening(app, topicFor(leafA));
    const body = bufr(333, 9);
    const auth = `Basic ${Buffer.from('u:p').toString('base64')}`;
    const href = files.serve(`/${leafB}/protected.bufr4`, body, { authorization: auth });
    await publish(broker.url, topicFor(leafB), [wnm({ href, body })]);

    const a = await waitForRecords(app, idA, 5);
    assert.deepEqual(a.map((r) => r.status), Array(5).fill('SUCCESS'));
    const [b] = await waitForRecords(app, idB, 1);
    assert.equal(b.status, 'SUCCESS', `the stored credentials were applied after the restart: ${b.reason}`);
    await app.stop();
  });

  test('deleting a subscription releases its topic; updating a filter applies to the next message', async () => {
    const app = await start();
    const leaf = `live${randomUUID().slice(0, 6)}`;
    const topic = topicFor(leaf);
    const id = await subscribe(app, { topic, target: leaf });
    await whenListening(app, topic);

    const reject = { rules: [{ id: 'none', order: 1, match: { always: true }, action: 'reject', reason: 'paused' }] };
    const put = await fetch(`${app.wis2Url}/subscriptions/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filter: reject }) });
    assert.equal(put.status, 200);
    await app.app.services().wis2Downloader!.settled();
    await publish(broker.url, topic, stream(leaf, 0, 1));
    const [paused] = await waitForRecords(app, id, 1);
    assert.equal(paused.status, 'SKIPPED');
    assert.equal(paused.reason, 'paused');

    const del = await fetch(`${app.wis2Url}/subscriptions/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    const downloader = app.app.services().wis2Downloader!;
    const deadline = Date.now() + 5000;
    while (downloader.status().topics.some((t) => t.topic === topic) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await downloader.settled();
    assert.deepEqual(downloader.status().topics, []);
    assert.deepEqual(downloader.status().brokers[0].topics, []);
    await publish(broker.url, topic, stream(leaf, 1, 2));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await recordsOf(app, id)).length, 1, 'nothing more for a deleted subscription');
    assert.deepEqual(filesUnder(app, leaf), []);
  });

  test('with API and worker in separate processes, a subscription made on the API reaches the worker and its downloads reach the API metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gasflux-wis2-roles-'));
    const dbName = `s${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const api = await start({ dir, dbName, role: 'api' });
    const worker = await start({ dir, dbName, role: 'worker' });
    assert.equal(api.app.services().wis2Downloader, undefined, 'the API role does not listen to MQTT');
    const leaf = `roles${randomUUID().slice(0, 6)}`;
    const topic = topicFor(leaf);
    const id = await subscribe(api, { topic, target: leaf });
    await whenListening(worker, topic);
    await publish(broker.url, topic, stream(leaf, 0, 3));
    const records = await waitForRecords(worker, id, 3);
    assert.deepEqual(records.map((r) => r.status), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
    const text = async () => (await fetch(`${api.wis2Url}/metrics`)).text();
    const deadline = Date.now() + 10_000;
    let body = await text();
    const expected = [
      /^wis2downloader_notifications_total\{status="success"\} 3$/m,
      /^wis2downloader_notifications_received_total\{broker="[^"]+"\} 3$/m,
      /^wis2downloader_mqtt_connected\{broker="[^"]+"\} 1$/m,
    ];
    while (!expected.every((re) => re.test(body)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      body = await text();
    }
    assert.match(body, /^wis2downloader_notifications_total\{status="success"\} 3$/m);
    assert.match(body, /^wis2downloader_notifications_received_total\{broker="[^"]+"\} 3$/m);
    assert.match(body, /^wis2downloader_mqtt_connected\{broker="[^"]+"\} 1$/m);
  });
});
