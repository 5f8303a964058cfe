import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { selectDownloadLink } from '../../src/wis2/links.js';
import { detectMediaType } from '../../src/wis2/media-type.js';
import { parseNotification } from '../../src/wis2/notification.js';
import { verifyIntegrity } from '../../src/wis2/integrity.js';
import { computeSavePath } from '../../src/wis2/save-path.js';
import { needsSharedData, wis2DataDir } from '../helpers/shared-data.js';

// Read in place: the WNM schema and examples have no licence and are never copied into this repository.
describe('the real WIS2 notification fixtures', { skip: needsSharedData(wis2DataDir) }, () => {
  const read = (path: string) => readFileSync(`${wis2DataDir}${path}`);

  // The verdicts SOURCE.md records from a JSON Schema 2020-12 validator with format checks.
  const verdicts: Array<[string, 'valid' | 'invalid' | 'parse_error']> = [
    ['wnm-standard/examples/example1.json', 'valid'],
    ['wnm-standard/examples/example2.json', 'valid'],
    ['wnm-standard/examples/example3.json', 'valid'],
    ['wnm-standard/examples/example4.json', 'valid'],
    ['wnm-standard/examples/eumetsat-msg-seviri-core-notification.json', 'valid'],
    ['wnm-standard/examples/eumetsat-msg-seviri-recommended-notification.json', 'valid'],
    ['wnm-standard/examples/eumetsat-msg-seviri-recommended-api-notification.json', 'valid'],
    ['pywis-pubsub/messages/test_valid.json', 'valid'],
    ['pywis-pubsub/messages/test_valid_checksum.json', 'invalid'],
    ['pywis-pubsub/messages/test_invalid.json', 'invalid'],
    ['pywis-pubsub/messages/test_invalid_datetime.json', 'invalid'],
    ['pywis-pubsub/messages/example-message.json', 'invalid'],
    ['pywis-pubsub/messages/test_malformed.json', 'parse_error'],
  ];

  for (const [path, expected] of verdicts) {
    test(`strict validation finds ${path} ${expected.replace('_', ' ')}`, () => {
      const r = parseNotification(read(path), { mode: 'strict' });
      const got = r.ok ? 'valid' : r.error;
      assert.equal(got, expected, r.ok ? '' : r.detail);
    });
  }

  test('the invalid messages fail for the reasons SOURCE.md gives', () => {
    const detail = (path: string) => {
      const r = parseNotification(read(`pywis-pubsub/messages/${path}`), { mode: 'strict' });
      return r.ok ? '' : r.detail;
    };
    assert.match(detail('test_valid_checksum.json'), /datetime/);
    assert.match(detail('test_invalid.json'), /content\.size/);
    assert.match(detail('test_invalid_datetime.json'), /pubtime/);
    assert.doesNotMatch(detail('test_invalid_datetime.json'), /properties\.datetime/);
    const example = detail('example-message.json');
    assert.match(example, /id: must be a UUID/);
    assert.match(example, /conformsTo/);
    assert.match(example, /datetime/);
  });

  test('lenient parsing still processes every well-formed message, flagging the non-compliant ones', () => {
    for (const [path, expected] of verdicts) {
      const r = parseNotification(read(path));
      if (expected === 'parse_error') {
        assert.ok(!r.ok && r.error === 'parse_error', path);
      } else {
        assert.ok(r.ok, path);
        assert.equal(r.compliant, expected === 'valid', path);
      }
    }
  });

  test('link selection on the real messages follows the reference', () => {
    const pick = (path: string) => {
      const r = parseNotification(read(path));
      assert.ok(r.ok);
      return selectDownloadLink(r.notification.links);
    };
    const checksum = pick('pywis-pubsub/messages/test_valid_checksum.json');
    assert.ok(checksum.ok);
    assert.equal(checksum.relation, 'canonical');
    assert.equal(checksum.cache, 'wisdev.kishou.go.jp');
    assert.equal(checksum.size, 465);
    assert.equal(checksum.overwrite, false);

    const deletionOnly = pick('wnm-standard/examples/example4.json');
    assert.ok(!deletionOnly.ok);
    assert.equal(deletionOnly.outcome.errorClass, 'MissingDownloadURLError');

    const api = pick('wnm-standard/examples/eumetsat-msg-seviri-recommended-api-notification.json');
    assert.ok(api.ok && api.link.type === 'text/html' && api.cache === 'eumetsatspace.atlassian.net');

    const noType = pick('wnm-standard/examples/example3.json');
    assert.ok(noType.ok && noType.link.type === undefined && noType.size === null);

    const bufr = pick('pywis-pubsub/messages/example-message.json');
    assert.ok(bufr.ok && bufr.size === 247);

    const core = pick('wnm-standard/examples/eumetsat-msg-seviri-core-notification.json');
    assert.ok(core.ok && core.size === 409575);
  });

  test('the real data granule verifies against test_valid_checksum.json: sha512 matches, length 465', () => {
    const r = parseNotification(read('pywis-pubsub/messages/test_valid_checksum.json'));
    assert.ok(r.ok);
    const link = selectDownloadLink(r.notification.links);
    assert.ok(link.ok);
    const granule = read('pywis-pubsub/data/A_SZIO01AMMC110648_C_EDZW_20230811064904_50549867');
    const v = verifyIntegrity(granule, { ...r.notification.integrity, length: link.size }, link.href);
    assert.ok(v.ok);
    assert.equal(v.verdict.status, 'verified');
    assert.equal(v.verdict.validHash, true);
    assert.equal(v.verdict.actualSize, 465);
    assert.equal(v.verdict.actualHash, 'lT7r2ekzrb3np7Jqk7vACk5qclFUxZXkEqgt1hqU3Tz+4/IaZZnb2KQxFw502Bn0o4v+++ImukvaE7EelTSfoA==');

    const sha256 = verifyIntegrity(granule, { method: 'sha256', value: 'kTnx5/Y/sg31Yu5nOdE/ZKgwytDLZB6zcuIPNGhzY2A=' }, link.href);
    assert.ok(sha256.ok && sha256.verdict.validHash === true);

    const flipped = Buffer.from(granule);
    flipped[100] ^= 1;
    const bad = verifyIntegrity(flipped, { ...r.notification.integrity, length: link.size }, link.href);
    assert.ok(!bad.ok && bad.outcome.errorClass === 'HashVerificationError');
  });

  test('the granule, a CREX/GTS text bulletin, is sniffed as text/plain in both namings', () => {
    const granule = read('pywis-pubsub/data/A_SZIO01AMMC110648_C_EDZW_20230811064904_50549867');
    assert.equal(detectMediaType(granule), 'text/plain');
    assert.equal(detectMediaType(granule, 'libmagic'), 'text/plain');
  });

  test('the end-to-end walk-through saves the granule as <root>/gts/<today>/<name in the URL>', () => {
    const r = parseNotification(read('pywis-pubsub/messages/test_valid_checksum.json'));
    assert.ok(r.ok);
    const link = selectDownloadLink(r.notification.links);
    assert.ok(link.ok);
    const path = computeSavePath({ dataRoot: '/data', savePath: 'gts', href: link.href, date: new Date('2026-05-13T08:00:00Z') });
    assert.ok(path.ok);
    assert.equal(path.filePath, '/data/gts/2026/05/13/A_SZIO01AMMC110648_C_EDZW_20230811064904_50549867');
  });
});
