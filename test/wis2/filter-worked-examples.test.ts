// Every worked example of wis2-downloader spec §4.8, with the spec's expected outcome.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateFilter, notificationView, type FilterContext, type FilterInput } from '../../src/wis2/filter/index.ts';

const TOPIC = 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop';
const BASE_PROPS = { pubtime: '2024-01-01T00:05:00Z', model_run: '00', forecast_hour: '36' };

function ctx(over: {
  topic?: string; properties?: Record<string, unknown>; geometry?: unknown; href?: string; length?: number;
  post?: { mediaType: string | null; size: number };
} = {}): FilterContext {
  const properties = {
    data_id: 'wis2/de-dwd/data/core/weather/A_ISMD01EDZW_20240101.bufr4',
    metadata_id: 'urn:wmo:md:de-dwd:synop',
    ...BASE_PROPS,
    ...over.properties,
  };
  for (const [k, v] of Object.entries(properties)) if (v === undefined) delete (properties as Record<string, unknown>)[k];
  const notification = notificationView({
    topic: over.topic ?? TOPIC,
    message: { geometry: 'geometry' in over ? over.geometry : { type: 'Point', coordinates: [8, 50] }, properties },
    link: { href: over.href ?? 'https://cache.example/data/A_ISMD01EDZW_20240101.bufr4', length: over.length },
  });
  return { notification, ...(over.post ? { download: over.post } : {}) };
}
const post = (mediaType: string | null, size = 1024) => ctx({ post: { mediaType, size } });
const run = (filter: unknown, c: FilterContext, pass: 'pre' | 'post') => evaluateFilter(filter as FilterInput, c, pass);
const outcome = (filter: unknown, c: FilterContext, pass: 'pre' | 'post') => {
  const d = run(filter, c, pass);
  return [d.action, d.rule ? d.reason : null];
};
const rejectAll = { id: 'default', order: 999, match: { always: true }, action: 'reject', reason: 'No filter criteria matched' };

