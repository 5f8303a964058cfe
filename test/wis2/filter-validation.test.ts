// Validation of user-supplied filters: every problem reported with its path (§4.1 [REC], §4.8 [REC]).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FILTER, FilterSchema, collectFilterIssues, filterSchema, validateFilter } from '../../src/wis2/filter/index.ts';

const rule = (match: unknown, extra: Record<string, unknown> = {}) => ({ rules: [{ id: 'r', order: 1, match, action: 'reject', ...extra }] });
const issues = (input: unknown, strict = true) => collectFilterIssues(input, { strict }).map((i) => [i.pointer, i.message]);
const pointers = (input: unknown, strict = true) => collectFilterIssues(input, { strict }).map((i) => i.pointer);

describe('filters that mean "use the default"', () => {
  test('null, undefined and {} are valid', () => {
    for (const f of [null, undefined, {}]) assert.deepEqual(validateFilter(f), { ok: true, filter: f ?? null });
  });
  test('the default filter and a UI composition are valid in strict mode', () => {
    assert.deepEqual(issues(DEFAULT_FILTER), []);
    assert.deepEqual(issues({ name: 'ui', rules: [
      { id: 'accept', order: 1, action: 'accept', match: { all: [
        { any: [{ media_type: { exists: false } }, { media_type: { in: ['application/bufr'] } }] },
        { bbox: { north: 55, south: 47, east: 15, west: 6 } },
        { property: 'pubtime', type: 'datetime', between: ['2024-01-01T00:00:00+00:00', '2024-01-01T23:59:59+00:00'] },
        { size: { between_bytes: [0, 1000] } },
      ] } },
      { id: 'default', order: 999, match: { always: true }, action: 'reject', reason: 'No filter criteria matched' },
    ] }), []);
  });
});

describe('the UI validator rules (both modes)', () => {
  test('a filter that is not an object', () => {
    assert.deepEqual(issues([1], false), [['', 'Filter must be a JSON object { … }']]);
  });
  test('a filter without rules, or with rules that are not an array', () => {
    assert.deepEqual(issues({ name: 'x' }, false), [['/rules', 'Filter must have a "rules" key']]);
    assert.deepEqual(issues({ rules: {} }, false), [['/rules', '"rules" must be an array [ … ]']]);
  });
  test('each rule problem is reported with its path', () => {
    assert.deepEqual(issues({ rules: [5, { order: '1', match: [], action: 'deny' }] }, false), [
      ['/rules/0', 'Rule 0: must be an object'],
      ['/rules/1/id', 'Rule 1: missing required field "id"'],
      ['/rules/1/order', 'Rule 1: "order" must be a number'],
      ['/rules/1/match', 'Rule 1: "match" must be a object'],
      ['/rules/1/action', 'Rule 1: "action" must be one of: accept, reject, continue'],
    ]);
  });
  test('compat mode accepts what the reference would merely ignore', () => {
    assert.deepEqual(issues(rule({ wigos_station_identifier: { equals: 'x' } }), false), []);
  });
});

