/** The WIS2 download step: address guard, fetcher, dedup store, records, job handler and Agenda jobs. */
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
export {
  defineWis2DownloadJobs,
  downloadJobName,
  enqueueDownload,
  WIS2_DOWNLOAD_JOB_PREFIX,
  type StoredBatchData,
  type Wis2DownloadJobContext,
} from './job.js';
