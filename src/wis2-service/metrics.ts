/**
 * The WIS2 downloader's Prometheus metrics (spec wis2-downloader §3): the reference's names, labels and HELP texts exactly
 * (§3.2), plus the two counters it increments but never exposes (§3.3). One prom-client Registry per instance (never the
 * global default registry), so several apps or tests in one process never share numbers.
 *
 * As the reference, a family is rendered only once it has been touched (a counter incremented, a gauge set), in the
 * order of the §3.2 table, then §3.3; a gauge never measured is therefore absent rather than a misleading 0.
 * Label values: `cache`, `media_type`, `reason` fall back to `unknown` when empty; `status` is lower-cased. prom-client
 * escapes `\`, `"` and newlines in label values (the reference does not; §3.1 recommends it).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { DownloadOutcome } from '../wis2/outcomes.js';

export const METRIC_PREFIX = 'wis2downloader_';

/** Every exposed family: exposed name → type, label names and HELP text, in rendering order. */
export const WIS2_METRICS = {
  // §3.2, as the reference exposes them.
  wis2downloader_notifications_total: { type: 'counter', labels: ['status'], help: 'Total number of notifications processed.' },
  wis2downloader_downloads_total: { type: 'counter', labels: ['cache', 'media_type'], help: 'Total number of files downloaded.' },
  wis2downloader_downloads_bytes_total: { type: 'counter', labels: ['cache', 'media_type'], help: 'Total number of bytes downloaded.' },
  wis2downloader_skipped_total: { type: 'counter', labels: ['reason'], help: 'Total number of skipped notifications by reason.' },
  wis2downloader_failed_total: { type: 'counter', labels: ['cache', 'reason'], help: 'Total number of failed downloads by reason.' },
  wis2downloader_celery_queue_length: { type: 'gauge', labels: ['queue_name'], help: 'Current number of tasks in the Celery default queue.' },
  wis2downloader_disk_total_bytes: { type: 'gauge', labels: [], help: 'Total disk space in bytes.' },
  wis2downloader_disk_used_bytes: { type: 'gauge', labels: [], help: 'Used disk space in bytes.' },
  wis2downloader_disk_free_bytes: { type: 'gauge', labels: [], help: 'Free disk space in bytes.' },
  wis2downloader_disk_downloads_bytes: { type: 'gauge', labels: [], help: 'Current size of the downloads directory in bytes.' },
  // §3.3: incremented by the reference but missing from its METRICS table; the reference documents no HELP text for
  // them, so these two are ours.
  wis2downloader_notifications_received_total: {
    type: 'counter',
    labels: ['broker'],
    help: 'Total number of notifications received from the broker that matched a subscription topic.',
  },
  wis2downloader_queue_errors_total: { type: 'counter', labels: ['broker'], help: 'Total number of errors queueing a download job.' },
  // Ours (§3.3 [REC]): messages dropped before any subscription saw them, and the broker connections.
  wis2downloader_invalid_notifications_total: {
    type: 'counter',
    labels: ['broker'],
    help: 'Total number of MQTT messages that were not valid WIS2 notifications.',
  },
  wis2downloader_mqtt_connected: { type: 'gauge', labels: ['broker'], help: 'Whether the MQTT connection to the broker is up (1) or not (0).' },
} as const satisfies Record<string, { type: 'counter' | 'gauge'; labels: readonly string[]; help: string }>;

export type Wis2MetricName = keyof typeof WIS2_METRICS;

/** What a download job adds to the outcome counters besides its status: where from, what, and how much. */
export interface DownloadOutcomeDetails {
  /** Host name of the download URL (not the topic); `unknown` when absent. */
  cache?: string | null;
  /** Media type detected from the bytes (§5.6), not the link's `type`; `unknown` when absent. SUCCESS only. */
  mediaType?: string | null;
  /** Bytes written. SUCCESS only. */
  bytes?: number;
}

/** Called before each rendering, to refresh values that are sampled rather than pushed (queue lengths). */
export type ScrapeHook = () => void | Promise<void>;

type Family = Counter<string> | Gauge<string>;

const orUnknown = (value: string | null | undefined): string => (value && value.length > 0 ? value : 'unknown');

export class Wis2Metrics {
  readonly registry = new Registry();
  private readonly families = new Map<Wis2MetricName, Family>();
  private readonly touched = new Set<Wis2MetricName>();
  private readonly hooks: ScrapeHook[] = [];

  constructor() {
    for (const [name, spec] of Object.entries(WIS2_METRICS) as [Wis2MetricName, (typeof WIS2_METRICS)[Wis2MetricName]][]) {
      const config = { name, help: spec.help, labelNames: [...spec.labels], registers: [this.registry] };
      this.families.set(name, spec.type === 'counter' ? new Counter(config) : new Gauge(config));
    }
  }