describe('§4.8 worked examples', () => {
  test('1: an empty filter applies the default filter, which accepts before download', () => {
    assert.deepEqual(outcome({}, ctx(), 'pre'), ['accept', null]);
    assert.equal(run({}, ctx(), 'pre').usedDefaultFilter, true);
  });
  test('1: the default filter accepts application/bufr after download', () => {
    assert.deepEqual(outcome({}, post('application/bufr'), 'post'), ['accept', null]);
  });
  test('1: the default filter rejects application/json after download with its reason', () => {
    assert.deepEqual(outcome({}, post('application/json'), 'post'), ['reject', 'Media type not in default allowed list']);
  });
  test('2: a filter with a name but no rules accepts json without any default check', () => {
    const d = run({ name: 'x' }, post('application/json'), 'post');
    assert.equal(d.action, 'accept');
    assert.equal(d.usedDefaultFilter, false);
  });
  const ex3 = { rules: [
    { id: 'accept-bufr', order: 1, match: { media_type: { in: ['application/bufr'] } }, action: 'accept' },
    { id: 'reject-all', order: 99, match: { always: true }, action: 'reject' },
  ] };
  test('3: accept-bufr then reject-all rejects everything before download (the classic mistake)', () => {
    assert.deepEqual(outcome(ex3, ctx(), 'pre'), ['reject', 'reject-all']);
  });
  const ex4 = { rules: [
    { id: 'accept-bufr', order: 1, match: { media_type: { in: ['application/bufr', 'application/octet-stream'] } }, action: 'accept' },
    { id: 'reject-wrong-type', order: 2, match: { media_type: { exists: true } }, action: 'reject', reason: 'Media type not allowed' },
  ] };
  test('4: the media-type pair lets everything through before download', () => {
    assert.deepEqual(outcome(ex4, ctx(), 'pre'), ['accept', null]);
  });
  test('4: after download bufr is accepted by accept-bufr', () => {
    assert.deepEqual(outcome(ex4, post('application/bufr'), 'post'), ['accept', 'accept-bufr']);
  });
  test('4: after download grib is rejected with "Media type not allowed"', () => {
    assert.deepEqual(outcome(ex4, post('application/grib'), 'post'), ['reject', 'Media type not allowed']);
  });
  const ex5 = { rules: [{ id: 'too-big', order: 1, match: { size: { gt_bytes: 104857600 } }, action: 'reject', reason: 'Exceeds 100 MB' }] };
  test('5: a size rule does not fire before download when the link has no length', () => {
    assert.deepEqual(outcome(ex5, ctx(), 'pre'), ['accept', null]);
  });
  test('5: a size rule rejects before download when the link length is 200 MiB', () => {
    assert.deepEqual(outcome(ex5, ctx({ length: 200 * 1024 * 1024 }), 'pre'), ['reject', 'Exceeds 100 MB']);
  });
  test('5: a size rule rejects a 200 MiB download after it', () => {
    assert.deepEqual(outcome(ex5, ctx({ post: { mediaType: 'application/bufr', size: 200 * 1024 * 1024 } }), 'post'), ['reject', 'Exceeds 100 MB']);
  });
  test('5: a size rule accepts a 1 KiB download', () => {
    assert.deepEqual(outcome(ex5, post('application/bufr', 1024), 'post'), ['accept', null]);
  });
  const ex6 = { rules: [{ id: 'not-bufr', order: 1, match: { not: { media_type: { equals: 'application/bufr' } } }, action: 'reject' }] };
  test('6: not(media_type equals bufr) rejects before download (the null inversion)', () => {
    assert.deepEqual(outcome(ex6, ctx(), 'pre'), ['reject', 'not-bufr']);
  });
  test('6: not(media_type equals bufr) accepts bufr after download', () => {
    assert.deepEqual(outcome(ex6, post('application/bufr'), 'post'), ['accept', null]);
  });
  test('7: order wins over list position', () => {
    const f = { rules: [
      { id: 'b', order: 2, match: { centre_id: { equals: 'de-dwd' } }, action: 'reject' },
      { id: 'a', order: 1, match: { centre_id: { in: ['de-dwd', 'fr-meteofrance'] } }, action: 'accept' },
    ] };
    const d = run(f, ctx(), 'pre');
    assert.deepEqual([d.action, d.reason, d.rule?.index, d.rule?.order], ['accept', 'a', 1, 1]);
  });
  const ex8 = { rules: [
    { id: 'log', order: 1, match: { always: true }, action: 'continue' },
    { id: 'fr', order: 2, match: { centre_id: { equals: 'fr-meteofrance' } }, action: 'reject' },
  ] };
  test('8: a continue rule does not decide, so de-dwd is accepted', () => {
    assert.deepEqual(outcome(ex8, ctx(), 'pre'), ['accept', null]);
  });
  test('8: after a continue rule fr-meteofrance is rejected', () => {
    assert.deepEqual(outcome(ex8, ctx({ topic: 'cache/a/wis2/fr-meteofrance/data/core/weather' }), 'pre'), ['reject', 'fr']);
  });
  test('9: a topic glob with * spans several levels', () => {
    const f = { rules: [
      { id: 'ok', order: 1, match: { topic: { pattern: 'cache/a/wis2/*/data/core/weather/*' } }, action: 'accept' },
      rejectAll,
    ] };
    assert.deepEqual(outcome(f, ctx(), 'pre'), ['accept', 'ok']);
  });
  const ex10 = { rules: [{ id: 'bufr-href', order: 1, match: { href: { regex: '\\.bufr4?$' } }, action: 'accept' }, rejectAll] };
  test('10: an href regex accepts .bufr4', () => {
    assert.deepEqual(outcome(ex10, ctx(), 'pre'), ['accept', 'bufr-href']);
  });
  test('10: an href regex lets .grib2 fall to the default reject', () => {
    assert.deepEqual(outcome(ex10, ctx({ href: 'https://cache.example/data/x.grib2' }), 'pre'), ['reject', 'No filter criteria matched']);
  });
  const ex11 = { rules: [{ id: 'runs', order: 1, action: 'accept', match: { all: [
    { property: 'model_run', type: 'string', in: ['00', '12'] },
    { property: 'forecast_hour', type: 'integer', lte: 48 },
  ] } }, rejectAll] };
  test('11: model_run 00 and forecast_hour 36 are accepted', () => {
    assert.deepEqual(outcome(ex11, ctx(), 'pre'), ['accept', 'runs']);
  });
  test('11: model_run 06 is rejected', () => {
    assert.deepEqual(outcome(ex11, ctx({ properties: { model_run: '06' } }), 'pre')[0], 'reject');
  });
  test('11: forecast_hour 72 is rejected', () => {
    assert.deepEqual(outcome(ex11, ctx({ properties: { forecast_hour: '72' } }), 'pre')[0], 'reject');
  });
  const ex12 = { rules: [{ id: 'day', order: 1, action: 'accept', match: {
    property: 'pubtime', type: 'datetime', between: ['2024-01-01T00:00:00+00:00', '2024-01-01T23:59:59+00:00'],
  } }, rejectAll] };
  test('12: a pubtime within the range is accepted', () => {
    assert.deepEqual(outcome(ex12, ctx(), 'pre'), ['accept', 'day']);
  });
  test('12: a pubtime on the next day is rejected', () => {
    assert.deepEqual(outcome(ex12, ctx({ properties: { pubtime: '2024-01-02T00:05:00Z' } }), 'pre')[0], 'reject');
  });
  test('12: a missing pubtime is rejected', () => {
    assert.deepEqual(outcome(ex12, ctx({ properties: { pubtime: undefined } }), 'pre')[0], 'reject');
  });
  const ex13 = { rules: [{ id: 'box', order: 1, action: 'accept', match: { bbox: { north: 55, south: 47, east: 15, west: 6 } } }, rejectAll] };
  test('13: a point inside the box is accepted', () => {
    assert.deepEqual(outcome(ex13, ctx(), 'pre'), ['accept', 'box']);
  });
  test('13: a point outside the box is rejected', () => {
    assert.deepEqual(outcome(ex13, ctx({ geometry: { type: 'Point', coordinates: [-3, 40] } }), 'pre')[0], 'reject');
  });
  test('13: a null geometry passes through and is accepted', () => {
    assert.deepEqual(outcome(ex13, ctx({ geometry: null }), 'pre'), ['accept', 'box']);
  });
  test('13: a polygon overlapping the edge of the box is accepted', () => {
    const geometry = { type: 'Polygon', coordinates: [[[0, 45], [7, 45], [7, 48], [0, 48], [0, 45]]] };
    assert.deepEqual(outcome(ex13, ctx({ geometry }), 'pre'), ['accept', 'box']);
  });
  test('13: a point exactly on the west edge is not within, so it does not match', () => {
    assert.deepEqual(outcome(ex13, ctx({ geometry: { type: 'Point', coordinates: [6, 50] } }), 'pre')[0], 'reject');
  });
  test('14: an unknown key never matches, so the reject rule does not fire', () => {
    const d = run({ rules: [{ id: 'r', order: 1, match: { wigos_station_identifier: { equals: 'x' } }, action: 'reject' }] }, ctx(), 'pre');
    assert.equal(d.action, 'accept');
    assert.equal(d.warnings.length, 1);
  });
  test('15: only the first simple field is evaluated', () => {
    const f = { rules: [{ id: 'r', order: 1, match: { centre_id: { equals: 'xx' }, data_id: { regex: '.' } }, action: 'reject' }] };
    assert.deepEqual(outcome(f, ctx(), 'pre'), ['accept', null]);
  });
  test('16: only the first operator is used', () => {
    const f = { rules: [{ id: 'r', order: 1, match: { centre_id: { not_equals: 'de-dwd', equals: 'de-dwd' } }, action: 'reject' }] };
    assert.deepEqual(outcome(f, ctx(), 'pre'), ['accept', null]);
  });
  test('17: always shadows every other key', () => {
    const f = { rules: [{ id: 'r', order: 1, match: { always: false, centre_id: { equals: 'de-dwd' } }, action: 'reject' }] };
    assert.deepEqual(outcome(f, ctx(), 'pre'), ['accept', null]);
  });
  test('18: gt_bytes and lt_bytes together do not make a range; only gt_bytes counts', () => {
    const f = { rules: [{ id: 'r', order: 1, match: { size: { lt_bytes: 10, gt_bytes: 5 } }, action: 'reject' }] };
    assert.deepEqual(outcome(f, post('application/bufr', 100), 'post'), ['reject', 'r']);
  });
  test('19: a rule without action continues', () => {
    assert.deepEqual(outcome({ rules: [{ id: 'r', order: 1, match: { always: true } }] }, ctx(), 'pre'), ['accept', null]);
  });
  test('20: a missing order counts as 9999', () => {
    const f = { rules: [
      { id: 'late', match: { always: true }, action: 'reject' },
      { id: 'early', order: 5, match: { always: true }, action: 'accept' },
    ] };
    assert.deepEqual(outcome(f, ctx(), 'pre'), ['accept', 'early']);
  });
  test('21: a malformed between_bytes rule is skipped and the fallback accepts', () => {
    const f = { rules: [
      { id: 'bad', order: 1, match: { size: { between_bytes: 5 } }, action: 'reject' },
      { id: 'fallback-rule', order: 2, match: { always: true }, action: 'accept', reason: 'fallback' },
    ] };
    const d = run(f, post('application/bufr', 100), 'post');
    assert.deepEqual([d.action, d.reason], ['accept', 'fallback']);
    assert.deepEqual(d.skippedRules.map((s) => s.id), ['bad']);
  });
  const ex22 = { rules: [{ id: 'no-md', order: 1, match: { metadata_id: { exists: false } }, action: 'reject' }] };
  test('22: metadata_id exists:false does not fire when metadata_id is present', () => {
    assert.deepEqual(outcome(ex22, ctx(), 'pre'), ['accept', null]);
  });
  test('22: metadata_id exists:false rejects when metadata_id is absent', () => {
    assert.deepEqual(outcome(ex22, ctx({ properties: { metadata_id: undefined } }), 'pre'), ['reject', 'no-md']);
  });
  test('23: "in" with a string operand is false with a warning', () => {
    const d = run({ rules: [{ id: 'r', order: 1, match: { centre_id: { in: 'de-dwd' } }, action: 'reject' }] }, ctx(), 'pre');
    assert.equal(d.action, 'accept');
    assert.match(d.warnings[0], /array/);
  });
  test('24: a naive datetime operand against an aware pubtime raises, so the rule is skipped', () => {
    const f = { rules: [{ id: 'r', order: 1, match: { property: 'pubtime', type: 'datetime', gte: '2024-01-01T00:00:00' }, action: 'reject' }] };
    const d = run(f, ctx(), 'pre');
    assert.equal(d.action, 'accept');
    assert.match(d.skippedRules[0].error, /offset-naive and offset-aware/);
  });
  test('25: pattern is case-sensitive, so *SYNOP* does not match x/synop/y', () => {
    const f = { rules: [{ id: 'r', order: 1, match: { data_id: { pattern: '*SYNOP*' } }, action: 'reject' }] };
    assert.deepEqual(outcome(f, ctx({ properties: { data_id: 'x/synop/y' } }), 'pre'), ['accept', null]);
  });
});
