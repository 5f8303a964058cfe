import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createIntegrityHasher,
  resolveHashMethod,
  verifyIntegrity,
  type HashMethod,
} from '../../src/wis2/integrity.js';

const data = Buffer.from('BUFR test granule\r\n');
const b64 = (method: string) => createHash(method).update(data).digest('base64');
const url = 'https://gc.example.org/x.bufr4';

describe('hash methods', () => {
  test('an absent method means sha512, and sha3_256 is the same as sha3-256', () => {
    assert.deepEqual(resolveHashMethod(undefined), { ok: true, method: 'sha512' });
    assert.deepEqual(resolveHashMethod('sha3_256'), { ok: true, method: 'sha3-256' });
  });

  test('upper-case names are accepted unless exact case is asked for, as the reference does', () => {
    assert.deepEqual(resolveHashMethod('SHA512'), { ok: true, method: 'sha512' });
    const strict = resolveHashMethod('SHA512', { exactCase: true });
    assert.ok(!strict.ok && strict.outcome.errorClass === 'InvalidHashMethod');
  });

  test('unknown methods such as md5 are SKIPPED InvalidHashMethod before any download', () => {
    const r = verifyIntegrity(data, { method: 'md5', value: 'x' }, url);
    assert.ok(!r.ok);
    assert.deepEqual(r.outcome, { status: 'SKIPPED', errorClass: 'InvalidHashMethod', reason: 'Invalid hash method' });
  });
});

describe('integrity verification', () => {
  test('every WNM method verifies its own base64 digest', () => {
    for (const method of ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384', 'sha3-512'] as HashMethod[]) {
      const r = verifyIntegrity(data, { method, value: b64(method), length: data.byteLength }, url);
      assert.ok(r.ok && r.verdict.status === 'verified' && r.verdict.validHash === true, method);
    }
  });

  test('base64 without padding and hex digests are accepted too', () => {
    const r1 = verifyIntegrity(data, { method: 'sha256', value: b64('sha256').replace(/=+$/, '') }, url);
    assert.ok(r1.ok && r1.verdict.expectedEncoding === 'base64');
    const hex = createHash('sha512').update(data).digest('hex');
    const r2 = verifyIntegrity(data, { method: 'sha512', value: hex.toUpperCase() }, url);
    assert.ok(r2.ok && r2.verdict.expectedEncoding === 'hex');
  });

  test('a different digest is a hash mismatch, FAILED by default and SKIPPED on request', () => {
    const wrong = b64('sha512').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const r = verifyIntegrity(data, { method: 'sha512', value: wrong }, url);
    assert.ok(!r.ok);
    assert.deepEqual(r.outcome, { status: 'FAILED', errorClass: 'HashVerificationError', reason: `Hash verification failed for ${url}` });
    assert.equal(r.verdict?.validHash, false);
    const asRef = verifyIntegrity(data, { method: 'sha512', value: wrong }, url, { mismatchStatus: 'SKIPPED' });
    assert.ok(!asRef.ok && asRef.outcome.status === 'SKIPPED');
    const garbage = verifyIntegrity(data, { method: 'sha512', value: 'A2KNxvks...S8qfSCw==' }, url);
    assert.ok(!garbage.ok && garbage.verdict?.status === 'hash_mismatch');
  });

  test('a byte count other than the link length is a size mismatch even when the hash matches', () => {
    const r = verifyIntegrity(data, { method: 'sha512', value: b64('sha512'), length: 999 }, url);
    assert.ok(!r.ok);
    assert.deepEqual(r.outcome, {
      status: 'FAILED',
      errorClass: 'SizeVerificationError',
      reason: `Size verification failed for ${url}: expected 999 bytes, got ${data.byteLength}`,
    });
  });

  test('with no expected value nothing is compared, but the digest is still reported', () => {
    const r = verifyIntegrity(data, {}, url);
    assert.ok(r.ok);
    assert.equal(r.verdict.status, 'not_checked');
    assert.equal(r.verdict.validHash, null);
    assert.equal(r.verdict.actualHash, b64('sha512'));
  });

  test('the streaming hasher gives the same digest and counts bytes', () => {
    const h = createIntegrityHasher('sha384');
    h.update(data.subarray(0, 5));
    h.update(data.subarray(5));
    assert.equal(h.bytes, data.byteLength);
    assert.equal(h.digestBase64(), b64('sha384'));
  });
});
