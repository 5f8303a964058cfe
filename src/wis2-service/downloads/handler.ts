/**
 * One download job, start to finish (spec §5.4–§5.11, DESIGN decision 8), as named steps:
 * checks → dedup (per subscription) → lock → save path → fetch to a temp file (hash and size
 * while streaming) → verify → media type and post-download filter → atomic commit (no overwrite
 * unless `update`) → trackers, record, `onOutcome`. Each step ends the run with an outcome or lets
 * it go on; expected failures are outcomes, never throws.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from '../../logger.js';
import { evaluateFilter, notificationView } from '../../wis2/filter/index.js';
import { integrityOutcome, judgeIntegrity, resolveHashMethod, type HashMethod, type HashMethodOptions } from '../../wis2/integrity.js';
import { detectMediaType, effectiveMediaType, type MediaTypeNaming } from '../../wis2/media-type.js';
import { outcomes, type DownloadOutcome, type VerificationFailureStatus } from '../../wis2/outcomes.js';
import type { DownloadRequest } from '../../wis2/pipeline/download-request.js';
import { commitMode, computeSavePath, isConfinedTo, tempFilePath, type FileNaming } from '../../wis2/save-path.js';
import type { CredentialsInput } from '../subscriptions/model.js';
import type { GuardOptions } from '../../wis2/download/address-guard.js';
import { DedupStore, type DedupKeys } from './dedup-store.js';
import { cacheHost, fetchToFile, removeQuietly, type FetchOptions } from '../../wis2/download/fetcher.js';
import { scopedCredentials } from './credentials.js';
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
  const run = startRun(request, context);
  const outcome = await download(run, refused);
  const recordId = await finishRun(run, outcome);
  const result: DownloadResult = { outcome, record: run.record, recordId };
  await report(result, run);
  return result;
}

/** One run of one download: what it has found out so far, and what it holds until it finishes. */
interface Run {
  request: DownloadJobData;
  context: DownloadContext;
  keys: DedupKeys;
  /** Filled in step by step; stored at the end. */
  record: DownloadRecord;
  /** The processing date (the day folder). */
  now: Date;
  startedAt: number;
  /** Holds the dedup lock, released at the end. */
  locked: boolean;
  /** The temporary file while there is one; removed at the end unless committed. */
  tempPath: string | null;
  /** Whether the final status goes to the trackers (not for dedup hits and pre-checks). */
  track: boolean;
}

/** Where the file goes. */
type Target = Extract<ReturnType<typeof computeSavePath>, { ok: true }>;
type Fetched = Extract<Awaited<ReturnType<typeof fetchToFile>>, { ok: true }>;

function startRun(request: DownloadJobData, context: DownloadContext): Run {
  const now = context.now?.() ?? new Date();
  return {
    request,
    context,
    keys: {
      subscriptionId: request.subscriptionId,
      messageId: request.messageId || null,
      dataId: request.dataId,
      hash: request.integrity?.value ?? null,
    },
    record: {
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
    },
    now,
    startedAt: Date.now(),
    locked: false,
    tempPath: null,
    track: false,
  };
}

/** The steps in order; the first outcome ends the run. A throw is a bug, recorded as FAILED. */
async function download(run: Run, refused: DownloadOutcome | undefined): Promise<DownloadOutcome> {
  try {
    if (refused) return refused;
    const refusal = refuseBeforeAnything(run.request, run.context);
    if (refusal) return refusal;
    const method = resolveHashMethod(run.request.integrity?.method ?? null, run.context.hashMethod);
    if (!method.ok) return method.outcome;
    run.record.hashMethod = method.method;
    const seen = (await earlierSuccess(run)) ?? (await takeLock(run));
    if (seen) return seen;
    const target = await prepareTarget(run);
    if (!target.ok) return target.outcome;
    const fetched = await fetchToTemp(run, target, method.method);
    if (!fetched.ok) return fetched.outcome;
    const rejected = checkIntegrity(run, fetched, method.method) ?? filterAfterDownload(run, fetched);
    if (rejected) return rejected;
    return await commitFile(run, target);
  } catch (error) {
    run.context.log?.error({ err: error, message_id: run.request.messageId }, 'wis2 download failed unexpectedly');
    return outcomes.unexpected(errorClassOf(error), run.request.messageId);
  }
}

