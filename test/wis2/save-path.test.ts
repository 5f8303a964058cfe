import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { commitMode, computeSavePath, dayPath, fileNameFromUrl, normaliseTarget, tempFilePath } from '../../src/wis2/save-path.js';

const root = '/data';
const stored = (target: string | null | undefined) => {
  const r = normaliseTarget(target, root);
  return r.ok ? r.savePath : null;
};

describe('target sanitising', () => {
  test('the reference table of save_path values holds, with escapes refused instead of nulled', () => {
    assert.equal(stored('surface-obs'), 'surface-obs');
    assert.equal(stored('./'), '.');
    assert.equal(stored('.'), '.');
    assert.equal(stored('a/b/../c'), 'a/c');
    assert.equal(stored('a//b/'), 'a/b');
    assert.equal(stored('x/./y'), 'x/y');
    assert.equal(stored('../etc'), null);
    assert.equal(stored('a/../..'), null);
    assert.equal(stored('/etc/passwd'), null);
    assert.equal(stored('/data/x'), 'x');
    assert.equal(stored('/datax/y'), null);
    assert.equal(stored('  x '), '  x ');
    assert.equal(stored('~user'), '~user');
  });

  test('an empty or missing target means the data root', () => {
    assert.equal(stored(''), '.');
    assert.equal(stored(null), '.');
    assert.equal(stored(undefined), '.');
  });

  test('an escape is the error Invalid target', () => {
    const r = normaliseTarget('../../etc', root);
    assert.ok(!r.ok && r.error === 'Invalid target');
    assert.ok(!normaliseTarget('a\u0000b', root).ok);
  });
});

describe('save path layout', () => {
  const date = new Date('2026-03-05T23:30:00-02:00'); // 2026-03-06 in UTC

  test('files go to <root>/<target>/YYYY/MM/DD/<basename of the URL path> by the UTC day', () => {
    assert.equal(dayPath(date), '2026/03/06');
    const r = computeSavePath({ dataRoot: root, savePath: 'surface-obs', href: 'https://gc.example/a/b/SYNOP_1.bufr?token=1#x', date });
    assert.deepEqual(r, {
      ok: true,
      directory: '/data/surface-obs/2026/03/06',
      fileName: 'SYNOP_1.bufr',
      filePath: '/data/surface-obs/2026/03/06/SYNOP_1.bufr',
    });
  });

  test('a null save_path stores under the root instead of failing', () => {
    const r = computeSavePath({ dataRoot: root, savePath: null, href: 'https://gc.example/f', date });
    assert.ok(r.ok && r.filePath === '/data/2026/03/06/f');
  });

  test('a URL ending in / has no file name and is FAILED InvalidTargetDirectory', () => {
    const r = computeSavePath({ dataRoot: root, savePath: 'x', href: 'https://gc.example/dir/', date });
    assert.deepEqual(r, { ok: false, outcome: { status: 'FAILED', errorClass: 'InvalidTargetDirectory', reason: 'Invalid target directory /data/x/2026/03/06' } });
  });

  test('a stored save_path that escapes the root is refused at download time too', () => {
    const r = computeSavePath({ dataRoot: root, savePath: '../../etc', href: 'https://gc.example/f', date });
    assert.ok(!r.ok && r.outcome.errorClass === 'InvalidTargetDirectory');
  });

  test('reference naming keeps percent-escapes; sanitised naming decodes and strips separators and leading dots', () => {
    assert.equal(fileNameFromUrl('https://x/EO%3AEUM%3ADAT'), 'EO%3AEUM%3ADAT');
    assert.equal(fileNameFromUrl('https://x/a%2F..%2Fb'), 'a%2F..%2Fb');
    assert.equal(fileNameFromUrl('https://x/EO%3AEUM%3ADAT', 'sanitised'), 'EO:EUM:DAT');
    assert.equal(fileNameFromUrl('https://x/a%2F..%2Fb', 'sanitised'), 'a..b');
    assert.equal(fileNameFromUrl('https://x/%2e%2e', 'sanitised'), '');
    assert.equal(fileNameFromUrl('https://x/..%2Fsecret', 'sanitised'), 'secret');
    assert.equal(fileNameFromUrl('https://x/../..', 'reference'), '');
  });

  test('the temporary file sits in the day directory and new files never clobber', () => {
    assert.equal(tempFilePath('/data/x/2026/03/06', 'ab12-../x'), '/data/x/2026/03/06/.tmp_ab12-x');
    assert.equal(commitMode(false), 'link');
    assert.equal(commitMode(true), 'replace');
  });
});
