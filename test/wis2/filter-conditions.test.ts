// Match conditions (§4.4), operators (§4.5), the two passes (§4.3), the default filter (§4.6)
// and the UI compositions (§4.7).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_FILTER, centreIdFromTopic, compileSafeRegex, evaluateFilter, filterFromAcceptedMediaTypes, globMatch,
  notificationView, resolveFilterFields, type FilterContext, type FilterInput,
} from '../../src/wis2/filter/index.ts';

const TOPIC = 'origin/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop';
function ctx(o: { properties?: Record<string, unknown>; geometry?: unknown; length?: unknown; post?: { mediaType: string | null; size: number }; topic?: string } = {}): FilterContext {
  return {
    notification: notificationView({
      topic: o.topic ?? TOPIC,
      message: { geometry: 'geometry' in o ? o.geometry : { type: 'Point', coordinates: [8, 50, 100] }, properties: { data_id: 'de-dwd/A_1.bufr4', metadata_id: 'urn:wmo:md:de-dwd:synop', pubtime: '2024-01-01T00:05:00Z', ...o.properties } },
      link: { href: 'https://x.example/A_1.bufr4', length: o.length, type: 'application/bufr' },
    }),
    ...(o.post ? { download: o.post } : {}),
  };
}
/** Does `match` fire (as a reject rule) in this context? */
function fires(match: unknown, c: FilterContext = ctx(), pass: 'pre' | 'post' = c.download ? 'post' : 'pre') {
  const d = evaluateFilter({ rules: [{ id: 'r', order: 1, match, action: 'reject' }] } as FilterInput, c, pass);
  return { fired: d.action === 'reject', skipped: d.skippedRules.length > 0, warnings: d.warnings };
}
const yes = (match: unknown, c?: FilterContext) => assert.equal(fires(match, c).fired, true, JSON.stringify(match));
const no = (match: unknown, c?: FilterContext) => assert.equal(fires(match, c).fired, false, JSON.stringify(match));
const prop = (name: string, type: string, op: Record<string, unknown>) => ({ property: name, type, ...op });

describe('the notification view and the two passes', () => {
  test('centre_id is topic level 4 when level 3 is wis2, else null', () => {
    assert.equal(centreIdFromTopic('cache/a/wis2/de-dwd/data'), 'de-dwd');
    assert.equal(centreIdFromTopic('cache/a/other/de-dwd/data'), null);
  });
  test('before download size is the link length and media_type is null', () => {
    const f = resolveFilterFields(ctx({ length: 465 }), 'pre');
    assert.deepEqual([f.size, f.media_type, f.centre_id, f.href], [465, null, 'de-dwd', 'https://x.example/A_1.bufr4']);
  });
  test('after download size is the byte count and media_type the detected type', () => {
    const f = resolveFilterFields(ctx({ length: 465, post: { mediaType: 'text/plain', size: 10 } }), 'post');
    assert.deepEqual([f.size, f.media_type], [10, 'text/plain']);
  });
  test('a link length that is not a number gives a null size', () => {
    assert.equal(resolveFilterFields(ctx({ length: '465' }), 'pre').size, null);
  });
  test('the post pass without download facts is a programming error', () => {
    assert.throws(() => evaluateFilter({}, ctx(), 'post'), TypeError);
  });
  test('the link type is not seen by filters (media_type stays null before download)', () => {
    no({ media_type: { equals: 'application/bufr' } });
  });
});

