/**
 * The outcome catalogue of one download job (spec wis2-downloader.md §5.10).
 *
 * SKIPPED means the system decided not to keep the file (policy, dedup, integrity or
 * configuration); FAILED means it tried and could not (network, HTTP, disk, locking, internal).
 * `errorClass` is also the metrics `reason` label, so the names are the reference's, exactly.
 * Reason texts are built here once so every caller words them identically.
 */

export type DownloadStatus = 'SUCCESS' | 'FAILED' | 'SKIPPED' | 'PENDING';

/** The tracker a dedup hit came from (§5.4). */
export type DedupKeyType = 'by-msg-id' | 'by-data-id' | 'by-hash';

/** error_class values of the reference that end a job as SKIPPED. */
export type ReferenceSkipClass =
  | 'PreviouslyProcessed'
  | 'MissingDownloadURLError'
  | 'GlobalCacheBlacklisted'
  | 'FilterRejected'
  | 'FileExistsError'
  | 'InvalidHashMethod'
  | 'HashVerificationError';

/** error_class values of the reference that end a job as FAILED (plus any exception class name). */
export type ReferenceFailClass =
  | 'MissingTopicError'
  | 'LockAcquisitionError'
  | 'InvalidTargetDirectory'
  | 'HTTPError'
  | 'ConnectTimeoutError'
  | 'ReadTimeoutError'
  | 'MaxRetryError';

/**
 * Classes we add beyond the reference (DESIGN decision 8): a size check against the link
 * `length`, and refusal of download URLs that do not parse or whose scheme we do not download.
 */
export type ExtensionClass = 'SizeVerificationError' | 'UnsupportedDownloadURL' | 'DownloadTooLarge' | 'TooManyAttempts' | 'InvalidJobData';

export type ErrorClass = ReferenceSkipClass | ReferenceFailClass | ExtensionClass;

export interface SuccessOutcome {
  status: 'SUCCESS';
}

export interface SkippedOutcome {
  status: 'SKIPPED';
  errorClass: ReferenceSkipClass | ExtensionClass;
  reason: string;
}

export interface FailedOutcome {
  status: 'FAILED';
  /** A catalogue class, or the name of any other error class (`OSError`, `TypeError`, …). */
  errorClass: ReferenceFailClass | ExtensionClass | 'HashVerificationError' | (string & {});
  reason: string;
}

/** A job that is not (yet) a success: what §5.10 calls SKIPPED or FAILED. */
export type NegativeOutcome = SkippedOutcome | FailedOutcome;
export type DownloadOutcome = SuccessOutcome | SkippedOutcome | FailedOutcome;

/** Whether a verification failure (hash or size) is reported as FAILED (our default) or SKIPPED (the reference). */
export type VerificationFailureStatus = 'FAILED' | 'SKIPPED';

function skipped(errorClass: SkippedOutcome['errorClass'], reason: string): SkippedOutcome {
  return { status: 'SKIPPED', errorClass, reason };
}

function failed(errorClass: FailedOutcome['errorClass'], reason: string): FailedOutcome {
  return { status: 'FAILED', errorClass, reason };
}

function verificationFailure(
  status: VerificationFailureStatus,
  errorClass: 'HashVerificationError' | 'SizeVerificationError',
  reason: string,
): NegativeOutcome {
  return status === 'SKIPPED' ? skipped(errorClass, reason) : failed(errorClass, reason);
}