/** What is refused from the request alone: no topic, a URL that is not http(s), a declared size over the cap. */
function refuseBeforeAnything(request: DownloadJobData, context: DownloadContext): DownloadOutcome | null {
  if (!request.topic) return outcomes.missingTopic();
  if (!isDownloadableUrl(request.href)) return outcomes.unsupportedDownloadUrl(request.href);
  const maxBytes = context.fetch?.maxBytes;
  if (maxBytes != null && request.expectedSize != null && request.expectedSize > maxBytes) {
    return outcomes.downloadTooLarge(request.href, maxBytes, request.expectedSize, true);
  }
  return null;
}

/** Dedup keys an `update` link does not check: it replaces the data that has them. */
const skippedByUpdate = (request: DownloadJobData) => (request.overwrite ? (['by-data-id', 'by-hash'] as const) : []);

/** §5.4: only an earlier SUCCESS of the same subscription suppresses; `update` bypasses data id and hash. */
async function earlierSuccess(run: Run): Promise<DownloadOutcome | null> {
  const hit = await run.context.stores.dedup.findSuccess(run.keys, [...skippedByUpdate(run.request)], run.now);
  return hit ? outcomes.previouslyProcessed(hit.key, hit.type) : null;
}

/**
 * Claims the dedup lock. The reference waits 10 × 10 s; we wait as long in total but look again sooner, since the
 * holder is usually a duplicate of this very message that finishes in well under a second. After a wait, the holder
 * may have finished the same data: then this run is a duplicate.
 */
async function takeLock(run: Run): Promise<DownloadOutcome | null> {
  const { dedup } = run.context.stores;
  const maxDelay = run.context.lockRetryDelayMs ?? 10_000;
  const budget = (run.context.lockRetries ?? 10) * maxDelay;
  let waited = 0;
  for (let delay = Math.min(250, maxDelay); ; delay = Math.min(delay * 2, maxDelay)) {
    if (await dedup.tryLock(run.keys)) break;
    if (waited >= budget) return outcomes.lockAcquisition(DedupStore.lockKey(run.keys));
    await sleep(delay);
    waited += delay;
  }
  run.locked = true;
  run.track = true;
  // Without a wait only a holder that finished in the few ms between the check and the lock could have; that rare
  // case costs a download that then ends SKIPPED FileExistsError (the commit never overwrites without `update`),
  // which is cheaper than three more tracker reads for every download.
  const late = waited > 0 ? await dedup.findSuccess(run.keys, [...skippedByUpdate(run.request)]) : null;
  if (!late) return null;
  run.track = false;
  return outcomes.previouslyProcessed(late.key, late.type);
}

/** The day folder, created and confined to the data root (symlinks too); an existing file is not replaced without `update`. */
async function prepareTarget(run: Run): Promise<Target | { ok: false; outcome: DownloadOutcome }> {
  const { request, context } = run;
  const target = computeSavePath({ dataRoot: context.dataRoot, savePath: request.savePath, href: request.href, date: run.now, naming: context.fileNaming });
  if (!target.ok) return target;
  try {
    await mkdir(target.directory, { recursive: true });
    const [realRoot, realDir] = await Promise.all([realpath(resolvePath(context.dataRoot)), realpath(target.directory)]);
    if (!isConfinedTo(realDir, realRoot)) return { ok: false, outcome: outcomes.invalidTargetDirectory(target.directory) };
  } catch (error) {
    return { ok: false, outcome: outcomes.writeFailed(errorClassOf(error)) };
  }
  if (!request.overwrite && (await stat(target.filePath).then(() => true, () => false))) return { ok: false, outcome: outcomes.fileExists() };
  return target;
}