describe('strict mode turns the silent cases of §4.8 into errors', () => {
  test('14: an unknown condition key', () => {
    const [[pointer, message]] = issues(rule({ wigos_station_identifier: { equals: 'x' } }));
    assert.equal(pointer, '/rules/0/match/wigos_station_identifier');
    assert.match(message, /unknown condition "wigos_station_identifier".*"property": "wigos_station_identifier"/);
  });
  test('pubtime as a simple field gets a property hint', () => {
    assert.match(issues(rule({ pubtime: { gt: 'x' } }))[0][1], /use \{"property": "pubtime", "type": "datetime"/);
  });
  test('15: a second simple field is ignored', () => {
    assert.deepEqual(pointers(rule({ centre_id: { equals: 'xx' }, data_id: { regex: '.' } })), ['/rules/0/match/data_id']);
  });
  test('16: a second operator is ignored', () => {
    const [[pointer, message]] = issues(rule({ centre_id: { not_equals: 'de-dwd', equals: 'de-dwd' } }));
    assert.equal(pointer, '/rules/0/match/centre_id/equals');
    assert.match(message, /only the first operator \("not_equals"\) is used/);
  });
  test('17: keys shadowed by always', () => {
    assert.deepEqual(pointers(rule({ always: false, centre_id: { equals: 'de-dwd' } })), ['/rules/0/match/centre_id']);
  });
  test('18: two size operators do not make a range', () => {
    const [[pointer, message]] = issues(rule({ size: { lt_bytes: 10, gt_bytes: 5 } }));
    assert.equal(pointer, '/rules/0/match/size/lt_bytes');
    assert.match(message, /between_bytes or all/);
  });
  test('21: between_bytes that is not a pair', () => {
    assert.deepEqual(pointers(rule({ size: { between_bytes: 5 } })), ['/rules/0/match/size/between_bytes']);
  });
  test('23: in with a string operand', () => {
    assert.deepEqual(issues(rule({ centre_id: { in: 'de-dwd' } })), [['/rules/0/match/centre_id/in', 'Rule 0: "in" must be an array [ … ]']]);
  });
  test('24: a naive datetime operand', () => {
    const [[pointer, message]] = issues(rule({ property: 'pubtime', type: 'datetime', gte: '2024-01-01T00:00:00' }));
    assert.equal(pointer, '/rules/0/match/gte');
    assert.match(message, /no UTC offset/);
  });
  test('wrong operand types name the operand', () => {
    assert.deepEqual(pointers(rule({ all: [
      { centre_id: { equals: 36 } },
      { property: 'n', type: 'integer', in: ['36'] },
      { property: 'n', type: 'float', equals: 1 },
      { size: { gt: 5 } },
      { media_type: { exist: true } },
      { not: [{ always: true }] },
      { always: 'yes' },
      { bbox: { north: 55, south: 47, east: 5, west: 6 } },
      { bbox: { north: 95, south: 47, west: 6 } },
    ] })), [
      '/rules/0/match/all/0/centre_id/equals',
      '/rules/0/match/all/1/in/0',
      '/rules/0/match/all/2/type',
      '/rules/0/match/all/3/size/gt',
      '/rules/0/match/all/3/size',
      '/rules/0/match/all/4/media_type/exist',
      '/rules/0/match/all/4/media_type',
      '/rules/0/match/all/5/not',
      '/rules/0/match/all/6/always',
      '/rules/0/match/all/7/bbox/west',
      '/rules/0/match/all/8/bbox/north',
      '/rules/0/match/all/8/bbox/east',
    ]);
  });
  test('unknown filter and rule keys, and duplicate ids', () => {
    assert.deepEqual(pointers({ nmae: 'x', rules: [
      { id: 'a', order: 1, match: { always: true }, action: 'accept', priority: 1 },
      { id: 'a', order: 2, match: { always: true }, action: 'accept' },
    ] }), ['/nmae', '/rules/0/priority', '/rules/1/id']);
  });
  test('a pointer escapes / and ~ in keys', () => {
    assert.deepEqual(pointers(rule({ 'a/b~c': 1 })), ['/rules/0/match/a~1b~0c']);
  });
});

describe('safety bounds (both modes)', () => {
  test('too many rules', () => {
    const rules = Array.from({ length: 101 }, (_, i) => ({ id: `r${i}`, order: i, match: { always: true }, action: 'continue' }));
    assert.match(issues({ rules }, false)[0][1], /at most 100/);
  });
  test('nesting deeper than the limit', () => {
    let m: unknown = { always: true };
    for (let i = 0; i < 20; i++) m = { not: m };
    assert.match(issues(rule(m), false)[0][1], /nested more than 16 deep/);
  });
  test('too many conditions is reported once', () => {
    const many = Array.from({ length: 600 }, () => ({ always: true }));
    const found = issues(rule({ any: many }), false);
    assert.equal(found.length, 1);
    assert.match(found[0][1], /more than 500 conditions/);
  });
  test('regexes our linear engine cannot run, or that are too long', () => {
    assert.deepEqual(issues(rule({ href: { regex: '(?<=x)y' } }), false), [['/rules/0/match/href/regex', 'Rule 0: regex not accepted: lookaround assertions are not supported']]);
    assert.match(issues(rule({ href: { regex: '(' } }), false)[0][1], /missing \)/);
    assert.match(issues(rule({ href: { regex: 'a'.repeat(600) } }), false)[0][1], /longer than/);
    assert.match(issues(rule({ href: { regex: '(a{1000}){1000}' } }), false)[0][1], /too complex/);
  });
  test('huge lists', () => {
    assert.match(issues(rule({ centre_id: { in: Array.from({ length: 1001 }, (_, i) => `c${i}`) } }), false)[0][1], /at most 1000/);
  });
});

describe('the zod schema', () => {
  test('reports the same issues with their paths', () => {
    const r = FilterSchema.safeParse(rule({ centre_id: { in: 'x' } }));
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues.map((i) => [i.path.join('/'), i.message]), [['rules/0/match/centre_id/in', 'Rule 0: "in" must be an array [ … ]']]);
  });
  test('parses a valid filter and maps undefined to null', () => {
    assert.deepEqual(FilterSchema.parse(DEFAULT_FILTER), DEFAULT_FILTER);
    assert.equal(filterSchema({ strict: false }).parse(undefined), null);
  });
});