describe('match conditions', () => {
  test('always follows the truthiness of its value', () => {
    yes({ always: true }); no({ always: false }); yes({ always: 1 }); no({ always: '' });
  });
  test('all is AND and [] is true; any is OR and [] is false', () => {
    yes({ all: [] }); no({ any: [] });
    yes({ all: [{ always: true }, { centre_id: { equals: 'de-dwd' } }] });
    no({ all: [{ always: true }, { always: false }] });
    yes({ any: [{ always: false }, { always: true }] });
  });
  test('not inverts a single condition, and is false when given an array', () => {
    no({ not: { always: true } });
    const r = fires({ not: [{ always: false }] });
    assert.equal(r.fired, false);
    assert.match(r.warnings[0], /not an array/);
  });
  test('the precedence is always, all, any, not, size, bbox, property, then simple fields', () => {
    no({ centre_id: { equals: 'de-dwd' }, any: [] });
    yes({ size: { exists: false }, centre_id: { equals: 'nope' } });
    no({ bbox: { north: 1, south: 0, east: 1, west: 0 }, property: 'pubtime', exists: true });
  });
  test('an empty condition is false with a warning', () => {
    const r = fires({});
    assert.equal(r.fired, false);
    assert.equal(r.warnings.length, 1);
  });
  test('pubtime is not a simple field', () => {
    no({ pubtime: { exists: true } });
  });
  test('every simple field can be tested', () => {
    yes({ topic: { equals: TOPIC } });
    yes({ centre_id: { equals: 'de-dwd' } });
    yes({ data_id: { pattern: 'de-dwd/*' } });
    yes({ metadata_id: { regex: '^urn:wmo:md:' } });
    yes({ href: { pattern: 'https://*' } });
    yes({ media_type: { equals: 'text/csv' } }, ctx({ post: { mediaType: 'text/csv', size: 1 } }));
  });
  test('a condition that is not an object makes the rule skipped', () => {
    assert.equal(fires({ all: [1] }).skipped, true);
    assert.equal(fires({ all: 'x' }).skipped, true);
  });
});

describe('operators', () => {
  test('equals is strict and case-sensitive; not_equals is false on null', () => {
    yes({ centre_id: { equals: 'de-dwd' } }); no({ centre_id: { equals: 'DE-DWD' } });
    yes({ centre_id: { not_equals: 'fr' } });
    no({ media_type: { not_equals: 'application/bufr' } });
  });
  test('in and not_in need an array; not_in is false on null', () => {
    yes({ centre_id: { in: ['x', 'de-dwd'] } }); no({ centre_id: { not_in: ['de-dwd'] } });
    yes({ centre_id: { not_in: ['x'] } }); no({ media_type: { not_in: ['x'] } });
    no({ centre_id: { not_in: 'x' } });
  });
  test('pattern is a whole-string shell glob where * also matches /', () => {
    yes({ topic: { pattern: 'origin/*/synop' } }); no({ topic: { pattern: 'origin/*/syno' } });
    assert.equal(globMatch('abc', 'a?c'), true);
    assert.equal(globMatch('abc', 'a[!b]c'), false);
    assert.equal(globMatch('a-c', 'a[a-]c'), true);
    assert.equal(globMatch('a]c', 'a[]]c'), true);
    assert.equal(globMatch('a[c', 'a[c'), true);
    assert.equal(globMatch('a^c', 'a[^b]c'), true);
  });
  test('regex is an unanchored search with Python syntax', () => {
    yes({ data_id: { regex: 'A_\\d' } }); no({ data_id: { regex: '^A_' } });
    yes({ data_id: { regex: '(?P<c>de)-dwd' } }); yes({ data_id: { regex: '(?i)A_1\\.BUFR4\\Z' } });
  });
  test('an invalid or unsupported regex makes the rule skipped', () => {
    assert.equal(fires({ data_id: { regex: '(' } }).skipped, true);
    assert.equal(fires({ data_id: { regex: '(a)\\1' } }).skipped, true);
  });
  test('gt, gte, lt and lte also compare strings lexicographically', () => {
    yes({ centre_id: { gt: 'a' } }); no({ centre_id: { lt: 'a' } });
    yes({ centre_id: { gte: 'de-dwd' } }); yes({ centre_id: { lte: 'de-dwd' } });
  });
  test('comparing a string with a number raises and the rule is skipped', () => {
    assert.equal(fires({ centre_id: { gt: 5 } }).skipped, true);
  });
  test('between is inclusive', () => {
    yes({ centre_id: { between: ['de-dwd', 'de-dwd'] } }); no({ centre_id: { between: ['e', 'f'] } });
  });
  test('exists is the only operator true on a null value', () => {
    yes({ media_type: { exists: false } }); no({ media_type: { exists: true } }); yes({ metadata_id: { exists: true } });
  });
});