/** Fetches into a temporary file beside the target, hashing while it streams, with the subscription's credentials where they may go. */
async function fetchToTemp(run: Run, target: Target, hashMethod: HashMethod): Promise<Fetched | { ok: false; outcome: DownloadOutcome }> {
  const { request, context, record } = run;
  const credentials = context.credentialsFor ? await context.credentialsFor(request.subscriptionId) : null;
  run.tempPath = tempFilePath(target.directory, randomUUID());
  record.downloadStart = new Date();
  const fetched = await fetchToFile({
    ...context.fetch,
    url: request.href,
    tempPath: run.tempPath,
    hashMethod,
    expectedSize: request.expectedSize,
    credentials: scopedCredentials(credentials, request.subscriptionId, context.log),
    allowPrivateNetworks: context.allowPrivateNetworks ?? false,
    resolve: context.resolve,
    isPrivate: context.isPrivate,
  });
  record.downloadEnd = new Date();
  record.attempts = fetched.attempts;
  if (fetched.ok) return fetched;
  if (fetched.outcome.errorClass === 'UnsupportedDownloadURL') run.track = false;
  // An operator reading a 401/403 must see that the credentials were not even sent, and why.
  if ((fetched.httpStatus === 401 || fetched.httpStatus === 403) && fetched.credentialsWithheld) {
    return { ok: false, outcome: { ...fetched.outcome, reason: `${fetched.outcome.reason}; credentials not sent: ${fetched.credentialsWithheld}` } };
  }
  return { ok: false, outcome: fetched.outcome };
}

/** Size and hash against what the notification announced. */
function checkIntegrity(run: Run, fetched: Fetched, hashMethod: HashMethod): DownloadOutcome | null {
  const { request, context, record } = run;
  const verdict = judgeIntegrity(hashMethod, fetched.hash, fetched.bytes, {
    method: request.integrity?.method ?? null,
    value: request.integrity?.value ?? null,
    length: request.expectedSize,
  });
  record.size = fetched.bytes;
  record.actualHash = verdict.actualHash;
  record.validHash = verdict.validHash;
  return integrityOutcome(verdict, request.href, { mismatchStatus: context.mismatchStatus });
}

/** The media type the bytes show, then the subscription's filter again, now with what only the download tells. */
function filterAfterDownload(run: Run, fetched: Fetched): DownloadOutcome | null {
  const { request, context, record } = run;
  const mediaType = effectiveMediaType(detectMediaType(fetched.head, context.mediaTypeNaming), request.declaredMediaType);
  record.mediaType = mediaType;
  const properties = request.properties ?? { pubtime: request.pubtime, data_id: request.dataId, metadata_id: request.metadataId };
  const view = notificationView({
    topic: request.topic,
    message: { geometry: request.geometry ?? null, properties },
    link: { href: request.href, length: request.expectedSize ?? undefined, type: request.declaredMediaType ?? undefined },
  });
  const decision = evaluateFilter(request.filter, { notification: view, download: { mediaType, size: fetched.bytes } }, 'post');
  if (decision.action !== 'reject') return null;
  return outcomes.filterRejected({ reason: decision.reason, id: decision.rule?.id ?? null }, 'post');
}

/** The file appears whole or not at all: renamed over the old one for `update`, else linked so it never overwrites. */
async function commitFile(run: Run, target: Target): Promise<DownloadOutcome> {
  const tempPath = run.tempPath!;
  try {
    if (commitMode(run.request.overwrite) === 'replace') {
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
    run.tempPath = null;
  } catch (error) {
    return outcomes.writeFailed(errorClassOf(error));
  }
  run.record.path = target.filePath;
  run.record.save = true;
  return outcomes.success();
}

/** Whatever the outcome: no temporary file left, trackers updated, lock released, the record stored (its id, or null). */
async function finishRun(run: Run, outcome: DownloadOutcome): Promise<string | null> {
  const { context, record, keys } = run;
  if (run.tempPath) await removeQuietly(run.tempPath);
  if (outcome.status !== 'SUCCESS') {
    record.errorClass = outcome.errorClass;
    record.reason = outcome.reason;
  }
  record.status = outcome.status;
  record.durationMs = Date.now() - run.startedAt;
  try {
    if (run.track) await context.stores.dedup.record(keys, outcome.status);
  } catch (error) {
    context.log?.warn({ err: error }, 'could not update wis2 dedup trackers');
  }
  if (run.locked) await context.stores.dedup.unlock(keys).catch(() => undefined);
  try {
    return await context.stores.records.insert(record);
  } catch (error) {
    context.log?.warn({ err: error }, 'could not write wis2 download record');
    return null;
  }
}

/** Tells `onOutcome` (metrics, events); its failure is logged, never the download's. */
async function report(result: DownloadResult, run: Run): Promise<void> {
  if (!run.context.onOutcome) return;
  try {
    await run.context.onOutcome(result, run.request);
  } catch (error) {
    run.context.log?.warn({ err: error }, 'wis2 onOutcome hook failed');
  }
}
