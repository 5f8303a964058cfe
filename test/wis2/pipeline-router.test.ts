// Unit tests of the notification router with an in-memory MQTT stub (the MQTT manager itself is
// tested against a real mosquitto in mqtt-*.test.ts; pipeline-mqtt.test.ts runs the two together).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { topicMatches } from '../../src/wis2/topics.js';
import {
  createNotificationRouter, type RouterEvent, type RouterMqtt, type RouterMqttMessage, type RoutedSubscription,
} from '../../src/wis2/pipeline/notification-router.js';
import type { DownloadRequest } from '../../src/wis2/pipeline/download-request.js';
import { chooseQueue } from '../../src/wis2/pipeline/queue-choice.js';

/** Stands in for MqttConnectionManager: reference counts per topic, delivers one message object to every matching handler. */
class FakeMqtt implements RouterMqtt {
  readonly handlers = new Map<string, Set<(m: RouterMqttMessage) => void | Promise<void>>>();
  subscribeCalls: string[] = [];
  unsubscribeCalls: string[] = [];
  subscribe(topic: string, handler: (m: RouterMqttMessage) => void | Promise<void>) {
    if (topic.includes('bad')) throw new Error('invalid topic');
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      this.subscribeCalls.push(topic);
    }
    set.add(handler);
    return () => {
      const s = this.handlers.get(topic);
      if (!s?.delete(handler)) return;
      if (s.size === 0) {
        this.handlers.delete(topic);
        this.unsubscribeCalls.push(topic);
      }
    };
  }
  publish(topic: string, payload: string | object) {
    const message: RouterMqttMessage = {
      topic, broker: 'mqtt://fake/', receivedAt: new Date('2025-01-02T03:04:05Z'),
      payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    };
    for (const [filter, set] of this.handlers) if (topicMatches(filter, topic)) for (const h of set) void h(message);
  }
}

function wnm(overrides: { links?: unknown[]; properties?: Record<string, unknown>; id?: string } = {}) {
  return {
    id: overrides.id ?? randomUUID(),
    conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [6.96, 50.93] },
    properties: {
      data_id: 'wis2/de-dwd-gts-to-wis2/data/core/weather/surface-based-observations/synop/A_SMDL01',
      metadata_id: 'urn:wmo:md:de-dwd-gts-to-wis2:synop',
      pubtime: '2025-01-02T03:00:00Z',
      datetime: '2025-01-02T03:00:00Z',
      integrity: { method: 'sha512', value: 'AAAA' },
      ...overrides.properties,
    },
    links: overrides.links ?? [
      { href: 'https://cache.example.org/data/file.bufr4', rel: 'canonical', type: 'application/bufr', length: 1234 },
    ],
  };
}

const T = 'cache/a/wis2/de-dwd-gts-to-wis2/data/core/weather/surface-based-observations/synop';

function sub(id: string, topic: string, extra: Partial<RoutedSubscription> = {}): RoutedSubscription {
  return { id, topic, savePath: `dir/${id}`, filter: {}, ...extra };
}

function setup(options: Parameters<typeof createNotificationRouter>[0]['options'] = {}, list: RoutedSubscription[] = []) {
  const mqtt = new FakeMqtt();
  const requests: DownloadRequest[] = [];
  const events: RouterEvent[] = [];
  const router = createNotificationRouter({
    subscriptions: () => list,
    mqtt,
    enqueue: async (r) => void requests.push(r),
    onEvent: (e) => void events.push(e),
    options,
  });
  const publish = async (topic: string, payload: string | object) => {
    mqtt.publish(topic, payload);
    await router.idle();
  };
  const count = (type: RouterEvent['type']) => events.filter((e) => e.type === type).length;
  return { mqtt, router, requests, events, publish, count };
}