describe('size operators', () => {
  const post = (size: number) => ctx({ post: { mediaType: 'application/bufr', size } });
  test('the byte operators compare the size', () => {
    yes({ size: { gte_bytes: 100 } }, post(100)); no({ size: { gt_bytes: 100 } }, post(100));
    yes({ size: { lt_bytes: 101 } }, post(100)); yes({ size: { lte_bytes: 100 } }, post(100));
    yes({ size: { between_bytes: [100, 200] } }, post(200)); no({ size: { between_bytes: [101, 200] } }, post(100));
  });
  test('on a null size, exists gives its negation and everything else is false', () => {
    yes({ size: { exists: false } }); no({ size: { exists: true } }); no({ size: { lt_bytes: 5 } });
    yes({ size: { exists: true } }, post(1));
  });
  test('generic operators are not recognised under size', () => {
    const r = fires({ size: { gt: 1 } }, post(100));
    assert.equal(r.fired, false);
    assert.equal(r.warnings.length, 1);
  });
});

describe('bbox', () => {
  const box = { north: 55, south: 47, east: 15, west: 6 };
  const at = (geometry: unknown) => ctx({ geometry });
  test('a missing side makes it false', () => no({ bbox: { north: 55, south: 47, east: 15 } }));
  test('a point ignores its height and must be strictly within', () => {
    yes({ bbox: box }); no({ bbox: box }, at({ type: 'Point', coordinates: [8, 55] }));
  });
  test('a polygon containing the whole box intersects it, one beside it does not', () => {
    yes({ bbox: box }, at({ type: 'Polygon', coordinates: [[[0, 0], [30, 0], [30, 80], [0, 80], [0, 0]]] }));
    no({ bbox: box }, at({ type: 'Polygon', coordinates: [[[20, 0], [30, 0], [30, 80], [20, 80], [20, 0]]] }));
  });
  test('a box inside a polygon hole does not intersect it', () => {
    const geometry = { type: 'Polygon', coordinates: [
      [[0, 0], [30, 0], [30, 80], [0, 80], [0, 0]],
      [[1, 40], [20, 40], [20, 60], [1, 60], [1, 40]],
    ] };
    no({ bbox: box }, at(geometry));
  });
  test('a multipolygon intersects when one part does', () => {
    yes({ bbox: box }, at({ type: 'MultiPolygon', coordinates: [
      [[[20, 0], [30, 0], [30, 1], [20, 0]]],
      [[[10, 50], [11, 50], [11, 51], [10, 50]]],
    ] }));
  });
  test('other geometry types and malformed geometry pass through', () => {
    yes({ bbox: box }, at({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }));
    yes({ bbox: box }, at({ type: 'Point', coordinates: ['x'] }));
    yes({ bbox: { ...box, north: 'x' } });
  });
});

