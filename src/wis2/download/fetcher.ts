/**
 * Streams one download into a temporary file (spec §5.5, §5.8, §5.9; DESIGN decision 8):
 * node:http/https with a connect timeout and a per-read timeout, connections pinned to addresses
 * that passed the address guard, redirects followed by hand (each target guarded again, an
 * Authorization header in `headers` dropped on a change of host, the subscription's credentials
 * sent only to the hops `credentials.withheldFrom` allows), bounded retries with exponential backoff on
 * 429/500/502/503/504 and on network errors, the body hashed and counted while it is written,
 * and the transfer aborted as soon as it exceeds the declared length.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { open, rm } from 'node:fs/promises';
import type { LookupFunction } from 'node:net';
import { createIntegrityHasher, type HashMethod } from '../integrity.js';
import { SNIFF_BYTES } from '../media-type.js';
import { outcomes, RETRYABLE_HTTP_STATUSES, type NegativeOutcome, type SkippedOutcome } from '../outcomes.js';
import { guardUrl, type GuardOptions, type ResolvedAddress } from './address-guard.js';

export interface FetchOptions {
  url: string;
  tempPath: string;
  hashMethod: HashMethod;
  /** Declared length: the transfer stops as soon as more bytes arrive. */
  expectedSize?: number | null;
  /** Hard cap whatever the notification says (null = none). */
  maxBytes?: number | null;
  headers?: Record<string, string>;
  /**
   * The subscription's Authorization value and where it may go: `withheldFrom(url)` is null when a request to `url`
   * may carry it, otherwise why not. Asked before every request, redirect targets included, so it is never re-sent to
   * a host outside the subscription's list.
   */
  credentials?: { authorization: string; withheldFrom: (url: URL) => string | null };
  allowPrivateNetworks?: boolean;
  resolve?: GuardOptions['resolve'];
  isPrivate?: GuardOptions['isPrivate'];
  /** Default 5 s (§5.8). */
  connectTimeoutMs?: number;
  /** Per socket read, default 60 s (§5.8). */
  readTimeoutMs?: number;
  /** Retries on retryable HTTP statuses; default 5 (§5.8). */
  maxHttpRetries?: number;
  /** Retries on connection errors and timeouts; default 3 (urllib3's total). */
  maxNetworkRetries?: number;
  /** Backoff: min(2**n * base, max); defaults 5 s and 300 s (§5.8). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Observability hook: called before every connection attempt with the URL and pinned addresses. */
  onAttempt?: (info: { url: string; attempt: number; addresses: ResolvedAddress[] }) => void;
}

export interface FetchSuccess {
  ok: true;
  /** The URL the body finally came from (after redirects). */
  finalUrl: string;
  bytes: number;
  /** Base64 digest of the body with `hashMethod`. */
  hash: string;
  /** Up to SNIFF_BYTES leading bytes, for media-type detection. */
  head: Buffer;
  httpStatus: number;
  attempts: number;
  /** Why the last request went without the credentials (null: sent, or there were none). */
  credentialsWithheld: string | null;
}

export interface FetchFailure {
  ok: false;
  outcome: NegativeOutcome;
  attempts: number;
  bytes?: number;
  /** The final HTTP status when the failure is a non-200 answer. */
  httpStatus?: number;
  /** Why the request that got that answer went without the credentials (null: sent, or there were none). */
  credentialsWithheld?: string | null;
}

export type FetchResult = FetchSuccess | FetchFailure;

/** The metrics/reason "cache" label: the host of the download URL. */
export function cacheHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function refusal(reason: string): SkippedOutcome {
  return { status: 'SKIPPED', errorClass: 'UnsupportedDownloadURL', reason };
}

class AttemptError extends Error {
  constructor(
    readonly kind: 'connect-timeout' | 'read-timeout' | 'network' | 'too-large' | 'disk' | 'aborted',
    readonly duringStream: boolean,
    readonly errorClass: string,
    message: string,
    readonly bytes = 0,
  ) {
    super(message);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true });
  });

function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, addresses[0].address, addresses[0].family);
  }) as unknown as LookupFunction;
}

