/**
 * What the notification pipeline hands to the download queue: one file to fetch for one subscription. The pipeline
 * (MQTT message → validation → link selection → filter pre-pass → dedup) produces it; the download job (fetch →
 * verify → post-pass → atomic save → record → metrics) consumes it.
 */
import type { FilterInput } from '../filter/index.js';

/** The three Agenda job names of the reference's queues, with their concurrency. */
export const DOWNLOAD_QUEUES = { high_priority: 8, small_files: 24, large_files: 8 } as const;
export type DownloadQueue = keyof typeof DOWNLOAD_QUEUES;

export interface DownloadRequest {
  subscriptionId: string;
  /** Where the subscription's files go, relative to the WIS2 data folder (already confined). */
  savePath: string;
  topic: string;
  centreId: string | null;
  /** Notification identifiers, for dedup and the download record. */
  messageId: string;
  dataId: string | null;
  metadataId: string | null;
  pubtime: string | null;
  href: string;
  /** `update` links replace an earlier download of the same data id. */
  overwrite: boolean;
  /** Declared by the notification, when given. */
  expectedSize: number | null;
  integrity: { method: string; value: string } | null;
  declaredMediaType: string | null;
  /** The subscription's filter, applied again after the download (post pass). */
  filter: FilterInput;
  /** The message `geometry` and `properties`, for `bbox` and `property` rules in the post pass. */
  geometry?: unknown;
  properties?: Record<string, unknown>;
  queue: DownloadQueue;
  receivedAt: string;
}
