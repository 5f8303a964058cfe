// The notification router on the real MqttConnectionManager against a real mosquitto: WNMs
// published on WIS2 topics become DownloadRequests (skips by name when mosquitto is absent).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Mosquitto, needsMosquitto } from '../helpers/mosquitto.js';
import { MqttConnectionManager } from '../../src/wis2-service/mqtt/connection-manager.js';
import {
  createNotificationRouter, type NotificationRouter, type RouterEvent, type RouterMqtt, type RoutedSubscription,
} from '../../src/wis2/pipeline/notification-router.js';
import type { DownloadRequest } from '../../src/wis2/pipeline/download-request.js';

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function wnm(links: unknown[] = [{ href: 'https://cache.example.org/data/A_SMDL01.bufr4', rel: 'canonical', type: 'application/bufr', length: 4321 }]) {
  return {
    id: randomUUID(),
    conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [13.4, 52.5] },
    properties: {
      data_id: 'wis2/de-dwd/data/core/weather/surface-based-observations/synop/A_SMDL01',
      metadata_id: 'urn:wmo:md:de-dwd:synop',
      pubtime: '2025-03-04T05:06:07Z',
      datetime: '2025-03-04T05:00:00Z',
      integrity: { method: 'sha256', value: 'q1MKE+RZFJgrefm34/uplM/R8/si9xzqGvvwK0YMbR0=' },
    },
    links,
  };
}

const SYNOP = 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop';