/** Sends one request and resolves with the response head (body not yet consumed). */
function send(url: URL, addresses: ResolvedAddress[], headers: Record<string, string>, options: FetchOptions): Promise<IncomingMessage> {
  const connectTimeout = options.connectTimeoutMs ?? 5_000;
  const readTimeout = options.readTimeoutMs ?? 60_000;
  const requestOptions: RequestOptions = {
    method: 'GET',
    headers: { 'user-agent': 'gasflux-wis2-downloader', ...headers },
    lookup: pinnedLookup(addresses),
    signal: options.signal,
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, requestOptions);
    let connected = false;
    const connectTimer = setTimeout(() => {
      if (!connected) req.destroy(new AttemptError('connect-timeout', false, 'ConnectTimeoutError', 'connect timeout'));
    }, connectTimeout);
    req.on('socket', (socket) => {
      const onConnect = () => {
        connected = true;
        clearTimeout(connectTimer);
        socket.setTimeout(readTimeout, () =>
          req.destroy(new AttemptError('read-timeout', false, 'ReadTimeoutError', 'read timeout')),
        );
      };
      if (!socket.connecting) onConnect();
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', onConnect);
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    req.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(
        error instanceof AttemptError
          ? error
          : options.signal?.aborted
            ? new AttemptError('aborted', false, 'AbortError', 'aborted')
            : new AttemptError('network', false, errorName(error), error.message),
      );
    });
    req.end();
  });
}

function errorName(error: unknown): string {
  const e = error as { code?: string; name?: string; constructor?: { name?: string } };
  return e?.constructor?.name && e.constructor.name !== 'Error' ? e.constructor.name : e?.code === 'ECONNREFUSED' || e?.code === 'ECONNRESET' ? 'ConnectionError' : (e?.name ?? 'Error');
}

/** Streams the body to `tempPath` (truncating it), hashing and counting on the way. */
async function receive(res: IncomingMessage, options: FetchOptions): Promise<{ bytes: number; hash: string; head: Buffer }> {
  const limit = Math.min(options.expectedSize ?? Infinity, options.maxBytes ?? Infinity);
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    res.destroy();
    throw new AttemptError('too-large', false, 'SizeVerificationError', `Content-Length ${announced} is over ${limit} bytes`, announced);
  }
  const hasher = createIntegrityHasher(options.hashMethod);
  const headChunks: Buffer[] = [];
  let headBytes = 0;
  const file = await open(options.tempPath, 'w', 0o644).catch((error: Error) => {
    res.destroy();
    throw new AttemptError('disk', false, errorName(error), error.message);
  });
  const readTimeout = options.readTimeoutMs ?? 60_000;
  res.socket?.setTimeout(readTimeout, () =>
    res.destroy(new AttemptError('read-timeout', true, 'ReadTimeoutError', 'read timeout')),
  );
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (hasher.bytes + chunk.byteLength > limit) {
        res.destroy();
        throw new AttemptError('too-large', true, 'SizeVerificationError', `more than ${limit} bytes`, hasher.bytes + chunk.byteLength);
      }
      hasher.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        headChunks.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(chunk.byteLength, SNIFF_BYTES - headBytes);
      }
      try {
        await file.write(chunk);
      } catch (error) {
        res.destroy();
        throw new AttemptError('disk', true, errorName(error), (error as Error).message);
      }
    }
    if (!res.complete) throw new AttemptError('network', true, 'ProtocolError', 'connection closed before the body was complete');
    await file.sync().catch(() => undefined);
  } catch (error) {
    if (error instanceof AttemptError) throw error;
    if (options.signal?.aborted) throw new AttemptError('aborted', true, 'AbortError', 'aborted');
    throw new AttemptError('network', true, errorName(error), (error as Error).message);
  } finally {
    await file.close().catch(() => undefined);
  }
  return { bytes: hasher.bytes, hash: hasher.digestBase64(), head: Buffer.concat(headChunks) };
}

/**
 * Downloads `options.url` into `options.tempPath`. Never throws for expected failures: every
 * refusal, HTTP error, timeout or size overrun comes back as a §5.10 outcome. On failure the
 * temporary file may remain; the caller removes it.
 */
