import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  centreIdFromTopic,
  channelFromTopic,
  parseWis2Topic,
  topicMatches,
  unquoteTopic,
  validateTopic,
} from '../../src/wis2/topics.js';

function code(topic: string, options?: Parameters<typeof validateTopic>[1]) {
  const r = validateTopic(topic, options);
  return r.ok ? 'ok' : r.code;
}

describe('topic validation', () => {
  test('the documented WIS2 subscription examples are accepted', () => {
    for (const topic of [
      'cache/a/wis2/de-dwd/data/#',
      'cache/a/wis2/+/data/core/weather/surface-based-observations/#',
      'cache/a/wis2/+/data/core/#',
      'cache/a/wis2/+/data/+/weather/#',
      'origin/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop',
      'origin/a/wis2/cn-cma-wis2-to-gts/metadata/#',
      '#',
      '+/+/+/+/+',
    ]) {
      assert.equal(code(topic), 'ok', topic);
    }
  });

  test('an empty topic keeps the compatibility message No topic provided', () => {
    const r = validateTopic('');
    assert.deepEqual(r, { ok: false, code: 'empty', error: 'No topic provided' });
  });

  test('wildcards must occupy a whole level and # may only be last', () => {
    assert.equal(code('cache/a/wis2/de-dwd/data/core+'), 'wildcard_in_level');
    assert.equal(code('cache/a/wis2/de-dwd/data/co#re'), 'wildcard_in_level');
    assert.equal(code('cache/a/wis2/#/data'), 'hash_not_last');
    assert.equal(code('#/x', { wis2: false }), 'hash_not_last');
  });

  test('NUL characters and topics over 65535 bytes are refused by MQTT syntax alone', () => {
    assert.equal(code('cache/a/wis2/de-dwd/data/\u0000', { wis2: false }), 'nul');
    assert.equal(code('é'.repeat(32768), { wis2: false }), 'too_long');
  });

  test('the first five levels must follow the WIS2 hierarchy', () => {
    assert.equal(code('foo/a/wis2/de-dwd/data/#'), 'channel');
    assert.equal(code('cache/b/wis2/de-dwd/data/#'), 'version');
    assert.equal(code('cache/a/wis3/de-dwd/data/#'), 'system');
    assert.equal(code('cache/a/wis2/de-dwd/datum/#'), 'notification_type');
    assert.equal(code('cache/a/wis2/de-dwd'), 'too_short');
    assert.equal(code('cache/a/wis2/#'), 'ok');
  });

  test('centre ids are checked for syntax, not for membership of the registered list', () => {
    assert.equal(code('cache/a/wis2/zz-not-registered-yet/data/#'), 'ok');
    assert.equal(code('cache/a/wis2/DE-DWD/data/#'), 'centre_id');
    assert.equal(code('cache/a/wis2/de.dwd/data/#'), 'centre_id');
    assert.equal(code('cache/a/wis2/dwd/data/#'), 'centre_id');
    assert.equal(code('cache/a/wis2/de--dwd/data/#'), 'centre_id');
  });

  test('metadata topics can be refused, as the reference UI does', () => {
    assert.equal(code('cache/a/wis2/de-dwd/metadata/#', { allowMetadata: false }), 'metadata_not_allowed');
  });

  test('data policy and discipline are checked against the code lists only on request', () => {
    assert.equal(code('cache/a/wis2/de-dwd/data/secret/weather'), 'ok');
    assert.equal(code('cache/a/wis2/de-dwd/data/secret/weather', { codeLists: true }), 'data_policy');
    assert.equal(code('cache/a/wis2/de-dwd/data/core/astrology', { codeLists: true }), 'discipline');
    assert.equal(code('cache/a/wis2/de-dwd/data/recommended/space-weather/#', { codeLists: true }), 'ok');
  });

  test('the error text starts with Invalid topic and names the level', () => {
    const r = validateTopic('cache/a/wis2/de-dwd/datum/#');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : '', /^Invalid topic: level 5 is 'datum'/);
  });

  test('percent-decoding turns %23 into # and trims, as the reference API does', () => {
    assert.equal(unquoteTopic('  cache/a/wis2/+/data/%23 '), 'cache/a/wis2/+/data/#');
    assert.equal(unquoteTopic('a%2'), 'a%2');
    assert.equal(unquoteTopic('caf%C3%A9'), 'café');
  });
});

describe('topic matching', () => {
  test('+ matches exactly one level and # any number of trailing levels, including none', () => {
    const topic = 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop';
    assert.ok(topicMatches('cache/a/wis2/+/data/core/#', topic));
    assert.ok(topicMatches('#', topic));
    assert.ok(topicMatches(topic, topic));
    assert.ok(topicMatches('cache/a/wis2/de-dwd/#', 'cache/a/wis2/de-dwd'));
    assert.ok(!topicMatches('cache/a/wis2/+/data/recommended/#', topic));
    assert.ok(!topicMatches('cache/a/wis2/+/data', topic));
    assert.ok(!topicMatches('origin/a/wis2/+/data/core/#', topic));
  });

  test('wildcards at the first level never match $ topics', () => {
    assert.ok(!topicMatches('#', '$SYS/broker'));
    assert.ok(topicMatches('$SYS/#', '$SYS/broker'));
  });
});

describe('what a message topic tells the pipeline', () => {
  test('the centre id is level 4 when level 3 is wis2, otherwise null', () => {
    assert.equal(centreIdFromTopic('cache/a/wis2/xx-centre/data/core/weather'), 'xx-centre');
    assert.equal(centreIdFromTopic('cache/a/wis2'), null);
    assert.equal(centreIdFromTopic('cache/a/wis2/de-dwd'), 'de-dwd');
    assert.equal(centreIdFromTopic('foo/bar/baz/qux'), null);
    assert.equal(centreIdFromTopic(undefined), null);
  });

  test('the channel is origin or cache, anything else is null', () => {
    assert.equal(channelFromTopic('origin/a/wis2/x-y/data'), 'origin');
    assert.equal(channelFromTopic('cache/a/wis2/x-y/data'), 'cache');
    assert.equal(channelFromTopic('other/a'), null);
  });

  test('a WIS2 topic splits into its named levels with the sub-discipline levels last', () => {
    assert.deepEqual(parseWis2Topic('cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop'), {
      channel: 'cache',
      version: 'a',
      system: 'wis2',
      centreId: 'de-dwd',
      notificationType: 'data',
      dataPolicy: 'core',
      discipline: 'weather',
      subLevels: ['surface-based-observations', 'synop'],
    });
    assert.equal(parseWis2Topic('a/b/c/d/e'), null);
  });
});