/** Constructors for every catalogue entry, with the reference's reason texts. */
export const outcomes = {
  success: (): SuccessOutcome => ({ status: 'SUCCESS' }),

  previouslyProcessed: (key: string, type: DedupKeyType): SkippedOutcome =>
    skipped('PreviouslyProcessed', `ID '${key}' (${type}) previously processed with status 'SUCCESS'`),
  missingDownloadUrl: (): SkippedOutcome =>
    skipped('MissingDownloadURLError', 'No download URL in notification message'),
  globalCacheBlacklisted: (): SkippedOutcome =>
    skipped('GlobalCacheBlacklisted', 'Global cache black listed, skipped'),
  /** `reason` is the rule's reason, else its id; the pass fallback exists for completeness. */
  filterRejected: (rule: { reason?: string | null; id?: string | null } | null, pass: 'pre' | 'post'): SkippedOutcome =>
    skipped(
      'FilterRejected',
      rule?.reason || rule?.id || `Rejected by ${pass === 'pre' ? 'pre' : 'post'}-download filter`,
    ),
  fileExists: (): SkippedOutcome =>
    skipped('FileExistsError', 'File already exists and overwrite is not requested'),
  fileCreatedByAnotherProcess: (): SkippedOutcome =>
    skipped('FileExistsError', 'File created by another process'),
  invalidHashMethod: (): SkippedOutcome => skipped('InvalidHashMethod', 'Invalid hash method'),
  hashMethodNotFound: (): SkippedOutcome => skipped('InvalidHashMethod', 'Hash method not found'),
  hashVerificationFailed: (url: string, status: VerificationFailureStatus = 'FAILED'): NegativeOutcome =>
    verificationFailure(status, 'HashVerificationError', `Hash verification failed for ${url}`),
  sizeVerificationFailed: (
    url: string,
    expected: number,
    actual: number,
    status: VerificationFailureStatus = 'FAILED',
  ): NegativeOutcome =>
    verificationFailure(
      status,
      'SizeVerificationError',
      `Size verification failed for ${url}: expected ${expected} bytes, got ${actual}`,
    ),
  /** Over WIS2_MAX_DOWNLOAD_BYTES: `size` is what the notification declared or the bytes received when it was cut. */
  downloadTooLarge: (url: string, maxBytes: number, size: number, declared: boolean): FailedOutcome =>
    failed(
      'DownloadTooLarge',
      declared
        ? `${url} declares ${size} bytes; at most ${maxBytes} are downloaded (WIS2_MAX_DOWNLOAD_BYTES), nothing fetched`
        : `${url} sent more than ${maxBytes} bytes (WIS2_MAX_DOWNLOAD_BYTES); transfer stopped at ${size}`,
    ),
  /** The job was started `starts` times (its workers died or lost it each time): it is not run again. */
  tooManyAttempts: (starts: number, maxAttempts: number): FailedOutcome =>
    failed('TooManyAttempts', `download job started ${starts} times without finishing (GASFLUX_MAX_ATTEMPTS=${maxAttempts}); not run again`),
  /** A request of a stored download job that is not a request (another version's, edited, damaged): not run. */
  invalidJobData: (reason: string): FailedOutcome => failed('InvalidJobData', reason),
  unsupportedDownloadUrl: (href: string): SkippedOutcome =>
    skipped('UnsupportedDownloadURL', `Unsupported download URL ${href}`),

  missingTopic: (): FailedOutcome => failed('MissingTopicError', "Notification message is missing 'topic'"),
  lockAcquisition: (key: string): FailedOutcome =>
    failed('LockAcquisitionError', `Could not acquire lock for ${key} after max retries`),
  invalidTargetDirectory: (dir: string): FailedOutcome =>
    failed('InvalidTargetDirectory', `Invalid target directory ${dir}`),
  httpStatus: (code: number, cache: string): FailedOutcome =>
    failed('HTTPError', `HTTP ${code} response from ${cache}`),
  httpRetriesExhausted: (cache: string): FailedOutcome =>
    failed('HTTPError', `Max retries exceeded for HTTP error from ${cache}`),
  connectTimeout: (cache: string): FailedOutcome =>
    failed('ConnectTimeoutError', `Connection timeout error for ${cache}, see logs`),
  readTimeout: (cache: string, duringStream: boolean): FailedOutcome =>
    failed(
      'ReadTimeoutError',
      duringStream ? `Read timeout during download from ${cache}, see logs` : `Download timeout error for ${cache}, see logs`,
    ),
  maxRetries: (cache: string): FailedOutcome =>
    failed('MaxRetryError', `Maximum retries downloading from ${cache} exceeded`),
  requestError: (errorClass: string, cache: string, duringStream: boolean): FailedOutcome =>
    failed(
      errorClass,
      duringStream ? `Error during download from ${cache}, see logs` : `Error while downloading from ${cache}, see logs`,
    ),
  diskErrorDuringDownload: (errorClass: string): FailedOutcome =>
    failed(errorClass, 'Failed to write file during download, see logs'),
  writeFailed: (errorClass: string): FailedOutcome => failed(errorClass, 'Failed to write file, see logs'),
  unexpected: (errorClass: string, messageId: string): FailedOutcome =>
    failed(errorClass, `Error processing job ${messageId}, see logs`),
} as const;

/** HTTP statuses the reference retries with backoff (§5.8). */
export const RETRYABLE_HTTP_STATUSES: readonly number[] = [429, 500, 502, 503, 504];
