import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Mosquitto, needsMosquitto } from '../helpers/mosquitto.js';
import { MqttConnectionManager, type MqttMessage } from '../../src/wis2-service/mqtt/connection-manager.js';

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('MQTT connection manager against a real mosquitto', { skip: needsMosquitto() }, () => {
  let broker: Mosquitto;
  let publisher: MqttClient;
  const managers: MqttConnectionManager[] = [];

  function manager() {
    const m = new MqttConnectionManager({ brokers: [{ url: broker.url }], sessionName: `test-${randomUUID()}`, reconnectMinMs: 100 });
    managers.push(m);
    return m;
  }

  /** Publishes, then a marker on a topic the test subscribes to, and waits for the marker. */
  async function publishAndFlush(m: MqttConnectionManager, topic: string, payload: string) {
    const marker = `marker/${randomUUID()}`;
    let seen = false;
    const off = m.subscribe(marker, () => void (seen = true));
    await m.settled();
    await publisher.publishAsync(topic, payload, { qos: 1 });
    await publisher.publishAsync(marker, 'x', { qos: 1 });
    await waitFor('the marker', () => seen);
    off();
    await m.settled();
  }

  before(async () => {
    broker = await Mosquitto.start();
    publisher = await mqtt.connectAsync(broker.url, { clientId: `pub-${randomUUID()}`, reconnectPeriod: 0 });
  });

  after(async () => {
    for (const m of managers) await m.close();
    await publisher?.endAsync();
    await broker?.dispose();
  });

  test('two local subscribers to one topic share one broker subscription and both receive', async () => {
    const m = manager();
    await m.waitConnected(5000);
    const a: string[] = [];
    const b: string[] = [];
    const offA = m.subscribe('cache/a/wis2/de-dwd/data/#', (msg) => void a.push(msg.payload.toString()));
    m.subscribe('cache/a/wis2/de-dwd/data/#', (msg) => void b.push(msg.payload.toString()));
    await m.settled();
    const [status] = m.status();
    assert.equal(status.subscribeRequests, 1);
    assert.deepEqual(status.topics, [{ topic: 'cache/a/wis2/de-dwd/data/#', subscribers: 2 }]);

    await publisher.publishAsync('cache/a/wis2/de-dwd/data/core/weather', 'one', { qos: 1 });
    await waitFor('both subscribers', () => a.length === 1 && b.length === 1);
    assert.deepEqual([a, b], [['one'], ['one']]);

    // Removing one subscriber keeps the broker subscription for the other.
    offA();
    offA(); // idempotent
    await m.settled();
    await publisher.publishAsync('cache/a/wis2/de-dwd/data/core/weather', 'two', { qos: 1 });
    await waitFor('the remaining subscriber', () => b.length === 2);
    assert.deepEqual(a, ['one']);
    assert.deepEqual(b, ['one', 'two']);
    assert.equal(m.status()[0].subscribeRequests, 1);
  });

  test('the last local unsubscribe removes the broker subscription', async () => {
    const m = manager();
    await m.waitConnected(5000);
    const got: string[] = [];
    const off1 = m.subscribe('origin/a/wis2/fr-meteofrance/data/#', (msg) => void got.push(msg.payload.toString()));
    const off2 = m.subscribe('origin/a/wis2/fr-meteofrance/data/#', (msg) => void got.push(msg.payload.toString()));
    await m.settled();
    off1();
    off2();
    await m.settled();
    assert.deepEqual(m.status()[0].topics, []);
    await publishAndFlush(m, 'origin/a/wis2/fr-meteofrance/data/core/weather', 'after');
    assert.deepEqual(got, []);
    // Had the broker kept the subscription, the message would have arrived unrouted.
    assert.equal(m.status()[0].messagesUnrouted, 0);
  });

  test('messages reach every local subscriber whose filter matches, with + and # wildcards', async () => {
    const m = manager();
    await m.waitConnected(5000);
    const seen: Record<string, string[]> = { plus: [], hash: [], exact: [], other: [] };
    m.subscribe('cache/a/wis2/+/data/core/#', (msg) => void seen.plus.push(msg.topic));
    m.subscribe('cache/a/wis2/de-dwd/data/#', (msg) => void seen.hash.push(msg.topic));
    m.subscribe('cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop', (msg) => void seen.exact.push(msg.topic));
    m.subscribe('cache/a/wis2/+/metadata/#', (msg) => void seen.other.push(msg.topic));
    await m.settled();
    const synop = 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop';
    const fr = 'cache/a/wis2/fr-meteofrance/data/core/climate';
    await publisher.publishAsync(synop, '{}', { qos: 1 });
    await publisher.publishAsync(fr, '{}', { qos: 1 });
    // mosquitto sends one copy per matching broker subscription; each copy goes to every matching
    // local subscriber, so a subscriber sees a message once per overlapping filter (dedup is downstream).
    await waitFor('the synop and climate messages', () => seen.plus.includes(synop) && seen.plus.includes(fr) && seen.exact.length > 0);
    await publishAndFlush(m, 'cache/a/wis2/xx-none/nothing', '{}');
    assert.ok(seen.hash.includes(synop));
    assert.ok(!seen.hash.includes(fr));
    assert.deepEqual([...new Set(seen.exact)], [synop]);
    assert.deepEqual(seen.other, []);
  });

  test('QoS 1 publications arrive at QoS 1 with their payload intact', async () => {
    const m = manager();
    await m.waitConnected(5000);
    const got: MqttMessage[] = [];
    m.subscribe('cache/a/wis2/jp-jma/data/core/weather/#', (msg) => void got.push(msg));
    await m.settled();
    const payload = JSON.stringify({ id: randomUUID(), type: 'Feature', properties: { data_id: 'x' } });
    await publisher.publishAsync('cache/a/wis2/jp-jma/data/core/weather/synop', payload, { qos: 1 });
    await waitFor('the message', () => got.length === 1);
    assert.equal(got[0].qos, 1);
    assert.equal(got[0].payload.toString(), payload);
    assert.equal(got[0].broker, broker.url);
    assert.equal(got[0].topic, 'cache/a/wis2/jp-jma/data/core/weather/synop');
    assert.equal(m.status()[0].messagesReceived, 1);
  });

  test('a handler that throws or rejects does not stop delivery to the others', async () => {
    const m = manager();
    await m.waitConnected(5000);
    const got: string[] = [];
    m.subscribe('t/#', () => {
      throw new Error('boom');
    });
    m.subscribe('t/#', async () => {
      throw new Error('async boom');
    });
    m.subscribe('t/#', (msg) => void got.push(msg.payload.toString()));
    await m.settled();
    for (const p of ['1', '2', '3']) await publisher.publishAsync('t/x', p, { qos: 1 });
    await waitFor('three messages', () => got.length === 3);
    assert.deepEqual(got, ['1', '2', '3']);
    await waitFor('six handler errors', () => m.status()[0].handlerErrors === 6);
    assert.equal(m.status()[0].connected, true);
  });

  test('close() disconnects cleanly, is idempotent and refuses new subscriptions', async () => {
    const m = manager();
    await m.waitConnected(5000);
    m.subscribe('c/#', () => {});
    await m.settled();
    await m.close();
    await m.close();
    assert.deepEqual(m.status(), []);
    assert.throws(() => m.subscribe('c/#', () => {}), /closed/);
  });

  test('credentials in the URL are used but never shown in status or messages', async () => {
    const url = broker.url.replace('mqtt://', 'mqtt://everyone:s3cret@');
    const m = new MqttConnectionManager({ brokers: [{ url }], sessionName: `test-${randomUUID()}` });
    managers.push(m);
    await m.waitConnected(5000);
    const got: MqttMessage[] = [];
    m.subscribe('cred/#', (msg) => void got.push(msg));
    // The same URL without credentials is the same connection.
    assert.equal(m.connection(broker.url), m.connection(url));
    await m.settled();
    await publisher.publishAsync('cred/x', 'y', { qos: 1 });
    await waitFor('the message', () => got.length === 1);
    assert.ok(!JSON.stringify(m.status()).includes('s3cret'));
    assert.ok(!got[0].broker.includes('s3cret'));
    assert.ok(!got[0].broker.includes('everyone'));
  });
});
