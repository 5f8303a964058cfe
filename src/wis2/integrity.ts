/**
 * Integrity verification of downloaded bytes (spec §5.5): hash method, streaming digest,
 * comparison with `properties.integrity.value`, and (our addition, DESIGN decision 8) the size
 * against the link `length`. Pure computation on bytes; no file or network access.
 */
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { outcomes, type NegativeOutcome, type SkippedOutcome, type VerificationFailureStatus } from './outcomes.js';

/** WNM method names, as they appear in messages. */
export const HASH_METHODS = ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384', 'sha3-512'] as const;
export type HashMethod = (typeof HASH_METHODS)[number];

/** Method used when a message has no `integrity.method` (the reference default). */
export const DEFAULT_HASH_METHOD: HashMethod = 'sha512';

const DIGEST_BYTES: Record<HashMethod, number> = {
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha3-256': 32,
  'sha3-384': 48,
  'sha3-512': 64,
};

export interface HashMethodOptions {
  /** Reject `SHA512` and other upper-case spellings, as the reference does. Default false (accept any case). */
  exactCase?: boolean;
}

export type HashMethodResult = { ok: true; method: HashMethod } | { ok: false; outcome: SkippedOutcome };

/**
 * Resolves the method to use: absent → sha512; `sha3_256` and `sha3-256` are the same method.
 * Anything else is SKIPPED `InvalidHashMethod` (checked before any download).
 */
export function resolveHashMethod(method: string | null | undefined, options: HashMethodOptions = {}): HashMethodResult {
  if (method === null || method === undefined) return { ok: true, method: DEFAULT_HASH_METHOD };
  let name = method.replace(/_/g, '-');
  if (!options.exactCase) name = name.toLowerCase();
  return (HASH_METHODS as readonly string[]).includes(name)
    ? { ok: true, method: name as HashMethod }
    : { ok: false, outcome: outcomes.invalidHashMethod() };
}

/** A streaming hasher that also counts bytes; feed it chunks as they arrive. */
export interface IntegrityHasher {
  readonly method: HashMethod;
  update(chunk: Uint8Array): void;
  /** Bytes seen so far. */
  readonly bytes: number;
  /** Standard base64 with padding, as WNM carries it. Call once, at the end. */
  digestBase64(): string;
}

export function createIntegrityHasher(method: HashMethod): IntegrityHasher {
  const hash: Hash = createHash(method);
  let bytes = 0;
  return {
    method,
    update(chunk) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    },
    get bytes() {
      return bytes;
    },
    digestBase64: () => hash.digest('base64'),
  };
}

/** One-shot digest of a buffer, base64 with padding. */
export function digestBase64(method: HashMethod, data: Uint8Array): string {
  return createHash(method).update(data).digest('base64');
}

/**
 * Decodes an expected digest to bytes. Standard base64 (padding optional) is the WNM encoding;
 * hex of the right length is accepted too, because real publishers send it (the EUMETSAT examples
 * carry a 128-digit hex sha512). Null when it is neither, or has the wrong length for the method.
 */
export function decodeExpectedDigest(method: HashMethod, value: string): { bytes: Buffer; encoding: 'base64' | 'hex' } | null {
  const want = DIGEST_BYTES[method];
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length === want * 2) {
    return { bytes: Buffer.from(trimmed, 'hex'), encoding: 'hex' };
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.byteLength === want && bytes.toString('base64').replace(/=+$/, '') === trimmed.replace(/=+$/, '')) {
      return { bytes, encoding: 'base64' };
    }
  }
  return null;
}

export interface ExpectedIntegrity {
  /** `properties.integrity.method`; absent means sha512. */
  method?: string | null;
  /** `properties.integrity.value`; absent means no hash comparison (the file is still kept). */
  value?: string | null;
  /** Expected size in bytes: the link `length` (or `content.size` for inline content). */
  length?: number | null;
}

export type IntegrityStatus = 'verified' | 'not_checked' | 'hash_mismatch' | 'size_mismatch';

export interface IntegrityVerdict {
  status: IntegrityStatus;
  method: HashMethod;
  /** Base64 digest of the actual bytes (always computed, like the reference's `actual_hash`). */
  actualHash: string;
  actualSize: number;
  expectedHash: string | null;
  expectedSize: number | null;
  /** true/false when a hash comparison was made, null when there was no expected value. */
  validHash: boolean | null;
  /** How the expected value was written, when it decoded. */
  expectedEncoding: 'base64' | 'hex' | null;
}

/** Compares a finished digest and byte count with what the notification promised. */
export function judgeIntegrity(
  method: HashMethod,
  actualHash: string,
  actualSize: number,
  expected: ExpectedIntegrity,
): IntegrityVerdict {
  const expectedHash = expected.value ?? null;
  const expectedSize =
    typeof expected.length === 'number' && Number.isSafeInteger(expected.length) && expected.length >= 0
      ? expected.length
      : null;
  let validHash: boolean | null = null;
  let expectedEncoding: IntegrityVerdict['expectedEncoding'] = null;
  if (expectedHash !== null) {
    const decoded = decodeExpectedDigest(method, expectedHash);
    const actual = Buffer.from(actualHash, 'base64');
    expectedEncoding = decoded?.encoding ?? null;
    validHash = decoded !== null && decoded.bytes.byteLength === actual.byteLength && timingSafeEqual(decoded.bytes, actual);
  }
  const status: IntegrityStatus =
    validHash === false
      ? 'hash_mismatch'
      : expectedSize !== null && expectedSize !== actualSize
        ? 'size_mismatch'
        : validHash === true
          ? 'verified'
          : expectedSize !== null
            ? 'verified'
            : 'not_checked';
  return { status, method, actualHash, actualSize, expectedHash, expectedSize, validHash, expectedEncoding };
}

export type VerifyResult =
  | { ok: true; verdict: IntegrityVerdict }
  | { ok: false; verdict: IntegrityVerdict | null; outcome: NegativeOutcome };

export interface VerifyOptions extends HashMethodOptions {
  /** FAILED (default, our choice) or SKIPPED (the reference) for hash and size mismatches. */
  mismatchStatus?: VerificationFailureStatus;
}

/** Turns a verdict into the job outcome: a mismatch of hash or size is never kept. */
export function integrityOutcome(
  verdict: IntegrityVerdict,
  url: string,
  options: VerifyOptions = {},
): NegativeOutcome | null {
  const status = options.mismatchStatus ?? 'FAILED';
  if (verdict.status === 'hash_mismatch') return outcomes.hashVerificationFailed(url, status);
  if (verdict.status === 'size_mismatch') {
    return outcomes.sizeVerificationFailed(url, verdict.expectedSize ?? 0, verdict.actualSize, status);
  }
  return null;
}

/** Whole-buffer verification (inline content, tests, small files). */
export function verifyIntegrity(
  data: Uint8Array,
  expected: ExpectedIntegrity,
  url: string,
  options: VerifyOptions = {},
): VerifyResult {
  const method = resolveHashMethod(expected.method, options);
  if (!method.ok) return { ok: false, verdict: null, outcome: method.outcome };
  const verdict = judgeIntegrity(method.method, digestBase64(method.method, data), data.byteLength, expected);
  const outcome = integrityOutcome(verdict, url, options);
  return outcome ? { ok: false, verdict, outcome } : { ok: true, verdict };
}
