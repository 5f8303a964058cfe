/**
 * What the WIS2 side publishes on the app's event bus, so every process sees it: each download outcome (GraphQL
 * `wis2Downloads`, the metrics of the serving process), subscription changes (the MQTT side re-syncs) and the
 * notification counters of the MQTT side, flushed in batches.
 */
import type { DownloadRecord } from './downloads/records.js';

/** One finished download job or a notification skipped before download, as stored in `wis2_downloads`. */
export type Wis2DownloadEvent = DownloadRecord & { id: string | null };

export interface Wis2Topics extends Record<string, unknown> {
  wis2Download: Wis2DownloadEvent;
  wis2SubscriptionsChanged: { id: string; action: 'created' | 'updated' | 'deleted' };
  /** Per broker since the last flush: messages received, invalid ones, and failed enqueues. */
  wis2NotificationCounts: NotificationCounts;
  /** The MQTT side's broker connections, published when one goes up or down. */
  wis2BrokerState: { broker: string; connected: boolean };
}

/** Per broker URL; a list rather than an object because URLs hold dots, which MongoDB field names may not. */
export interface NotificationCounts {
  received: Array<{ broker: string; count: number }>;
  invalid: Array<{ broker: string; count: number }>;
  queueErrors: Array<{ broker: string; count: number }>;
}
