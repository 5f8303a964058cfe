/**
 * One download job, start to finish (spec §5.4–§5.11, DESIGN decision 8):
 * checks → dedup (per subscription) → lock → save path → fetch to a temp file (hash and size
 * while streaming) → verify → media type → post-download filter → atomic commit (no overwrite
 * unless `update`) → trackers, record, `onOutcome`. Expected failures are outcomes, never throws.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from '../../logger.js';
import { evaluateFilter, notificationView } from '../../wis2/filter/index.js';
import { integrityOutcome, judgeIntegrity, resolveHashMethod, type HashMethodOptions } from '../../wis2/integrity.js';
import { detectMediaType, effectiveMediaType, type MediaTypeNaming } from '../../wis2/media-type.js';
import { outcomes, type DownloadOutcome, type VerificationFailureStatus } from '../../wis2/outcomes.js';
import type { DownloadRequest } from '../../wis2/pipeline/download-request.js';
import { commitMode, computeSavePath, isConfinedTo, tempFilePath, type FileNaming } from '../../wis2/save-path.js';
import { credentialScope, credentialsWithheld, NO_HOSTS } from '../../wis2/credential-hosts.js';
import type { CredentialsInput } from '../subscriptions/model.js';
import type { GuardOptions } from '../../wis2/download/address-guard.js';
import { DedupStore, type DedupKeys } from './dedup-store.js';
import { cacheHost, fetchToFile, removeQuietly, type FetchOptions } from '../../wis2/download/fetcher.js';
import type { DownloadRecord } from './records.js';
import type { Wis2DownloadStores } from './stores.js';

/** The job data: the pipeline's request (with the message parts post-pass rules can read). */
export type DownloadJobData = DownloadRequest;

export interface DownloadResult {
  outcome: DownloadOutcome;
  record: DownloadRecord;
  /** The stored record's id; null when it could not be written. */
  recordId: string | null;
}

export interface DownloadContext {
  /** The process's stores (built once by the app), shared so concurrent downloads share their writes. */
  stores: Pick<Wis2DownloadStores, 'dedup' | 'records'>;
  /** The WIS2 data root; files go to `<dataRoot>/<savePath>/YYYY/MM/DD/<file>`. */
  dataRoot: string;
  /**
   * Subscription credentials (SubscriptionService.credentialsFor); null/absent = no header. They are sent only to the
   * hosts in their `hosts` list, and over plain http only with `allow_insecure_http: true` (src/wis2/credential-hosts.ts).
   */
  credentialsFor?: (subscriptionId: string) => Promise<CredentialsInput | null>;
  /** Allow loopback/private/link-local targets (tests, closed networks). Default false. */
  allowPrivateNetworks?: boolean;
  /** Called once per job with its outcome and record (metrics, events). Errors are logged, not raised. */
  onOutcome?: (result: DownloadResult, request: DownloadJobData) => void | Promise<void>;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Lock contention: retries and delay; defaults 10 × 10 s (§5.4). */
  lockRetries?: number;
  lockRetryDelayMs?: number;
  /** Hash/size mismatch status; default FAILED (the integrity library's default). */
  mismatchStatus?: VerificationFailureStatus;
  hashMethod?: HashMethodOptions;
  mediaTypeNaming?: MediaTypeNaming;
  fileNaming?: FileNaming;
  /** Network knobs passed to the fetcher (timeouts, retries, backoff, caps). */
  fetch?: Pick<
    FetchOptions,
    | 'connectTimeoutMs'
    | 'readTimeoutMs'
    | 'maxHttpRetries'
    | 'maxNetworkRetries'
    | 'retryBaseDelayMs'
    | 'retryMaxDelayMs'
    | 'maxRedirects'
    | 'maxBytes'
    | 'onAttempt'
  >;
  resolve?: GuardOptions['resolve'];
  /** Address classification override (tests); default isPrivateAddress. */
  isPrivate?: GuardOptions['isPrivate'];
  /** Processing date (tests); default now. */
  now?: () => Date;
}

export function authorizationHeader(credentials: CredentialsInput | null | undefined): Record<string, string> {
  if (!credentials) return {};
  if (credentials.type === 'basic') {
    const token = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
    return { authorization: `Basic ${token}` };
  }
  if (credentials.type === 'bearer') return { authorization: `Bearer ${credentials.token}` };
  return {};
}

/** What has been warned about already: one warning per subscription and reason per process, bounded. */
const warned = new Set<string>();
const MAX_WARNED = 10_000;

function warnOnce(context: DownloadContext, subscriptionId: string, why: string): void {
  const key = `${subscriptionId}\n${why}`;
  if (warned.has(key)) return;
  if (warned.size >= MAX_WARNED) warned.clear();
  warned.add(key);
  const message =
    why === NO_HOSTS
      ? 'WIS2 subscription credentials have no credentials.hosts, so they are sent to no host; set credentials.hosts (PUT /subscriptions/{id})'
      : 'WIS2 subscription credentials withheld from a download host';
  context.log?.warn({ subscription: subscriptionId, reason: why }, message);
}

