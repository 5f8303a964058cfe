import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isExcludedCache, relationKind, selectDownloadLink } from '../../src/wis2/links.js';

const link = (rel: string, href = `https://gc.example.org/${rel}.bin`, extra: Record<string, unknown> = {}) => ({ rel, href, ...extra });

describe('download link selection', () => {
  test('the first update link wins over canonical links and asks to overwrite', () => {
    const r = selectDownloadLink([link('canonical'), link('update', 'https://a.example/u1'), link('update', 'https://a.example/u2')]);
    assert.ok(r.ok);
    assert.equal(r.href, 'https://a.example/u1');
    assert.equal(r.relation, 'update');
    assert.equal(r.overwrite, true);
  });

  test('otherwise the first canonical link is used, its length is the size and its host the cache', () => {
    const r = selectDownloadLink([link('item'), link('canonical', 'https://gc.example.org:8443/x.bufr4?a=1', { length: 465 }), link('canonical')]);
    assert.ok(r.ok);
    assert.equal(r.overwrite, false);
    assert.equal(r.size, 465);
    assert.equal(r.cache, 'gc.example.org');
  });

  test('a message with only a deletion link has nothing to download and hands the deletion back', () => {
    const r = selectDownloadLink([link('deletion'), link('item')]);
    assert.ok(!r.ok);
    assert.deepEqual(r.outcome, { status: 'SKIPPED', errorClass: 'MissingDownloadURLError', reason: 'No download URL in notification message' });
    assert.equal(r.deletion?.rel, 'deletion');
  });

  test('relation names are read case-insensitively and in the older URI form', () => {
    assert.equal(relationKind('Canonical'), 'canonical');
    assert.equal(relationKind('http://def.wmo.int/def/rel/wnm/-/update'), 'update');
    assert.equal(relationKind('http://def.wmo.int/def/rel/wnm/-/deletion'), 'deletion');
    assert.equal(relationKind('item'), 'other');
    const r = selectDownloadLink([link('CANONICAL'), link('http://def.wmo.int/def/rel/wnm/-/update')]);
    assert.ok(r.ok && r.relation === 'update');
  });

  test('reference mode ignores other spellings and URI forms', () => {
    const r = selectDownloadLink([link('CANONICAL'), link('http://def.wmo.int/def/rel/wnm/-/update')], { mode: 'reference' });
    assert.ok(!r.ok && r.outcome.errorClass === 'MissingDownloadURLError');
  });

  test('only http and https links are downloaded unless other schemes are allowed', () => {
    const ftpOnly = [link('canonical', 'ftp://ftp.example.org/x.grib')];
    const r = selectDownloadLink(ftpOnly);
    assert.ok(!r.ok);
    assert.deepEqual(r.outcome, { status: 'SKIPPED', errorClass: 'UnsupportedDownloadURL', reason: 'Unsupported download URL ftp://ftp.example.org/x.grib' });
    assert.ok(selectDownloadLink(ftpOnly, { allowedSchemes: ['ftp:'] }).ok);
    const fallback = selectDownloadLink([link('canonical', 'file:///etc/passwd'), link('canonical', 'https://ok.example/x')]);
    assert.ok(fallback.ok && fallback.href === 'https://ok.example/x');
    assert.ok(!selectDownloadLink([link('canonical', 'not a url')]).ok);
  });

  test('a length that is not a non-negative integer gives no size', () => {
    const r = selectDownloadLink([link('canonical', 'https://x.example/a', { length: -3 })]);
    assert.ok(r.ok && r.size === null);
  });

  test('GC_EXCLUDE compares the cache host exactly', () => {
    assert.ok(isExcludedCache('gc.example.org', ['gc.example.org']));
    assert.ok(!isExcludedCache('GC.example.org', ['gc.example.org']));
  });
});
