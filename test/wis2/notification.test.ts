import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeInlineContent,
  isRfc3339DateTime,
  parseNotification,
  validateNotification,
  WNM_CORE_CONFORMANCE,
} from '../../src/wis2/notification.js';
import { gzipSync } from 'node:zlib';

function message(overrides: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) {
  return {
    id: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
    conformsTo: [WNM_CORE_CONFORMANCE],
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [10.5, 52.1, 80] },
    properties: {
      pubtime: '2025-06-01T12:00:05Z',
      datetime: '2025-06-01T12:00:00Z',
      data_id: 'wis2/de-dwd/data/core/weather/obs/file.bufr4',
      integrity: { method: 'sha512', value: 'AAAA' },
      ...properties,
    },
    links: [{ href: 'https://cache.example.org/file.bufr4', rel: 'canonical', type: 'application/bufr', length: 10 }],
    ...overrides,
  };
}

function strictIssues(value: unknown): string[] {
  const r = validateNotification(value, { mode: 'strict' });
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`).concat(r.issues.length ? [] : [r.detail]);
}

describe('WNM validation (strict)', () => {
  test('a complete message with a point, a datetime and a canonical link is valid', () => {
    const r = validateNotification(message(), { mode: 'strict' });
    assert.ok(r.ok && r.compliant);
  });

  test('a polygon with a start and end datetime is valid, and so is a null geometry', () => {
    const polygon = { type: 'Polygon', coordinates: [[[0, 0], [0, 1], [1, 1], [0, 0]]] };
    const interval = { start_datetime: '2025-06-01T00:00:00Z', end_datetime: '2025-06-01T06:00:00Z' };
    const noInstant = message({ geometry: polygon }, interval) as { properties: Record<string, unknown> };
    delete noInstant.properties.datetime;
    assert.deepEqual(strictIssues(noInstant), []);
    assert.deepEqual(strictIssues(message({ geometry: null })), []);
    assert.deepEqual(strictIssues(message({}, { datetime: null })), []);
  });

  test('the id must be a UUID', () => {
    assert.match(strictIssues(message({ id: 'WIGOS_0-454-2-AWS_20221109T135500' })).join(), /id: must be a UUID/);
  });

  test('exactly one of conformsTo (with the core class) and the deprecated version is required', () => {
    const { conformsTo: _drop, ...noConformance } = message();
    assert.match(strictIssues(noConformance).join(), /conformsTo .*is required/);
    assert.deepEqual(strictIssues({ ...noConformance, version: 'v04' }), []);
    assert.match(strictIssues(message({ version: 'v04' })).join(), /not both/);
    assert.match(strictIssues(message({ conformsTo: ['http://wis.wmo.int/spec/wcmp/2/conf/core'] })).join(), /must contain/);
  });

  test('pubtime and data_id are required, and pubtime must be RFC 3339', () => {
    assert.match(strictIssues(message({}, { pubtime: undefined })).join(), /properties\.pubtime/);
    assert.match(strictIssues(message({}, { pubtime: '2025-06-01 12:00' })).join(), /RFC 3339/);
    const noDataId = message() as { properties: Record<string, unknown> };
    delete noDataId.properties.data_id;
    assert.match(strictIssues(noDataId).join(), /properties\.data_id/);
  });

  test('a message needs exactly one temporal form', () => {
    const none = message() as { properties: Record<string, unknown> };
    delete none.properties.datetime;
    assert.match(strictIssues(none).join(), /is required/);
    const both = message({}, { start_datetime: '2025-06-01T00:00:00Z', end_datetime: '2025-06-01T01:00:00Z' });
    assert.match(strictIssues(both).join(), /not both/);
    const halfInterval = message({}, { start_datetime: '2025-06-01T00:00:00Z' });
    assert.deepEqual(strictIssues(halfInterval), []);
  });

  test('integrity needs a known method and a value; content needs encoding, size and value', () => {
    assert.match(strictIssues(message({}, { integrity: { method: 'md5', value: 'x' } })).join(), /integrity\.method/);
    assert.match(strictIssues(message({}, { integrity: { method: 'sha256' } })).join(), /integrity\.value/);
    assert.match(strictIssues(message({}, { content: { encoding: 'utf-8', value: 'abc' } })).join(), /content\.size/);
    assert.match(strictIssues(message({}, { content: { encoding: 'utf-8', value: 'abc', size: 5000 } })).join(), /content\.size/);
    assert.match(strictIssues(message({}, { content: { encoding: 'utf-8', value: 'x'.repeat(4097), size: 4 } })).join(), /content\.value/);
    assert.deepEqual(strictIssues(message({}, { content: { encoding: 'gzip', value: 'H4sI', size: 3 } })), []);
  });

  test('links need href and rel, a canonical, update or deletion link, and never two of those kinds', () => {
    assert.match(strictIssues(message({ links: [] })).join(), /links/);
    assert.match(strictIssues(message({ links: [{ rel: 'canonical' }] })).join(), /links\.0\.href/);
    assert.match(strictIssues(message({ links: [{ href: 'https://x/a', rel: 'item' }] })).join(), /canonical, update or deletion link is required/);
    const mixed = [
      { href: 'https://x/a', rel: 'canonical' },
      { href: 'https://x/a', rel: 'deletion' },
    ];
    assert.match(strictIssues(message({ links: mixed })).join(), /must not be combined/);
    assert.match(strictIssues(message({ links: [{ href: 'https://x/a', rel: 'canonical', length: 1.5 }] })).join(), /length/);
  });

  test('link security must be an OpenAPI security scheme', () => {
    const secured = (security: unknown) => message({ links: [{ href: 'https://x/a', rel: 'canonical', security }] });
    assert.deepEqual(strictIssues(secured({ default: { type: 'http', scheme: 'basic', description: 'login' } })), []);
    assert.deepEqual(strictIssues(secured({ key: { type: 'apiKey', name: 'X-Key', in: 'header' } })), []);
    assert.match(strictIssues(secured({ default: { type: 'http' } })).join(), /scheme is required/);
    assert.match(strictIssues(secured({ default: { type: 'magic' } })).join(), /type must be/);
  });

  test('a geometry must be null, a Point or a Polygon', () => {
    assert.notDeepEqual(strictIssues(message({ geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] } })), []);
    assert.notDeepEqual(strictIssues(message({ geometry: { type: 'Point', coordinates: [1] } })), []);
  });

  test('a message over 8192 bytes breaks the standard even if its fields are fine', () => {
    const big = JSON.stringify(message({}, { note: 'x'.repeat(9000) }));
    const r = parseNotification(big, { mode: 'strict' });
    assert.ok(!r.ok && r.error === 'invalid' && /8192/.test(r.detail));
  });
});

describe('parsing raw payloads', () => {
  test('text that is not JSON is a parse error, not an exception', () => {
    const r = parseNotification('{"id": 1,}');
    assert.ok(!r.ok && r.error === 'parse_error');
  });

  test('JSON that is not an object is refused in both modes', () => {
    for (const raw of ['[]', '42', 'null']) {
      const r = parseNotification(raw);
      assert.ok(!r.ok && r.error === 'not_an_object', raw);
    }
  });

  test('payloads beyond the parse limit are refused before parsing', () => {
    const r = parseNotification(new Uint8Array(2000).fill(0x20), { maxBytes: 1000 });
    assert.ok(!r.ok && r.error === 'too_large');
  });

  test('lenient mode processes a non-compliant message and lists what is wrong', () => {
    const raw = JSON.stringify(message({ id: 'not-a-uuid' }));
    const r = parseNotification(Buffer.from(raw));
    assert.ok(r.ok);
    assert.equal(r.compliant, false);
    assert.equal(r.notification.id, 'not-a-uuid');
    assert.deepEqual(r.issues.map((i) => i.path), ['id']);
  });

  test('the normalised view carries what the pipeline reads', () => {
    const r = parseNotification(JSON.stringify(message({}, { 'global-cache': 'de-dwd-gc', cache: false, metadata_id: 'urn:wmo:md:x' })));
    assert.ok(r.ok);
    const n = r.notification;
    assert.equal(n.dataId, 'wis2/de-dwd/data/core/weather/obs/file.bufr4');
    assert.equal(n.metadataId, 'urn:wmo:md:x');
    assert.equal(n.globalCache, 'de-dwd-gc');
    assert.equal(n.cache, false);
    assert.deepEqual(n.integrity, { method: 'sha512', value: 'AAAA' });
    assert.deepEqual(n.geometry, { type: 'Point', coordinates: [10.5, 52.1, 80] });
    assert.equal(n.links.length, 1);
  });

  test('lenient mode drops links without a string href or rel but refuses non-array links', () => {
    const r = validateNotification(message({ links: [{ rel: 'canonical' }, 'x', { href: 'https://x/a', rel: 'canonical' }] }));
    assert.ok(r.ok && r.notification.links.length === 1);
    const bad = validateNotification(message({ links: { href: 'https://x/a' } }));
    assert.ok(!bad.ok && bad.error === 'invalid');
  });

  test('the cache property defaults to true', () => {
    const r = validateNotification(message());
    assert.ok(r.ok && r.notification.cache === true);
  });
});

describe('RFC 3339 date-times', () => {
  test('fractions of any length, Z and numeric offsets are accepted; impossible dates are not', () => {
    assert.ok(isRfc3339DateTime('2022-03-20T04:50:18.314854383Z'));
    assert.ok(isRfc3339DateTime('2022-03-20T04:45:00+01:00'));
    assert.ok(isRfc3339DateTime('2024-02-29T00:00:00z'));
    assert.ok(isRfc3339DateTime('2016-12-31T23:59:60Z'));
    assert.ok(!isRfc3339DateTime('2023-02-29T00:00:00Z'));
    assert.ok(!isRfc3339DateTime('2022-03-20T04:45:00'));
    assert.ok(!isRfc3339DateTime('2022-03-20 04:45:00Z'));
    assert.ok(!isRfc3339DateTime('2022-13-20T04:45:00Z'));
  });
});

describe('inline content', () => {
  test('utf-8, base64 and gzip content decode to the original bytes of the declared size', () => {
    const text = 'SZIO01 AMMC 110648\r\r\n';
    assert.equal(Buffer.from(decodeInlineContent({ encoding: 'utf-8', value: text, size: 21 })!).toString(), text);
    const b64 = Buffer.from(text).toString('base64');
    assert.equal(Buffer.from(decodeInlineContent({ encoding: 'base64', value: b64, size: 21 })!).toString(), text);
    const gz = gzipSync(text).toString('base64');
    assert.equal(Buffer.from(decodeInlineContent({ encoding: 'gzip', value: gz, size: 21 })!).toString(), text);
  });

  test('a wrong size, bad base64, an unknown encoding or a gzip bomb gives null', () => {
    assert.equal(decodeInlineContent({ encoding: 'utf-8', value: 'abc', size: 4 }), null);
    assert.equal(decodeInlineContent({ encoding: 'base64', value: '***', size: 3 }), null);
    assert.equal(decodeInlineContent({ encoding: 'rot13', value: 'abc', size: 3 }), null);
    const bomb = gzipSync(Buffer.alloc(1_000_000)).toString('base64');
    assert.equal(decodeInlineContent({ encoding: 'gzip', value: bomb, size: 100 }), null);
    assert.equal(decodeInlineContent(null), null);
  });
});