describe('property conditions', () => {
  test('type defaults to string and string operands are not coerced', () => {
    yes({ property: 'pubtime', pattern: '2024-*' });
    no(prop('n', 'string', { equals: 36 }), ctx({ properties: { n: '36' } }));
    yes(prop('n', 'string', { equals: '36' }), ctx({ properties: { n: 36 } }));
  });
  test('integer is int(float(str(v))) and the operand is coerced too', () => {
    yes(prop('n', 'integer', { equals: '36' }), ctx({ properties: { n: '36.7' } }));
    yes(prop('n', 'integer', { between: ['30', 40] }), ctx({ properties: { n: 36 } }));
    yes(prop('n', 'integer', { in: [36] }), ctx({ properties: { n: '36' } }));
    no(prop('n', 'integer', { in: ['36'] }), ctx({ properties: { n: '36' } }));
  });
  test('a failed coercion gives null, so the operator is false', () => {
    no(prop('n', 'integer', { not_equals: 1 }), ctx({ properties: { n: 'abc' } }));
    yes(prop('n', 'integer', { exists: false }), ctx({ properties: { n: 'abc' } }));
  });
  test('number parses floats', () => {
    yes(prop('n', 'number', { gt: 1.5 }), ctx({ properties: { n: '1.75' } }));
  });
  test('boolean is true for true, "1" and "yes"', () => {
    yes(prop('b', 'boolean', { equals: true }), ctx({ properties: { b: 'Yes' } }));
    yes(prop('b', 'boolean', { equals: false }), ctx({ properties: { b: 'no' } }));
    yes(prop('b', 'boolean', { equals: true }), ctx({ properties: { b: true } }));
  });
  test('datetime accepts Z and nine-digit fractions, truncated to microseconds', () => {
    yes(prop('t', 'datetime', { gt: '2024-01-01T00:00:00Z' }), ctx({ properties: { t: '2024-01-01T00:00:00.123456789Z' } }));
    no(prop('t', 'datetime', { gt: '2024-01-01T00:00:00Z' }), ctx({ properties: { t: '2024-01-01T00:00:00.0000009Z' } }));
    yes(prop('t', 'datetime', { equals: '2024-01-01T01:00:00+01:00' }), ctx({ properties: { t: '2024-01-01T00:00:00Z' } }));
  });
  test('object values are stringified the Python way by the string type', () => {
    yes({ property: 'integrity', regex: "^\\{'method': 'sha512'" }, ctx({ properties: { integrity: { method: 'sha512', value: 'x' } } }));
  });
  test('the first known operator in JSON order is used', () => {
    yes({ property: 'pubtime', exists: true, equals: 'nope' });
  });
  test('an unknown type makes the rule skipped', () => {
    assert.equal(fires({ property: 'pubtime', type: 'float', exists: true }).skipped, true);
  });
});

describe('rule evaluation', () => {
  test('ties in order keep list order', () => {
    const d = evaluateFilter({ rules: [
      { id: 'first', order: 1, match: { always: true }, action: 'reject' },
      { id: 'second', order: 1, match: { always: true }, action: 'accept' },
    ] }, ctx(), 'pre');
    assert.equal(d.reason, 'first');
  });
  test('the reason is the rule id when the rule has no reason, for accept too', () => {
    const d = evaluateFilter({ rules: [{ id: 'ok', order: 1, match: { always: true }, action: 'accept' }] }, ctx(), 'pre');
    assert.deepEqual([d.action, d.reason], ['accept', 'ok']);
  });
  test('a filter that is not an object is rejected rather than trusted', () => {
    assert.equal(evaluateFilter('x' as unknown as FilterInput, ctx(), 'pre').action, 'reject');
  });
  test('rules: [] accepts everything without the default check', () => {
    const d = evaluateFilter({ rules: [] }, ctx({ post: { mediaType: 'application/json', size: 1 } }), 'post');
    assert.deepEqual([d.action, d.usedDefaultFilter], ['accept', false]);
  });
  test('the default filter can be replaced by an option', () => {
    const d = evaluateFilter(null, ctx({ post: { mediaType: 'application/json', size: 1 } }), 'post', { defaultFilter: null });
    assert.equal(d.action, 'accept');
  });
});

describe('the default filter', () => {
  const postType = (mediaType: string | null) => ctx({ post: { mediaType, size: 1 } });
  test('null and undefined apply it too', () => {
    assert.equal(evaluateFilter(null, postType('application/zip'), 'post').action, 'reject');
    assert.equal(evaluateFilter(undefined, postType('application/zip'), 'post').usedDefaultFilter, true);
  });
  test('it rejects real GRIB as libmagic names it, and JSON and zip', () => {
    for (const t of ['application/x-grib', 'application/x-grib2', 'application/json', 'application/zip']) {
      assert.equal(evaluateFilter({}, postType(t), 'post').action, 'reject', t);
    }
  });
  test('it accepts every listed type, and an unknown (null) type after download', () => {
    for (const t of ['application/bufr', 'application/grib', 'application/octet-stream', 'text/csv', 'application/x-netcdf4', 'image/png']) {
      assert.equal(evaluateFilter({}, postType(t), 'post').action, 'accept', t);
    }
    assert.equal(evaluateFilter({}, postType(null), 'post').action, 'accept');
  });
  test('it is named default with the one default-media-type rule', () => {
    assert.equal(DEFAULT_FILTER.name, 'default');
    assert.deepEqual(DEFAULT_FILTER.rules?.map((r) => [r.id, r.order, r.action]), [['default-media-type', 1, 'reject']]);
  });
});