describe('notification router (in-memory MQTT stub)', () => {
  test('a valid notification becomes one DownloadRequest with the fields of §5.1–§5.3', async () => {
    const s = setup({}, [sub('s1', 'cache/a/wis2/+/data/#')]);
    await s.router.sync();
    const message = wnm();
    await s.publish(T, message);
    assert.equal(s.requests.length, 1);
    assert.deepEqual(s.requests[0], {
      subscriptionId: 's1',
      savePath: 'dir/s1',
      topic: T,
      centreId: 'de-dwd-gts-to-wis2',
      messageId: message.id,
      dataId: message.properties.data_id,
      metadataId: message.properties.metadata_id,
      pubtime: '2025-01-02T03:00:00Z',
      href: 'https://cache.example.org/data/file.bufr4',
      overwrite: false,
      expectedSize: 1234,
      integrity: { method: 'sha512', value: 'AAAA' },
      declaredMediaType: 'application/bufr',
      filter: {},
      geometry: message.geometry,
      properties: message.properties,
      queue: 'small_files',
      receivedAt: '2025-01-02T03:04:05.000Z',
    });
    assert.deepEqual(s.events.map((e) => e.type), ['received', 'enqueued']);
  });

  test('an update link wins over canonical and sets overwrite', async () => {
    const s = setup({}, [sub('s1', T)]);
    await s.router.sync();
    await s.publish(T, wnm({ links: [
      { href: 'https://a.example/x', rel: 'canonical' },
      { href: 'https://b.example/y', rel: 'update' },
    ] }));
    assert.equal(s.requests[0].href, 'https://b.example/y');
    assert.equal(s.requests[0].overwrite, true);
    assert.equal(s.requests[0].expectedSize, null);
  });

  test('invalid messages are counted with a reason, never enqueued, and the router keeps working', async () => {
    const s = setup({ validation: 'strict' }, [sub('s1', T)]);
    await s.router.sync();
    await s.publish(T, 'not json{');
    await s.publish(T, '[1,2]');
    const noPubtime = wnm();
    delete (noPubtime.properties as Record<string, unknown>).pubtime;
    await s.publish(T, noPubtime);
    assert.deepEqual(s.events.filter((e) => e.type === 'invalid').map((e) => e.type === 'invalid' && e.reason), ['parse_error', 'not_an_object', 'invalid']);
    assert.equal(s.requests.length, 0);
    await s.publish(T, wnm());
    assert.equal(s.requests.length, 1);
  });

  test('lenient mode accepts a non-conformant but usable message and says so', async () => {
    const s = setup({ validation: 'lenient' }, [sub('s1', T)]);
    await s.router.sync();
    const m = wnm() as Record<string, unknown>;
    delete m.id;
    delete m.conformsTo;
    await s.publish(T, m);
    assert.equal(s.requests.length, 1);
    assert.match(s.requests[0].messageId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(s.count('non_compliant'), 1);
  });

  test('two subscriptions on one topic share one MQTT subscription and both get a request', async () => {
    const s = setup({}, [sub('a', T), sub('b', T, { queue: 'high_priority' })]);
    await s.router.sync();
    assert.deepEqual(s.mqtt.subscribeCalls, [T]);
    await s.publish(T, wnm());
    assert.deepEqual(s.requests.map((r) => [r.subscriptionId, r.queue, r.savePath]), [['a', 'small_files', 'dir/a'], ['b', 'high_priority', 'dir/b']]);
    assert.equal(s.requests[0].messageId, s.requests[1].messageId);
  });

  test('overlapping topic filters: each subscription gets the message once, parsed once', async () => {
    const s = setup({}, [sub('wide', 'cache/a/wis2/+/data/#'), sub('narrow', T)]);
    await s.router.sync();
    await s.publish(T, wnm());
    assert.deepEqual(s.requests.map((r) => r.subscriptionId).sort(), ['narrow', 'wide']);
    assert.equal(s.count('received'), 1);
    await s.publish('cache/a/wis2/fr-meteofrance/data/core/weather', wnm());
    assert.deepEqual(s.requests.slice(2).map((r) => [r.subscriptionId, r.centreId]), [['wide', 'fr-meteofrance']]);
  });

  test('filter pre-pass: a reject rule stops the download and reports its reason; others still get it', async () => {
    const rejectBig = { rules: [{ id: 'too-big', order: 1, action: 'reject', reason: 'File too large', match: { size: { gt_bytes: 1000 } } }] };
    const onlyDwd = { rules: [{ id: 'dwd', order: 1, action: 'accept', match: { centre_id: { equals: 'de-dwd-gts-to-wis2' } } },
      { id: 'rest', order: 2, action: 'reject', match: { always: true } }] };
    const s = setup({}, [sub('big', T, { filter: rejectBig }), sub('dwd', T, { filter: onlyDwd })]);
    await s.router.sync();
    await s.publish(T, wnm());
    assert.deepEqual(s.requests.map((r) => r.subscriptionId), ['dwd']);
    assert.deepEqual(s.requests[0].filter, onlyDwd);
    const rejected = s.events.find((e) => e.type === 'filter_rejected');
    assert.ok(rejected && rejected.type === 'filter_rejected');
    assert.equal(rejected.subscriptionId, 'big');
    assert.equal(rejected.reason, 'File too large');
    assert.deepEqual(rejected.outcome, { status: 'SKIPPED', errorClass: 'FilterRejected', reason: 'File too large' });
  });

  test('the default filter never rejects before download (media_type is null)', async () => {
    const s = setup({}, [sub('s1', T, { filter: null })]);
    await s.router.sync();
    await s.publish(T, wnm({ links: [{ href: 'https://x.example/f.zip', rel: 'canonical', type: 'application/zip' }] }));
    assert.equal(s.requests.length, 1);
  });

  test('a deletion-only message downloads nothing and is counted as no download link', async () => {
    const s = setup({}, [sub('s1', T)]);
    await s.router.sync();
    await s.publish(T, wnm({ links: [{ href: 'https://x.example/f', rel: 'deletion' }] }));
    assert.equal(s.requests.length, 0);
    const e = s.events.find((x) => x.type === 'no_download_link');
    assert.ok(e && e.type === 'no_download_link');
    assert.equal(e.deletion, true);
    assert.equal(e.outcome.errorClass, 'MissingDownloadURLError');
    assert.deepEqual(e.subscriptionIds, ['s1']);
  });

  test('GC_EXCLUDE: a link on an excluded cache host is skipped', async () => {
    const s = setup({ excludedCaches: ['cache.example.org'] }, [sub('s1', T)]);
    await s.router.sync();
    await s.publish(T, wnm());
    assert.equal(s.requests.length, 0);
    const e = s.events.find((x) => x.type === 'excluded_cache');
    assert.ok(e && e.type === 'excluded_cache');
    assert.equal(e.outcome.errorClass, 'GlobalCacheBlacklisted');
  });

  test('queue choice: large declared sizes go to large_files unless high_priority', async () => {
    const s = setup({ largeFileThreshold: 1000 }, [sub('n', T), sub('h', T, { queue: 'high_priority' })]);
    await s.router.sync();
    await s.publish(T, wnm());
    assert.deepEqual(s.requests.map((r) => r.queue), ['large_files', 'high_priority']);
    assert.equal(chooseQueue('small_files', 10, 1000), 'small_files');
    assert.equal(chooseQueue('large_files', null, 1000), 'large_files');
    assert.equal(chooseQueue(undefined, 5000, null), 'small_files');
  });

  test('sync: removing the last subscription of a topic unsubscribes it; updates reach a live topic', async () => {
    const s = setup();
    await s.router.sync([sub('a', T), sub('b', T), sub('c', 'origin/a/wis2/+/data/#')]);
    await s.router.sync([sub('a', T), sub('c', 'origin/a/wis2/+/data/#')]);
    assert.deepEqual(s.mqtt.unsubscribeCalls, []);
    await s.router.sync([sub('a', T, { savePath: 'moved' })]);
    assert.deepEqual(s.mqtt.unsubscribeCalls, ['origin/a/wis2/+/data/#']);
    assert.deepEqual(s.router.topics(), [{ topic: T, subscriptionIds: ['a'] }]);
    await s.publish(T, wnm());
    assert.deepEqual(s.requests.map((r) => r.savePath), ['moved']);
    await s.router.sync([]);
    assert.deepEqual(s.mqtt.unsubscribeCalls, ['origin/a/wis2/+/data/#', T]);
    assert.equal(s.mqtt.handlers.size, 0);
  });

  test('a topic MQTT refuses does not stop the others', async () => {
    const s = setup();
    await s.router.sync([sub('x', 'cache/a/wis2/bad/data/#'), sub('a', T)]);
    assert.deepEqual(s.router.topics().map((t) => t.topic), [T]);
  });

  test('enqueue failures are counted and do not stop the other subscriptions', async () => {
    const mqtt = new FakeMqtt();
    const events: RouterEvent[] = [];
    const done: string[] = [];
    const router = createNotificationRouter({
      subscriptions: () => [sub('a', T), sub('b', T)],
      mqtt,
      enqueue: async (r) => {
        if (r.subscriptionId === 'a') throw new Error('queue down');
        done.push(r.subscriptionId);
      },
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'received') throw new Error('a broken counter must not matter');
      },
    });
    await router.sync();
    mqtt.publish(T, wnm());
    await router.idle();
    assert.deepEqual(done, ['b']);
    assert.deepEqual(events.filter((e) => e.type === 'enqueue_failed').map((e) => e.type === 'enqueue_failed' && e.error), ['queue down']);
    await router.close();
    assert.equal(mqtt.handlers.size, 0);
  });

  test('handle(): direct delivery with no matching topic is counted as no subscription', async () => {
    const s = setup();
    await s.router.handle({ topic: T, payload: JSON.stringify(wnm()) });
    assert.deepEqual(s.events.map((e) => e.type), ['received', 'no_subscription']);
  });
});
