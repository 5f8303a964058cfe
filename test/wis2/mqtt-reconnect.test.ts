import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { Mosquitto, needsMosquitto } from '../helpers/mosquitto.js';
import { MqttConnectionManager } from '../../src/wis2-service/mqtt/connection-manager.js';

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function publish(url: string, topic: string, ids: number[]): Promise<void> {
  // A fresh publisher each time, as one that reconnects after the restart would.
  const pub = await mqtt.connectAsync(url, { clientId: `pub-${randomUUID()}`, reconnectPeriod: 0 });
  for (const id of ids) await pub.publishAsync(topic, String(id), { qos: 1 });
  await pub.endAsync();
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('MQTT connection manager across a mosquitto restart', { skip: needsMosquitto() }, () => {
  let broker: Mosquitto;
  const managers: MqttConnectionManager[] = [];

  before(async () => {
    broker = await Mosquitto.start();
  });

  after(async () => {
    for (const m of managers) await m.close();
    await broker?.dispose();
  });

  test('QoS 1 messages published while the client is disconnected arrive after the reconnect and none is lost', async () => {
    const started = Date.now();
    // A fixed 1 s retry: the client is certainly still away while the test publishes after the restart.
    const m = new MqttConnectionManager({ brokers: [{ url: broker.url }], sessionName: `test-${randomUUID()}`, reconnectMinMs: 1000, reconnectMaxMs: 1000 });
    managers.push(m);
    await m.waitConnected(5000);
    const received: number[] = [];
    m.subscribe('cache/a/wis2/de-dwd/data/core/#', (msg) => void received.push(Number(msg.payload.toString())));
    await m.settled();
    const topic = 'cache/a/wis2/de-dwd/data/core/weather/synop';

    await publish(broker.url, topic, range(0, 20));
    await waitFor('the first 20 messages', () => received.length >= 20);

    await broker.stop();
    await waitFor('the client to notice', () => !m.status()[0].connected);
    await broker.restart();
    await publish(broker.url, topic, range(20, 50));
    assert.equal(m.status()[0].connected, false, 'the messages were published while the client was away');

    await waitFor('the reconnect', () => m.status()[0].connected);
    await m.settled();
    await publish(broker.url, topic, range(50, 60));
    await waitFor('all 60 messages', () => new Set(received).size === 60);

    assert.deepEqual([...new Set(received)].sort((a, b) => a - b), range(0, 60));
    // In order: the queued messages before the ones published after the reconnect.
    assert.deepEqual([...new Set(received)], range(0, 60));
    const status = m.status()[0];
    assert.equal(status.reconnects, 1);
    assert.ok(status.reconnectAttempts >= 1);
    console.log(`# broker-restart test took ${Date.now() - started} ms`);
  });

  test('subscriptions are restored after a reconnect even when the broker lost the session', async () => {
    const m = new MqttConnectionManager({ brokers: [{ url: broker.url }], sessionName: `test-${randomUUID()}`, reconnectMinMs: 100, reconnectMaxMs: 400 });
    managers.push(m);
    await m.waitConnected(5000);
    const got: string[] = [];
    m.subscribe('origin/a/wis2/+/data/#', (msg) => void got.push(msg.payload.toString()));
    m.subscribe('origin/a/wis2/+/data/#', (msg) => void got.push(`second:${msg.payload.toString()}`));
    await m.settled();
    const requestsBefore = m.status()[0].subscribeRequests;

    await broker.restart({ forgetSessions: true });
    await waitFor('the reconnect', () => m.status()[0].connected && m.status()[0].reconnects >= 1);
    await m.settled();
    assert.equal(m.status()[0].subscribeRequests, requestsBefore + 1, 'one SUBSCRIBE per distinct topic after the reconnect');

    await publish(broker.url, 'origin/a/wis2/br-inmet/data/core/weather', [7]);
    await waitFor('the message', () => got.length === 2);
    assert.deepEqual(got.sort(), ['7', 'second:7']);
  });

  test('a topic dropped while offline is unsubscribed from the persistent session on reconnect', async () => {
    const m = new MqttConnectionManager({ brokers: [{ url: broker.url }], sessionName: `test-${randomUUID()}`, reconnectMinMs: 1000, reconnectMaxMs: 1000 });
    managers.push(m);
    await m.waitConnected(5000);
    const off = m.subscribe('gone/#', () => {});
    let kept = 0;
    m.subscribe('kept/#', () => void kept++);
    await m.settled();

    await broker.stop();
    await waitFor('the client to notice', () => !m.status()[0].connected);
    off();
    await broker.restart();
    await waitFor('the reconnect', () => m.status()[0].connected);
    await m.settled();
    await publish(broker.url, 'gone/x', [1]);
    await publish(broker.url, 'kept/x', [2]);
    await waitFor('the kept message', () => kept === 1);
    assert.equal(m.status()[0].messagesUnrouted, 0);
  });
});