describe('notification router on a real mosquitto', { skip: needsMosquitto() }, () => {
  let broker: Mosquitto;
  let publisher: MqttClient;
  let manager: MqttConnectionManager;
  let router: NotificationRouter;
  let requests: DownloadRequest[] = [];
  let events: RouterEvent[] = [];
  let active: RoutedSubscription[] = [];

  /** Publishes, then a marker the manager also receives (in order, same session), then waits for the router. */
  async function publish(topic: string, payload: string | object) {
    const marker = `marker/${randomUUID()}`;
    let seen = false;
    const off = manager.subscribe(marker, () => void (seen = true));
    await manager.settled();
    await publisher.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
    await publisher.publishAsync(marker, 'x', { qos: 1 });
    await waitFor('the marker', () => seen);
    off();
    await manager.settled();
    await router.idle();
  }

  async function syncTo(list: RoutedSubscription[]) {
    active = list;
    await router.sync();
    await manager.settled();
  }

  const brokerTopics = () => manager.status()[0].topics.filter((t) => !t.topic.startsWith('marker/'));

  before(async () => {
    broker = await Mosquitto.start();
    publisher = await mqtt.connectAsync(broker.url, { clientId: `pub-${randomUUID()}`, reconnectPeriod: 0 });
    manager = new MqttConnectionManager({ brokers: [{ url: broker.url }], sessionName: `pipeline-${randomUUID()}`, reconnectMinMs: 100 });
    await manager.waitConnected(5000);
    const mqttForRouter: RouterMqtt = manager; // the manager satisfies the router's interface
    router = createNotificationRouter({
      subscriptions: () => active,
      mqtt: mqttForRouter,
      enqueue: async (r) => void requests.push(r),
      onEvent: (e) => void events.push(e),
      options: { validation: 'strict', largeFileThreshold: 1_000_000 },
    });
  });

  after(async () => {
    await router?.close();
    await manager?.close();
    await publisher?.endAsync();
    await broker?.dispose();
  });

  test('a valid WNM on a WIS2 topic enqueues exactly one request with the right fields', async () => {
    requests = [];
    events = [];
    await syncTo([{ id: 'sub-1', topic: SYNOP, savePath: 'dwd/synop', filter: {} }]);
    const message = wnm();
    await publish(SYNOP, message);
    assert.equal(requests.length, 1);
    const r = requests[0];
    assert.equal(r.subscriptionId, 'sub-1');
    assert.equal(r.savePath, 'dwd/synop');
    assert.equal(r.topic, SYNOP);
    assert.equal(r.centreId, 'de-dwd');
    assert.equal(r.messageId, message.id);
    assert.equal(r.dataId, message.properties.data_id);
    assert.equal(r.metadataId, 'urn:wmo:md:de-dwd:synop');
    assert.equal(r.pubtime, '2025-03-04T05:06:07Z');
    assert.equal(r.href, 'https://cache.example.org/data/A_SMDL01.bufr4');
    assert.equal(r.overwrite, false);
    assert.equal(r.expectedSize, 4321);
    assert.deepEqual(r.integrity, message.properties.integrity);
    assert.equal(r.declaredMediaType, 'application/bufr');
    assert.equal(r.queue, 'small_files');
    assert.ok(!Number.isNaN(Date.parse(r.receivedAt)));
  });

  test('an invalid message is counted, not enqueued, and the router keeps working', async () => {
    requests = [];
    events = [];
    await publish(SYNOP, '{"type":"Feature"');
    await publish(SYNOP, { type: 'Feature', links: [] });
    assert.equal(requests.length, 0);
    assert.deepEqual(events.filter((e) => e.type === 'invalid').map((e) => e.type === 'invalid' && e.reason), ['parse_error', 'invalid']);
    await publish(SYNOP, wnm());
    assert.equal(requests.length, 1);
  });

  test('wildcard subscription, two subscriptions on one topic, a pre-pass rejection', async () => {
    requests = [];
    events = [];
    const wide = 'cache/a/wis2/+/data/core/weather/#';
    const smallOnly = { rules: [{ id: 'small', order: 1, action: 'reject', reason: 'too big for us', match: { size: { gt_bytes: 1000 } } }] };
    await syncTo([
      { id: 'w1', topic: wide, savePath: 'w1', filter: {} },
      { id: 'w2', topic: wide, savePath: 'w2', filter: {}, queue: 'high_priority' },
      { id: 'w3', topic: wide, savePath: 'w3', filter: smallOnly },
    ]);
    assert.deepEqual(brokerTopics(), [{ topic: wide, subscribers: 1 }]);
    const topic = 'cache/a/wis2/fr-meteofrance/data/core/weather/surface-based-observations/synop';
    await publish(topic, wnm());
    assert.deepEqual(requests.map((r) => [r.subscriptionId, r.queue, r.centreId]), [
      ['w1', 'small_files', 'fr-meteofrance'],
      ['w2', 'high_priority', 'fr-meteofrance'],
    ]);
    const rejected = events.filter((e) => e.type === 'filter_rejected');
    assert.equal(rejected.length, 1);
    assert.ok(rejected[0].type === 'filter_rejected' && rejected[0].subscriptionId === 'w3' && rejected[0].reason === 'too big for us');
    // Outside the wildcard: nothing.
    await publish('cache/a/wis2/fr-meteofrance/data/core/hydrology/river', wnm());
    assert.equal(requests.length, 2);
  });

  test('a deletion-only message downloads nothing', async () => {
    requests = [];
    events = [];
    await syncTo([{ id: 'd', topic: SYNOP, savePath: 'd', filter: {} }]);
    await publish(SYNOP, wnm([{ href: 'https://cache.example.org/data/old.bufr4', rel: 'deletion' }]));
    assert.equal(requests.length, 0);
    assert.equal(events.filter((e) => e.type === 'no_download_link').length, 1);
  });

  test('removing a subscription unsubscribes its topic only when no other subscription uses it', async () => {
    requests = [];
    events = [];
    const other = 'origin/a/wis2/de-dwd/data/core/weather/#';
    await syncTo([
      { id: 'a', topic: SYNOP, savePath: 'a', filter: {} },
      { id: 'b', topic: SYNOP, savePath: 'b', filter: {} },
      { id: 'c', topic: other, savePath: 'c', filter: {} },
    ]);
    assert.deepEqual(brokerTopics().map((t) => t.topic).sort(), [other, SYNOP].sort());
    await syncTo([
      { id: 'a', topic: SYNOP, savePath: 'a', filter: {} },
      { id: 'c', topic: other, savePath: 'c', filter: {} },
    ]);
    assert.deepEqual(brokerTopics().map((t) => t.topic).sort(), [other, SYNOP].sort());
    await syncTo([{ id: 'a', topic: SYNOP, savePath: 'a', filter: {} }]);
    assert.deepEqual(brokerTopics().map((t) => t.topic), [SYNOP]);
    // The broker no longer sends the released topic: a message there reaches nobody.
    await publish('origin/a/wis2/de-dwd/data/core/weather/x', wnm());
    assert.equal(events.filter((e) => e.type === 'received').length, 0);
    await publish(SYNOP, wnm());
    assert.deepEqual(requests.map((r) => r.subscriptionId), ['a']);
  });
});
