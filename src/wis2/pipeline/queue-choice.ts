/**
 * Which download queue a request goes to (spec §7, DESIGN decision 2). The reference takes the
 * subscription's `queue` as is; we keep that, and add the §7 [REC] automatic routing: a request
 * whose declared size is above the threshold goes to `large_files` unless the subscription asked
 * for `high_priority` (time-critical feeds never wait behind bulk traffic).
 */
import type { DownloadQueue } from './download-request.js';

export const DEFAULT_QUEUE_NAME: DownloadQueue = 'small_files';

export function isDownloadQueue(value: unknown): value is DownloadQueue {
  return value === 'high_priority' || value === 'small_files' || value === 'large_files';
}

/**
 * - `high_priority` on the subscription: always `high_priority`.
 * - `large_files` on the subscription: always `large_files`.
 * - otherwise (`small_files`, missing or unknown): `large_files` when the link declares a size
 *   above `largeFileThreshold` (bytes; null or undefined = no automatic routing), else `small_files`.
 */
export function chooseQueue(
  subscriptionQueue: string | null | undefined,
  declaredSize: number | null,
  largeFileThreshold: number | null | undefined,
): DownloadQueue {
  if (subscriptionQueue === 'high_priority' || subscriptionQueue === 'large_files') return subscriptionQueue;
  if (largeFileThreshold != null && declaredSize != null && declaredSize > largeFileThreshold) return 'large_files';
  return DEFAULT_QUEUE_NAME;
}