describe('§4.7 UI compositions', () => {
  const reject = { id: 'default', order: 999, match: { always: true }, action: 'reject', reason: 'No filter criteria matched' } as const;
  const ui = (match: unknown) => ({ rules: [{ id: 'accept', order: 1, match, action: 'accept' }, reject] }) as FilterInput;
  const decide = (match: unknown, c: FilterContext, pass: 'pre' | 'post' = c.download ? 'post' : 'pre') => {
    const d = evaluateFilter(ui(match), c, pass);
    return [d.action, d.reason];
  };
  const mediaTypes = { any: [{ media_type: { exists: false } }, { media_type: { in: ['application/bufr'] } }] };
  test('the media-type composition passes before download and checks after', () => {
    assert.deepEqual(decide(mediaTypes, ctx()), ['accept', 'accept']);
    assert.deepEqual(decide(mediaTypes, ctx({ post: { mediaType: 'application/bufr', size: 1 } })), ['accept', 'accept']);
    assert.deepEqual(decide(mediaTypes, ctx({ post: { mediaType: 'text/plain', size: 1 } })), ['reject', 'No filter criteria matched']);
  });
  test('the dataset composition matches metadata_id', () => {
    assert.equal(decide({ metadata_id: { in: ['urn:wmo:md:de-dwd:synop'] } }, ctx())[0], 'accept');
    assert.equal(decide({ metadata_id: { in: ['urn:other'] } }, ctx())[0], 'reject');
  });
  test('the date-range composition uses the whole minutes chosen', () => {
    const day = { property: 'pubtime', type: 'datetime', between: ['2024-01-01T00:00:00+00:00', '2024-01-01T23:59:59+00:00'] };
    assert.equal(decide(day, ctx())[0], 'accept');
    assert.equal(decide(day, ctx({ properties: { pubtime: '2023-12-31T23:59:59Z' } }))[0], 'reject');
  });
  test('several conditions are combined with all', () => {
    const m = { all: [mediaTypes, { bbox: { north: 55, south: 47, east: 15, west: 6 } }, { property: 'wigos_station_identifier', type: 'string', in: ['0-20000-0-10381', '0-20000-0-10382'] }] };
    assert.equal(decide(m, ctx({ properties: { wigos_station_identifier: '0-20000-0-10381' } }))[0], 'accept');
    assert.equal(decide(m, ctx({ properties: { wigos_station_identifier: '0-20000-0-99999' } }))[0], 'reject');
  });
  test('a custom non-string GDC filter uses equals with its type', () => {
    assert.equal(decide({ property: 'level', type: 'integer', equals: 850 }, ctx({ properties: { level: '850' } }))[0], 'accept');
  });
  test('the legacy accepted_media_types translation accepts before download and filters after', () => {
    const f = filterFromAcceptedMediaTypes(['application/x-grib*', 'application/bufr']);
    assert.equal(evaluateFilter(f, ctx(), 'pre').action, 'accept');
    assert.equal(evaluateFilter(f, ctx({ post: { mediaType: 'application/x-grib2', size: 1 } }), 'post').action, 'accept');
    assert.equal(evaluateFilter(f, ctx({ post: { mediaType: 'application/json', size: 1 } }), 'post').reason, 'reject-media');
  });
});

describe('hostile filters stay bounded', () => {
  test('a catastrophic-backtracking regex runs in linear time', () => {
    const r = compileSafeRegex('^(a+)+$');
    assert.ok(r.ok);
    const start = performance.now();
    assert.equal(r.regex.test('a'.repeat(5000) + '!'), false);
    assert.ok(performance.now() - start < 2000);
  });
  test('a deeply nested filter makes its rule skipped instead of recursing without bound', () => {
    let m: unknown = { always: true };
    for (let i = 0; i < 100; i++) m = { not: m };
    assert.equal(fires(m).skipped, true);
  });
  test('a pathological glob is matched in bounded time', () => {
    const start = performance.now();
    assert.equal(globMatch('a'.repeat(10000), '*a*a*a*a*a*a*a*b'), false);
    assert.ok(performance.now() - start < 2000);
  });
});