export async function fetchToFile(options: FetchOptions): Promise<FetchResult> {
  const cache = cacheHost(options.url);
  const maxHttpRetries = options.maxHttpRetries ?? 5;
  const maxNetworkRetries = options.maxNetworkRetries ?? 3;
  const base = options.retryBaseDelayMs ?? 5_000;
  const cap = options.retryMaxDelayMs ?? 300_000;
  const maxRedirects = options.maxRedirects ?? 5;
  let httpRetries = 0;
  let networkRetries = 0;
  let attempts = 0;
  const firstHost = cacheHost(options.url);
  let withheld: string | null = null;

  for (;;) {
    let url = options.url;
    let headers = { ...(options.headers ?? {}) };
    let redirects = 0;
    let res: IncomingMessage;
    try {
      // Follow redirects by hand, guarding every hop.
      for (;;) {
        const guard = await guardUrl(url, {
          allowPrivateNetworks: options.allowPrivateNetworks,
          resolve: options.resolve,
          isPrivate: options.isPrivate,
        });
        if (!guard.ok) {
          return guard.kind === 'unresolvable'
            ? { ok: false, outcome: outcomes.requestError('NameResolutionError', cache, false), attempts }
            : { ok: false, outcome: refusal(guard.reason), attempts };
        }
        let hopHeaders = headers;
        withheld = null;
        if (options.credentials) {
          withheld = options.credentials.withheldFrom(guard.url);
          const rest = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
          hopHeaders = withheld === null ? { ...rest, authorization: options.credentials.authorization } : rest;
        }
        attempts += 1;
        options.onAttempt?.({ url, attempt: attempts, addresses: guard.addresses });
        res = await send(guard.url, guard.addresses, hopHeaders, options);
        const location = res.headers.location;
        if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
          res.resume();
          if (++redirects > maxRedirects) return { ok: false, outcome: outcomes.maxRetries(cache), attempts };
          const next = new URL(location, url);
          if (next.host !== firstHost) {
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
          }
          url = next.href;
          continue;
        }
        break;
      }
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        if (RETRYABLE_HTTP_STATUSES.includes(status)) {
          if (httpRetries >= maxHttpRetries) return { ok: false, outcome: outcomes.httpRetriesExhausted(cache), attempts };
          const retryAfter = Number(res.headers['retry-after']);
          const backoff = Math.min(2 ** httpRetries * base, cap);
          httpRetries += 1;
          await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, cap) : backoff, options.signal);
          continue;
        }
        return { ok: false, outcome: outcomes.httpStatus(status, cache), attempts, httpStatus: status, credentialsWithheld: withheld };
      }
      const body = await receive(res, options);
      return { ok: true, finalUrl: url, bytes: body.bytes, hash: body.hash, head: body.head, httpStatus: status, attempts, credentialsWithheld: withheld };
    } catch (error) {
      if (!(error instanceof AttemptError)) {
        return { ok: false, outcome: outcomes.unexpected(errorName(error), options.url), attempts };
      }
      switch (error.kind) {
        case 'too-large': {
          // The declared length is the notification's promise (a verification failure); the cap is ours.
          const capped = options.maxBytes != null && options.maxBytes < (options.expectedSize ?? Infinity);
          return {
            ok: false,
            outcome: capped
              ? outcomes.downloadTooLarge(options.url, options.maxBytes!, error.bytes, false)
              : outcomes.sizeVerificationFailed(options.url, options.expectedSize ?? 0, error.bytes),
            attempts,
          };
        }
        case 'disk':
          return {
            ok: false,
            outcome: error.duringStream ? outcomes.diskErrorDuringDownload(error.errorClass) : outcomes.writeFailed(error.errorClass),
            attempts,
          };
        case 'aborted':
          return { ok: false, outcome: outcomes.requestError('AbortError', cache, error.duringStream), attempts };
        default:
          if (networkRetries < maxNetworkRetries && !options.signal?.aborted) {
            const backoff = Math.min(2 ** networkRetries * base, cap);
            networkRetries += 1;
            await sleep(backoff, options.signal).catch(() => undefined);
            continue;
          }
          if (error.kind === 'connect-timeout') return { ok: false, outcome: outcomes.connectTimeout(cache), attempts };
          if (error.kind === 'read-timeout') return { ok: false, outcome: outcomes.readTimeout(cache, error.duringStream), attempts };
          return {
            ok: false,
            outcome: error.duringStream ? outcomes.requestError(error.errorClass, cache, true) : outcomes.maxRetries(cache),
            attempts,
          };
      }
    }
  }
}

/** Removes a temporary file, ignoring its absence. */
export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}
