// The WIS2 bounds set by their settings, end to end: an MQTT notification over WIS2_MAX_MESSAGE_BYTES is dropped
// unparsed (counted invalid), a download over WIS2_MAX_DOWNLOAD_BYTES fails with DownloadTooLarge — before any request
// when the notification declares the size, by cutting the transfer when it does not — and nothing is kept.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RunningApp } from '../helpers/app-harness.js';
import { needsMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { bufr, filesUnder, metrics, publish, subscribe, useWis2Stack, waitForRecords, whenListening, wnm } from './helpers/wis2-e2e.js';
import type { FileServer } from '../helpers/file-server.js';

const MAX_MESSAGE = 4096;
const MAX_DOWNLOAD = 1000;

describe('WIS2 message and download size settings', { skip: needsMosquitto() }, () => {
  const stack = useWis2Stack({ WIS2_MAX_MESSAGE_BYTES: String(MAX_MESSAGE), WIS2_MAX_DOWNLOAD_BYTES: String(MAX_DOWNLOAD) });
  let broker: Mosquitto;
  let app: RunningApp;
  let files: FileServer;
  before(() => ({ broker, app, files } = stack()));

  async function newSubscription() {
    const leaf = `t${randomUUID().slice(0, 8)}`;
    const topic = `origin/a/wis2/de-dwd/data/core/weather/${leaf}`;
    const target = `limits/${leaf}`;
    const id = await subscribe(app, { topic, target });
    await whenListening(app, topic);
    return { id, topic, target, leaf };
  }

  test('a notification over WIS2_MAX_MESSAGE_BYTES is counted invalid and not fetched; the next one is downloaded', async () => {
    const s = await newSubscription();
    const brokerName = () => app.app.services().wis2Downloader!.status().brokers[0].broker;
    const invalid = async () => (await metrics(app)).get(`wis2downloader_invalid_notifications_total{broker="${brokerName()}"}`) ?? 0;
    const before = await invalid();
    const big = bufr(200, 3);
    const bigHref = files.serve(`/${s.leaf}/in-big-message.bufr4`, big);
    const oversized = wnm({ href: bigHref, body: big });
    (oversized.properties as Record<string, unknown>).padding = 'x'.repeat(MAX_MESSAGE);
    const small = bufr(200, 4);
    const href = files.serve(`/${s.leaf}/after.bufr4`, small);
    await publish(broker.url, s.topic, [oversized, wnm({ href, body: small })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.href, href);
    assert.equal(record.status, 'SUCCESS');
    assert.equal(files.hits.get(`/${s.leaf}/in-big-message.bufr4`) ?? 0, 0);
    let seen = before;
    for (let i = 0; i < 100 && seen < before + 1; i++) {
      seen = await invalid();
      if (seen < before + 1) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(seen, before + 1);
  });

  test('a declared size over WIS2_MAX_DOWNLOAD_BYTES fails DownloadTooLarge with no request made', async () => {
    const s = await newSubscription();
    const body = bufr(MAX_DOWNLOAD + 1, 5);
    const href = files.serve(`/${s.leaf}/declared.bufr4`, body);
    await publish(broker.url, s.topic, [wnm({ href, body })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'FAILED');
    assert.equal(record.errorClass, 'DownloadTooLarge');
    assert.match(record.reason ?? '', /declares 1001 bytes; at most 1000 .*WIS2_MAX_DOWNLOAD_BYTES/);
    assert.equal(files.hits.get(`/${s.leaf}/declared.bufr4`) ?? 0, 0);
    assert.deepEqual(filesUnder(app, s.target), []);
  });

  test('an undeclared size is cut at WIS2_MAX_DOWNLOAD_BYTES: DownloadTooLarge, no file kept; a file within it is saved', async () => {
    const s = await newSubscription();
    const large = bufr(50_000, 6);
    // No length, no hash and no Content-Length: the server streams, so only the cap can stop it.
    const largeHref = files.serve(`/${s.leaf}/undeclared.bufr4`, large, { headers: { 'transfer-encoding': 'chunked' } });
    const fits = bufr(MAX_DOWNLOAD, 7);
    const fitsHref = files.serve(`/${s.leaf}/fits.bufr4`, fits);
    await publish(broker.url, s.topic, [wnm({ href: largeHref, body: large, length: null, hash: null }), wnm({ href: fitsHref, body: fits })]);
    const records = await waitForRecords(app, s.id, 2);
    const byHref = new Map(records.map((r) => [r.href, r]));
    assert.equal(byHref.get(largeHref)?.status, 'FAILED');
    assert.equal(byHref.get(largeHref)?.errorClass, 'DownloadTooLarge');
    assert.match(byHref.get(largeHref)?.reason ?? '', /sent more than 1000 bytes \(WIS2_MAX_DOWNLOAD_BYTES\)/);
    assert.equal(byHref.get(fitsHref)?.status, 'SUCCESS');
    assert.deepEqual(filesUnder(app, s.target).map((p) => p.split('/').pop()), ['fits.bufr4']);
  });
});
