/** Fetching one WIS2 file safely: the address guard (no private networks unless allowed) and the streaming fetcher. */
export { addressRefusal, guardUrl, isPrivateAddress, type GuardOptions, type GuardResult, type ResolvedAddress } from './address-guard.js';
export { cacheHost, fetchToFile, type FetchFailure, type FetchOptions, type FetchResult, type FetchSuccess } from './fetcher.js';