/**
 * The fetcher's credentials option: the header value and, per request, whether it may carry it (warning once per
 * subscription and reason when it may not). Undefined when the subscription has no credentials.
 */
function scopedCredentials(credentials: CredentialsInput | null, subscriptionId: string, context: DownloadContext): FetchOptions['credentials'] {
  const authorization = authorizationHeader(credentials).authorization;
  if (!credentials || !authorization) return undefined;
  const scope = credentialScope(credentials);
  return {
    authorization,
    withheldFrom: (url) => {
      const why = credentialsWithheld(scope, url);
      if (why) warnOnce(context, subscriptionId, why);
      return why;
    },
  };
}

const errorClassOf = (error: unknown) => {
  const e = error as { name?: string; code?: string };
  return e?.code === 'EEXIST' ? 'FileExistsError' : e?.code === 'EACCES' || e?.code === 'EPERM' ? 'PermissionError' : e?.code ? 'OSError' : (e?.name ?? 'Error');
};

/** Only http(s) URLs are downloaded (DESIGN decision 8); ftp/sftp and garbage are refused. */
export function isDownloadableUrl(href: string): boolean {
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one download and records its outcome. `refused`: an outcome decided before the run (e.g. too many attempts),
 * recorded and reported like any other, with nothing fetched.
 */
export async function processDownload(request: DownloadJobData, context: DownloadContext, refused?: DownloadOutcome): Promise<DownloadResult> {
  const started = Date.now();
  const now = context.now?.() ?? new Date();
  const { dedup, records } = context.stores;
  const keys: DedupKeys = {
    subscriptionId: request.subscriptionId,
    messageId: request.messageId || null,
    dataId: request.dataId,
    hash: request.integrity?.value ?? null,
  };
  const record: DownloadRecord = {
    subscriptionId: request.subscriptionId,
    messageId: request.messageId,
    dataId: request.dataId,
    metadataId: request.metadataId,
    topic: request.topic,
    centreId: request.centreId,
    cache: cacheHost(request.href),
    href: request.href,
    status: 'FAILED',
    errorClass: null,
    reason: null,
    path: null,
    save: false,
    size: null,
    expectedSize: request.expectedSize,
    mediaType: null,
    hashMethod: null,
    expectedHash: request.integrity?.value ?? null,
    actualHash: null,
    validHash: null,
    overwrite: request.overwrite,
    attempts: 0,
    receivedAt: request.receivedAt ?? null,
    downloadStart: null,
    downloadEnd: null,
    recordedAt: now,
    durationMs: 0,
  };
  let locked = false;
  let tempPath: string | null = null;
  /** Whether the final status goes to the trackers (not for dedup hits and pre-checks). */
  let track = false;

  const run = async (): Promise<DownloadOutcome> => {
    if (refused) return refused;
    if (!request.topic) return outcomes.missingTopic();
    if (!isDownloadableUrl(request.href)) return outcomes.unsupportedDownloadUrl(request.href);
    const maxBytes = context.fetch?.maxBytes;
    if (maxBytes != null && request.expectedSize != null && request.expectedSize > maxBytes) {
      return outcomes.downloadTooLarge(request.href, maxBytes, request.expectedSize, true);
    }
    const method = resolveHashMethod(request.integrity?.method ?? null, context.hashMethod);
    if (!method.ok) return method.outcome;
    record.hashMethod = method.method;

    // §5.4: only an earlier SUCCESS of the same subscription suppresses; `update` bypasses data id and hash.
    const hit = await dedup.findSuccess(keys, request.overwrite ? ['by-data-id', 'by-hash'] : [], now);
    if (hit) return outcomes.previouslyProcessed(hit.key, hit.type);

    // The reference waits 10 × 10 s; we wait as long in total but look again sooner, since the holder is usually
    // a duplicate of this very message that finishes in well under a second.
    const maxDelay = context.lockRetryDelayMs ?? 10_000;
    const budget = (context.lockRetries ?? 10) * maxDelay;
    let waited = 0;
    for (let delay = Math.min(250, maxDelay); ; delay = Math.min(delay * 2, maxDelay)) {
      if (await dedup.tryLock(keys)) break;
      if (waited >= budget) return outcomes.lockAcquisition(DedupStore.lockKey(keys));
      await sleep(delay);
      waited += delay;
    }
    locked = true;
    track = true;
    // Another job may have finished the same data while we waited for the lock. Without a wait only a holder that
    // finished in the few ms between the check above and the lock could have; that rare case costs a download that
    // then ends SKIPPED FileExistsError (the commit never overwrites without `update`), which is cheaper than three
    // more tracker reads for every download.
    const late = waited > 0 ? await dedup.findSuccess(keys, request.overwrite ? ['by-data-id', 'by-hash'] : []) : null;
    if (late) {
      track = false;
      return outcomes.previouslyProcessed(late.key, late.type);
    }

    const target = computeSavePath({
      dataRoot: context.dataRoot,
      savePath: request.savePath,
      href: request.href,
      date: now,
      naming: context.fileNaming,
    });
    if (!target.ok) return target.outcome;
    try {
      await mkdir(target.directory, { recursive: true });
      // Symlinks must not lead out of the data root.
      const [realRoot, realDir] = await Promise.all([realpath(resolvePath(context.dataRoot)), realpath(target.directory)]);
      if (!isConfinedTo(realDir, realRoot)) return outcomes.invalidTargetDirectory(target.directory);
    } catch (error) {
      return outcomes.writeFailed(errorClassOf(error));
    }
    if (!request.overwrite && (await stat(target.filePath).then(() => true, () => false))) return outcomes.fileExists();

    const credentials = context.credentialsFor ? await context.credentialsFor(request.subscriptionId) : null;
    tempPath = tempFilePath(target.directory, randomUUID());
    record.downloadStart = new Date();
    const fetched = await fetchToFile({
      ...context.fetch,
      url: request.href,
      tempPath,
      hashMethod: method.method,
      expectedSize: request.expectedSize,
      credentials: scopedCredentials(credentials, request.subscriptionId, context),
      allowPrivateNetworks: context.allowPrivateNetworks ?? false,
      resolve: context.resolve,
      isPrivate: context.isPrivate,
    });
    record.downloadEnd = new Date();
    record.attempts = fetched.attempts;
    if (!fetched.ok) {
      if (fetched.outcome.errorClass === 'UnsupportedDownloadURL') track = false;
      // An operator reading a 401/403 must see that the credentials were not even sent, and why.
      if ((fetched.httpStatus === 401 || fetched.httpStatus === 403) && fetched.credentialsWithheld) {
        return { ...fetched.outcome, reason: `${fetched.outcome.reason}; credentials not sent: ${fetched.credentialsWithheld}` };
      }
      return fetched.outcome;
    }

    const verdict = judgeIntegrity(method.method, fetched.hash, fetched.bytes, {
      method: request.integrity?.method ?? null,
      value: request.integrity?.value ?? null,
      length: request.expectedSize,
    });
    record.size = fetched.bytes;
    record.actualHash = verdict.actualHash;
    record.validHash = verdict.validHash;
    const bad = integrityOutcome(verdict, request.href, { mismatchStatus: context.mismatchStatus });
    if (bad) return bad;

    const mediaType = effectiveMediaType(detectMediaType(fetched.head, context.mediaTypeNaming), request.declaredMediaType);
    record.mediaType = mediaType;

    const properties = request.properties ?? {
      pubtime: request.pubtime,
      data_id: request.dataId,
      metadata_id: request.metadataId,
    };
    const view = notificationView({
      topic: request.topic,
      message: { geometry: request.geometry ?? null, properties },
      link: { href: request.href, length: request.expectedSize ?? undefined, type: request.declaredMediaType ?? undefined },
    });
    const decision = evaluateFilter(request.filter, { notification: view, download: { mediaType, size: fetched.bytes } }, 'post');
    if (decision.action === 'reject') {
      return outcomes.filterRejected({ reason: decision.reason, id: decision.rule?.id ?? null }, 'post');
    }

    try {
      if (commitMode(request.overwrite) === 'replace') {
        await rename(tempPath, target.filePath);
      } else {
        try {
          await link(tempPath, target.filePath);
        } catch (error) {
          if ((error as { code?: string }).code === 'EEXIST') return outcomes.fileCreatedByAnotherProcess();
          throw error;
        }
        await unlink(tempPath).catch(() => undefined);
      }
      tempPath = null;
    } catch (error) {
      return outcomes.writeFailed(errorClassOf(error));
    }
    record.path = target.filePath;
    record.save = true;
    return outcomes.success();
  };

  let outcome: DownloadOutcome;
  try {
    outcome = await run();
  } catch (error) {
    context.log?.error({ err: error, message_id: request.messageId }, 'wis2 download failed unexpectedly');
    outcome = outcomes.unexpected(errorClassOf(error), request.messageId);
  }
  if (tempPath) await removeQuietly(tempPath);
  if (outcome.status !== 'SUCCESS') {
    record.errorClass = outcome.errorClass;
    record.reason = outcome.reason;
  }
  record.status = outcome.status;
  record.durationMs = Date.now() - started;
  try {
    if (track) await dedup.record(keys, outcome.status);
  } catch (error) {
    context.log?.warn({ err: error }, 'could not update wis2 dedup trackers');
  }
  if (locked) await dedup.unlock(keys).catch(() => undefined);
  let recordId: string | null = null;
  try {
    recordId = await records.insert(record);
  } catch (error) {
    context.log?.warn({ err: error }, 'could not write wis2 download record');
  }
  const result: DownloadResult = { outcome, record, recordId };
  if (context.onOutcome) {
    try {
      await context.onOutcome(result, request);
    } catch (error) {
      context.log?.warn({ err: error }, 'wis2 onOutcome hook failed');
    }
  }
  return result;
}
