// The WIS2 downloader end to end: the whole app (REST subscription → MQTT on a real Mosquitto → router → Agenda job
// on FerretDB → HTTP download from a loopback file server → verified file, record, metrics).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, type RunningApp } from '../helpers/app-harness.js';
import { needsMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { needsSharedData, wis2DataDir } from '../helpers/shared-data.js';
import {
  DAY_PATH, bufr, useWis2Stack, filesUnder, metrics, publish, sha512, subscribe, waitForRecords, whenListening, wnm,
} from './helpers/wis2-e2e.js';
import type { FileServer } from '../helpers/file-server.js';

const topicFor = (leaf: string) => `origin/a/wis2/de-dwd/data/core/weather/${leaf}`;

describe('WIS2 end to end: subscription → MQTT → verified download', { skip: needsMosquitto() }, () => {
  const stack = useWis2Stack();
  let broker: Mosquitto;
  let app: RunningApp;
  let files: FileServer;
  before(() => ({ broker, app, files } = stack()));

  /** A subscription on its own topic and target, listened to before it returns. */
  async function newSubscription(extra: Record<string, unknown> = {}) {
    const leaf = `t${randomUUID().slice(0, 8)}`;
    const topic = topicFor(leaf);
    const target = `e2e/${leaf}`;
    const id = await subscribe(app, { topic, target, ...extra });
    await whenListening(app, topic);
    return { id, topic, target, leaf };
  }

  test('a notification becomes a verified file under <target>/YYYY/MM/DD, a record and metrics', async () => {
    const s = await newSubscription();
    const body = bufr(2048, 3);
    const href = files.serve(`/${s.leaf}/obs.bufr4`, body);
    await publish(broker.url, s.topic, [wnm({ href, body })]);

    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'SUCCESS', record.reason ?? '');
    assert.equal(record.validHash, true);
    assert.equal(record.hashMethod, 'sha512');
    assert.equal(record.actualHash, sha512(body));
    assert.equal(record.size, 2048);
    assert.equal(record.mediaType, 'application/bufr');
    // The URL's host as the metrics `cache` label (with the port, as a non-default port is part of where it came from).
    const cache = new URL(files.base).host;
    assert.equal(record.cache, cache);
    assert.equal(record.centreId, 'de-dwd');
    const saved = filesUnder(app, s.target);
    assert.equal(saved.length, 1);
    assert.match(saved[0], DAY_PATH);
    assert.ok(saved[0].endsWith('/obs.bufr4'));
    assert.deepEqual(readFileSync(join(app.config.wis2.dataFolder, s.target, saved[0])), body);
    assert.equal(record.path, join(app.config.wis2.dataFolder, s.target, saved[0]));

    // The notification counters reach the metrics in batches (each second).
    const m = await eventually(async () => {
      const now = await metrics(app);
      return [...now.keys()].some((k) => k.startsWith('wis2downloader_notifications_received_total{')) ? now : undefined;
    }, 5000, 'the received counter');
    assert.ok((m.get('wis2downloader_notifications_total{status="success"}') ?? 0) >= 1);
    assert.ok((m.get(`wis2downloader_downloads_total{cache="${cache}",media_type="application/bufr"}`) ?? 0) >= 1);
    assert.ok((m.get(`wis2downloader_downloads_bytes_total{cache="${cache}",media_type="application/bufr"}`) ?? 0) >= 2048);
    assert.ok((m.get('wis2downloader_disk_downloads_bytes') ?? 0) >= 2048);
    const brokerLabel = [...m.keys()].find((k) => k.startsWith('wis2downloader_notifications_received_total{'));
    assert.ok(brokerLabel?.includes('127.0.0.1'), `received counter labelled with the broker: ${brokerLabel}`);
    assert.equal(m.get(`wis2downloader_mqtt_connected{broker="${broker.url}"}`) ?? m.get(`wis2downloader_mqtt_connected{broker="${broker.url}/"}`), 1);
  });

  test('a hash mismatch fails the download and leaves no file', async () => {
    const s = await newSubscription();
    const body = bufr(600, 5);
    const href = files.serve(`/${s.leaf}/bad-hash.bufr4`, body);
    await publish(broker.url, s.topic, [wnm({ href, body, hash: sha512(bufr(600, 6)) })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'FAILED');
    assert.equal(record.errorClass, 'HashVerificationError');
    assert.equal(record.reason, `Hash verification failed for ${href}`);
    assert.equal(record.validHash, false);
    assert.deepEqual(filesUnder(app, s.target), []);
    const m = await metrics(app);
    assert.ok((m.get(`wis2downloader_failed_total{cache="${new URL(files.base).host}",reason="HashVerificationError"}`) ?? 0) >= 1);
  });

  test('a 404 fails with the HTTP status and the host', async () => {
    const s = await newSubscription();
    await publish(broker.url, s.topic, [wnm({ href: `${files.base}/${s.leaf}/gone.bufr4`, body: bufr(100) })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'FAILED');
    assert.equal(record.errorClass, 'HTTPError');
    assert.equal(record.reason, `HTTP 404 response from ${new URL(files.base).host}`);
    assert.equal(files.hits.get(`/${s.leaf}/gone.bufr4`), 1, 'a 404 is not retried');
    assert.deepEqual(filesUnder(app, s.target), []);
  });

  test('a file of the wrong length fails the size check and leaves no file', async () => {
    const s = await newSubscription();
    const body = bufr(500, 7);
    const href = files.serve(`/${s.leaf}/short.bufr4`, body);
    await publish(broker.url, s.topic, [wnm({ href, body, length: 900 })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'FAILED');
    assert.equal(record.errorClass, 'SizeVerificationError');
    assert.equal(record.reason, `Size verification failed for ${href}: expected 900 bytes, got 500`);
    assert.deepEqual(filesUnder(app, s.target), []);
  });

  test('a duplicate notification is skipped; an update link downloads the data again and replaces the file', async () => {
    const s = await newSubscription();
    const v1 = bufr(300, 11);
    const v2 = bufr(420, 12);
    const dataId = `wis2/de-dwd/data/core/weather/synop/${s.leaf}`;
    const href = files.serve(`/${s.leaf}/granule.bufr4`, v1);
    const first = wnm({ href, body: v1, dataId });
    await publish(broker.url, s.topic, [first, first]);
    const records = await waitForRecords(app, s.id, 2);
    assert.deepEqual(records.map((r) => r.status).sort(), ['SKIPPED', 'SUCCESS']);
    const skipped = records.find((r) => r.status === 'SKIPPED')!;
    assert.equal(skipped.errorClass, 'PreviouslyProcessed');
    assert.match(skipped.reason!, /previously processed with status 'SUCCESS'/);
    assert.equal(files.hits.get(`/${s.leaf}/granule.bufr4`), 1, 'the duplicate fetched nothing');

    files.serve(`/${s.leaf}/granule.bufr4`, v2);
    await publish(broker.url, s.topic, [wnm({ href, body: v2, dataId, rel: 'update' })]);
    const all = await waitForRecords(app, s.id, 3);
    const update = all[2];
    assert.equal(update.status, 'SUCCESS', update.reason ?? '');
    assert.equal(update.overwrite, true);
    const saved = filesUnder(app, s.target);
    assert.equal(saved.length, 1);
    assert.deepEqual(readFileSync(join(app.config.wis2.dataFolder, s.target, saved[0])), v2);
  });

  test('a filter rejection is recorded as skipped and nothing is fetched', async () => {
    const filter = {
      rules: [{ id: 'only-large', order: 1, match: { size: { lt_bytes: 1000 } }, action: 'reject', reason: 'Too small for this feed' }],
    };
    const s = await newSubscription({ filter });
    const body = bufr(200, 13);
    const href = files.serve(`/${s.leaf}/small.bufr4`, body);
    await publish(broker.url, s.topic, [wnm({ href, body })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'SKIPPED');
    assert.equal(record.errorClass, 'FilterRejected');
    assert.equal(record.reason, 'Too small for this feed');
    assert.equal(files.hits.get(`/${s.leaf}/small.bufr4`), undefined);
    const m = await metrics(app);
    assert.ok((m.get('wis2downloader_skipped_total{reason="FilterRejected"}') ?? 0) >= 1);
  });

  test('an invalid message is counted and logged, and the next valid one is still downloaded', async () => {
    const s = await newSubscription();
    const before = (await metrics(app)).get(`wis2downloader_invalid_notifications_total{broker="${app.app.services().wis2Downloader!.status().brokers[0].broker}"}`) ?? 0;
    const body = bufr(256, 17);
    const href = files.serve(`/${s.leaf}/after-bad.bufr4`, body);
    await publish(broker.url, s.topic, ['{"not json', JSON.stringify({ type: 'Feature', links: 'nope' }), wnm({ href, body })]);
    const [record] = await waitForRecords(app, s.id, 1);
    assert.equal(record.status, 'SUCCESS');
    const brokerName = app.app.services().wis2Downloader!.status().brokers[0].broker;
    let invalid = 0;
    for (let i = 0; i < 60 && invalid < before + 2; i++) {
      invalid = (await metrics(app)).get(`wis2downloader_invalid_notifications_total{broker="${brokerName}"}`) ?? 0;
      if (invalid < before + 2) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(invalid, before + 2);
    const health = await fetch(`${app.wis2Url}/health`);
    assert.equal(health.status, 200);
  });

  test('the real pywis-pubsub messages: a verified GTS bulletin, a hash mismatch, a deletion and malformed JSON', { skip: needsSharedData(wis2DataDir) }, async () => {
    const s = await newSubscription();
    const messages = join(wis2DataDir, 'pywis-pubsub', 'messages');
    const granuleName = 'A_SZIO01AMMC110648_C_EDZW_20230811064904_50549867';
    const granule = readFileSync(join(wis2DataDir, 'pywis-pubsub', 'data', granuleName));
    const onLocal = (message: { id: string; links: Array<{ href: string }> }, body: Buffer | null) => {
      const path = `/${s.leaf}${new URL(message.links[0].href).pathname}`;
      message.links[0].href = body ? files.serve(path, body) : `${files.base}${path}`;
      return message;
    };
    // The integrity value in this message is the real sha512 of the granule: served unchanged, it verifies.
    const checksum = onLocal(JSON.parse(readFileSync(join(messages, 'test_valid_checksum.json'), 'utf8')), granule);
    // This one's hash is of a BUFR file we do not have; serving the granule instead must fail verification.
    const example = onLocal(JSON.parse(readFileSync(join(messages, 'example-message.json'), 'utf8')), granule);
    const deletion = JSON.parse(readFileSync(join(wis2DataDir, 'wnm-standard', 'examples', 'example4.json'), 'utf8'));
    const malformed = readFileSync(join(messages, 'test_malformed.json'));
    await publish(broker.url, s.topic, [checksum, example, deletion, malformed]);

    const records = await waitForRecords(app, s.id, 3);
    const byMessage = new Map(records.map((r) => [r.messageId, r]));
    const ok = byMessage.get(checksum.id as string)!;
    assert.equal(ok.status, 'SUCCESS', ok.reason ?? '');
    assert.equal(ok.validHash, true);
    assert.equal(ok.size, 465);
    assert.deepEqual(readFileSync(ok.path!), granule);
    assert.match(ok.path!.slice(join(app.config.wis2.dataFolder, s.target).length + 1), DAY_PATH);

    const mismatch = byMessage.get(example.id as string)!;
    assert.equal(mismatch.status, 'FAILED');
    assert.match(mismatch.errorClass!, /HashVerificationError|SizeVerificationError/);

    const deleted = byMessage.get(deletion.id as string)!;
    assert.equal(deleted.status, 'SKIPPED');
    assert.equal(deleted.errorClass, 'MissingDownloadURLError');
    assert.equal(filesUnder(app, s.target).length, 1);
  });
});

describe('WIS2 end to end: private addresses refused by default', { skip: needsMosquitto() }, () => {
  const stack = useWis2Stack({ WIS2_ALLOW_PRIVATE_NETWORKS: 'false' });

  test('a link to a loopback address is refused before any connection is made', async () => {
    const { broker, app, files } = stack();
    const topic = topicFor('private');
    const id = await subscribe(app, { topic, target: 'private' });
    await whenListening(app, topic);
    const body = bufr(128);
    const href = files.serve('/private/secret.bufr4', body);
    await publish(broker.url, topic, [wnm({ href, body })]);
    const [record] = await waitForRecords(app, id, 1);
    assert.notEqual(record.status, 'SUCCESS');
    assert.match(`${record.errorClass} ${record.reason}`, /private|loopback|refus/i);
    assert.equal(files.hits.get('/private/secret.bufr4'), undefined, 'no request reached the server');
    assert.deepEqual(filesUnder(app, 'private'), []);
  });
});
