/** The WIS2 download step: address guard, fetcher, dedup store, records, the handler and the enqueue of its jobs (run by jobs/download-wis2-batch.ts). */
export { addressRefusal, guardUrl, isPrivateAddress, type GuardOptions, type GuardResult, type ResolvedAddress } from './address-guard.js';
export { cacheHost, fetchToFile, type FetchFailure, type FetchOptions, type FetchResult, type FetchSuccess } from './fetcher.js';
export { DedupStore, SEEN_COLLECTION, type DedupHit, type DedupKeys, type DedupStoreOptions } from './dedup-store.js';
export { DownloadRecords, DOWNLOADS_COLLECTION, type DownloadRecord } from './records.js';
export {
  authorizationHeader,
  isDownloadableUrl,
  processDownload,
  type DownloadContext,
  type DownloadJobData,
  type DownloadResult,
} from './handler.js';
export { createBatchEnqueue, enqueueDownload, type BatchEnqueue, type BatchEnqueueOptions } from './batch-enqueue.js';
export { downloadJobName, WIS2_DOWNLOAD_JOB_PREFIX, type StoredBatchData } from './batch-jobs.js';