  /** Content-Type of `render()`, from the registry (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** A hook run before every rendering (e.g. to read the queue lengths); returns a function that removes it. */
  onScrape(hook: ScrapeHook): () => void {
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  /** One MQTT message that parsed and matched a subscription topic, before fan-out (§3.3). */
  notificationReceived(broker: string, count = 1): void {
    this.counter('wis2downloader_notifications_received_total').inc({ broker: orUnknown(broker) }, count);
  }

  /** Enqueuing a download job failed (§3.3). */
  queueError(broker: string, count = 1): void {
    this.counter('wis2downloader_queue_errors_total').inc({ broker: orUnknown(broker) }, count);
  }

  /** MQTT messages that were not usable notifications (not JSON, not a WNM, too large). */
  invalidNotification(broker: string, count = 1): void {
    this.counter('wis2downloader_invalid_notifications_total').inc({ broker: orUnknown(broker) }, count);
  }

  setMqttConnected(broker: string, connected: boolean): void {
    this.gauge('wis2downloader_mqtt_connected').set({ broker: orUnknown(broker) }, connected ? 1 : 0);
  }

  /**
   * One finished download job (one per message per subscription), as §3.2: `notifications_total{status}` always;
   * on SUCCESS `downloads_total` and `downloads_bytes_total` by cache and media type, and the downloads directory size
   * grows by the bytes; on SKIPPED `skipped_total{reason}`; on FAILED `failed_total{cache,reason}`. `reason` is the
   * outcome's `errorClass` (§5.10). PENDING is not an end state and is ignored.
   */
  downloadOutcome(outcome: DownloadOutcome | { status: 'PENDING' }, details: DownloadOutcomeDetails = {}): void {
    if (outcome.status === 'PENDING') return;
    this.counter('wis2downloader_notifications_total').inc({ status: outcome.status.toLowerCase() });
    const cache = orUnknown(details.cache);
    if (outcome.status === 'SUCCESS') {
      const labels = { cache, media_type: orUnknown(details.mediaType) };
      this.counter('wis2downloader_downloads_total').inc(labels);
      const bytes = details.bytes ?? 0;
      this.counter('wis2downloader_downloads_bytes_total').inc(labels, Math.max(0, bytes));
      this.addDownloadsDirectoryBytes(bytes);
    } else if (outcome.status === 'SKIPPED') {
      this.counter('wis2downloader_skipped_total').inc({ reason: orUnknown(outcome.errorClass) });
    } else {
      this.counter('wis2downloader_failed_total').inc({ cache, reason: orUnknown(outcome.errorClass) });
    }
  }

  /** Jobs waiting in one queue (label `queue_name`); usually called from an `onScrape` hook. */
  setQueueLength(queueName: string, length: number): void {
    this.gauge('wis2downloader_celery_queue_length').set({ queue_name: orUnknown(queueName) }, length);
  }

  /** The disk holding the data folder, as the reference's 5-minute `check_disk_space`. */
  setDiskUsage(usage: { totalBytes: number; usedBytes: number; freeBytes: number }): void {
    this.gauge('wis2downloader_disk_total_bytes').set(usage.totalBytes);
    this.gauge('wis2downloader_disk_used_bytes').set(usage.usedBytes);
    this.gauge('wis2downloader_disk_free_bytes').set(usage.freeBytes);
  }

  /** The true size of the downloads directory (the reference's daily recalibration). */
  setDownloadsDirectoryBytes(bytes: number): void {
    this.gauge('wis2downloader_disk_downloads_bytes').set(bytes);
  }

  /** Grows (a download) or shrinks (negative: the retention cleaner deleted a file) the downloads directory size. */
  addDownloadsDirectoryBytes(delta: number): void {
    this.gauge('wis2downloader_disk_downloads_bytes').inc(delta);
  }

  /** The Prometheus text exposition: scrape hooks first, then every touched family. */
  async render(): Promise<string> {
    for (const hook of this.hooks) await hook();
    const parts: string[] = [];
    for (const name of Object.keys(WIS2_METRICS) as Wis2MetricName[]) {
      if (this.touched.has(name)) parts.push(await this.registry.getSingleMetricAsString(name));
    }
    return parts.length ? `${parts.join('\n\n')}\n` : '';
  }

  private counter(name: Wis2MetricName): Counter<string> {
    this.touched.add(name);
    return this.families.get(name) as Counter<string>;
  }

  private gauge(name: Wis2MetricName): Gauge<string> {
    this.touched.add(name);
    return this.families.get(name) as Gauge<string>;
  }
}
