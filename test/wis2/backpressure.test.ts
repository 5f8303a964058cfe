// Backpressure from the download queue to the broker: the MQTT side reads the next QoS 1 message only when the
// previous one has been handled, and the download gate bounds what one process has queued.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { Mosquitto, needsMosquitto } from '../helpers/mosquitto.js';
import { MqttConnectionManager } from '../../src/wis2-service/mqtt/connection-manager.js';
import { DownloadGate } from '../../src/wis2-service/downloads/gate.js';

describe('MQTT backpressure', { skip: needsMosquitto() }, () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await Mosquitto.start();
  });
  after(async () => {
    await broker?.dispose();
  });

  test('a message is not followed by the next until its handler is done, and none is lost', async () => {
    const manager = new MqttConnectionManager({ brokers: [{ url: broker.url }], sessionName: `bp-${randomUUID()}` });
    try {
      await manager.waitConnected(5000);
      let running = 0;
      let maxRunning = 0;
      const seen: number[] = [];
      manager.subscribe('cache/a/wis2/de-dwd/data/#', async (message) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 20));
        seen.push(Number(message.payload.toString()));
        running--;
      });
      await manager.settled();
      const publisher = await mqtt.connectAsync(broker.url, { clientId: `pub-${randomUUID()}` });
      for (let i = 0; i < 20; i++) await publisher.publishAsync('cache/a/wis2/de-dwd/data/core/x', String(i), { qos: 1 });
      await publisher.endAsync();
      const deadline = Date.now() + 10_000;
      while (seen.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
      assert.equal(maxRunning, 1, 'handled one at a time');
    } finally {
      await manager.close();
    }
  });
});

describe('DownloadGate', () => {
  test('waits for a free slot, frees slots by outcome, and reclaims slots whose outcome never came', async () => {
    const gate = new DownloadGate(2, 300);
    await gate.acquire('s', 'm1');
    await gate.acquire('s', 'm2');
    let third = false;
    const waiting = gate.acquire('s', 'm3').then(() => (third = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(third, false, 'the third waits while two are queued');
    gate.release('s', 'unknown');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(third, false, 'an outcome of something else frees nothing');
    gate.release('s', 'm1');
    await waiting;
    assert.equal(gate.size, 2);

    const fourth = gate.acquire('s', 'm4');
    const started = Date.now();
    await fourth;
    assert.ok(Date.now() - started >= 250, 'let through only once the stale slots were reclaimed');
    gate.close();
  });

  test('once full, it lets requests through again only when half have finished, and then together', async () => {
    const gate = new DownloadGate(4);
    for (const m of ['m1', 'm2', 'm3', 'm4']) await gate.acquire('s', m);
    const through: string[] = [];
    const waiting = ['m5', 'm6', 'm7'].map((m) => gate.acquire('s', m).then(() => through.push(m)));
    gate.release('s', 'm1');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(through, [], 'three of four still running: the gate stays shut');
    gate.release('s', 'm2');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(through.sort(), ['m5', 'm6'], 'down to two: as many as fit go through at once');
    assert.equal(gate.size, 4);
    gate.release('s', 'm3');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(through.length, 2, 'full again: shut until two remain');
    gate.release('s', 'm4');
    await Promise.all(waiting);
    assert.deepEqual(through.sort(), ['m5', 'm6', 'm7']);
    gate.close();
  });
});
