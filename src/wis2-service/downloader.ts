/**
 * The WIS2 downloader of a worker process, wired together: the MQTT side (broker connections → notification router →
 * enqueue); the download jobs that take the requests are in jobs/download-wis2-batch.ts. The router follows the stored subscriptions: at start, on every
 * change notice from the bus, and every `resyncIntervalMs` in case a notice was lost (spec §6.3 [REC]). Each outcome,
 * including notifications skipped before download, is recorded in `wis2_downloads` and published on the bus; the
 * notification counters go out in batches. Brokers are connected only once some subscription needs them.
 */
import type { Agenda } from 'agenda';
import type { Db } from 'mongodb';
import type { AppConfig } from '../config.js';
import type { EventBus } from '../infra/event-bus.js';
import type { Logger } from '../logger.js';
import type { DownloadResult } from './downloads/handler.js';
import { removeExpiredWis2Data } from './downloads/maintenance.js';
import { createBatchEnqueue } from './downloads/batch-enqueue.js';
import { DownloadGate } from './downloads/gate.js';
import { DOWNLOAD_QUEUES } from '../wis2/pipeline/download-request.js';
import type { DownloadRecord } from './downloads/records.js';
import type { Wis2DownloadStores, Wis2MaintenanceStores } from './downloads/stores.js';
import type { NotificationCounts, Wis2Topics } from './events.js';
import { MqttConnectionManager, type BrokerStatus } from './mqtt/connection-manager.js';
import { createNotificationRouter, type NotificationRouter, type RouterEvent } from '../wis2/pipeline/notification-router.js';
import type { SkippedOutcome } from '../wis2/outcomes.js';
import { centreIdFromTopic } from '../wis2/topics.js';
import type { SubscriptionService } from './subscriptions/service.js';

export interface Wis2DownloaderDeps {
  config: AppConfig['wis2'];
  /** Where the download jobs and their batches are. */
  db: Db;
  stores: Wis2DownloadStores;
  /** What the periodic removals use (on the maintenance connection). */
  maintenance: Wis2MaintenanceStores;
  agenda: Agenda;
  subscriptions: SubscriptionService;
  bus: EventBus<Wis2Topics>;
  log: Logger;
  resyncIntervalMs?: number;
  countsFlushMs?: number;
  /**
   * Downloads queued or running at once from this process before new notifications wait (and, through MQTT
   * backpressure, stay with the broker); once full, new ones are let through together when half have finished, so
   * they make one batch job. Default twice the queues' concurrency (80): the workers stay fed while the queue stays
   * short, which matters on the bundled FerretDB, where every poll reads the whole job collection.
   */
  maxQueuedDownloads?: number;
}

export interface Wis2DownloaderStatus {
  brokers: BrokerStatus[];
  topics: Array<{ topic: string; subscriptionIds: string[] }>;
  /** Downloads this process queued that have no outcome yet. */
  queuedDownloads: number;
}

const MAINTENANCE_INTERVAL_MS = 600_000;

type Counts = Record<keyof NotificationCounts, Map<string, number>>;
const emptyCounts = (): Counts => ({ received: new Map(), invalid: new Map(), queueErrors: new Map() });
const bump = (map: Map<string, number>, key: string | null) => {
  const k = key || 'unknown';
  map.set(k, (map.get(k) ?? 0) + 1);
};
const asList = (map: Map<string, number>) => [...map].map(([broker, count]) => ({ broker, count }));

export class Wis2Downloader {
  private manager: MqttConnectionManager | null = null;
  private router: NotificationRouter | null = null;
  private counts: Counts = emptyCounts();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly cleanups: Array<() => void> = [];
  private syncing: Promise<void> = Promise.resolve();
  private readonly brokerUp = new Map<string, boolean>();
  private brokerStatesPublishedAt = 0;

  private readonly gate: DownloadGate;

  constructor(private readonly deps: Wis2DownloaderDeps) {
    const concurrency = Object.values(DOWNLOAD_QUEUES).reduce((a, b) => a + b, 0);
    this.gate = new DownloadGate(deps.maxQueuedDownloads ?? 2 * concurrency);
  }

  /** Starts following the subscriptions over MQTT (a no-op without brokers). */
  async startListening(): Promise<void> {
    const { config, log, bus } = this.deps;
    if (config.brokerUrls.length === 0) {
      log.info('WIS2 MQTT disabled (WIS2_BROKER_URL=none): subscriptions are stored but no notifications arrive');
      return;
    }
    const manager = new MqttConnectionManager({ sessionName: config.mqttSessionId, qos: 1, logger: log });
    const batch = createBatchEnqueue(this.deps.agenda, this.deps.db);
    // Every outcome, from whichever worker ran the job, frees its slot.
    this.cleanups.push(bus.subscribe('wis2Download', (record) => this.gate.release(record.subscriptionId, record.messageId)));
    this.manager = manager;
    let connected = false;
    const connectBrokers = () => {
      if (connected) return;
      connected = true;
      for (const url of config.brokerUrls) {
        const credentialsInUrl = new URL(url).username !== '';
        manager.connection(credentialsInUrl ? { url } : { url, username: config.brokerUsername, password: config.brokerPassword });
      }
    };
    this.router = createNotificationRouter({
      subscriptions: () => this.deps.subscriptions.routed(),
      mqtt: {
        subscribe: (topic, handler) => {
          const unsubscribe = manager.subscribe(topic, handler);
          connectBrokers();
          return unsubscribe;
        },
      },
      enqueue: async (request) => {
        await this.gate.acquire(request.subscriptionId, request.messageId);
        try {
          await batch.enqueue(request);
        } catch (error) {
          this.gate.release(request.subscriptionId, request.messageId);
          throw error;
        }
      },
      onEvent: (event) => this.onRouterEvent(event),
      logger: log,
      options: { excludedCaches: config.excludedCaches, maxMessageBytes: config.maxMessageBytes },
    });
    await this.resync();
    this.cleanups.push(bus.subscribe('wis2SubscriptionsChanged', () => void this.resync()));
    this.timers.push(setInterval(() => void this.resync(), this.deps.resyncIntervalMs ?? 30_000));
    this.timers.push(setInterval(() => void this.flushCounts(), this.deps.countsFlushMs ?? 1000));
    this.timers.push(setInterval(() => this.publishBrokerStates(), 1000));
    this.timers.push(setInterval(() => void this.removeExpired(), MAINTENANCE_INTERVAL_MS));
    for (const timer of this.timers) timer.unref();
  }

  status(): Wis2DownloaderStatus {
    return { brokers: this.manager?.status() ?? [], topics: this.router?.topics() ?? [], queuedDownloads: this.gate.size };
  }

  /** Resolves when every message handled so far has been routed and the broker has answered every (un)subscribe. */
  async settled(): Promise<void> {
    await this.syncing;
    await this.router?.idle();
    await this.manager?.settled();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.gate.close();
    for (const cleanup of this.cleanups) cleanup();
    // Disconnect before the router lets go of its topics, so no UNSUBSCRIBE reaches the broker: the persistent
    // session keeps queueing QoS 1 notifications until we are back.
    await this.manager?.close();
    await this.router?.close();
    await this.flushCounts();
  }

  /** Expired dedup trackers and stale locks (the reference's Redis TTLs), old records and orphaned batches go. */
  private async removeExpired(): Promise<void> {
    try {
      const removed = await removeExpiredWis2Data(this.deps.maintenance, { recordRetentionDays: this.deps.config.recordRetentionDays });
      if (removed.dedup + removed.records + removed.batches > 0) this.deps.log.info(removed, 'expired WIS2 data removed');
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not remove expired WIS2 data');
    }
  }

  /** Re-reads the subscriptions; serialised so overlapping notices never interleave. */
  private resync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.router?.sync())
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'WIS2 subscription sync failed; retrying at the next change or interval'));
    return this.syncing;
  }

  private onRouterEvent(event: RouterEvent): void {
    switch (event.type) {
      case 'received':
        bump(this.counts.received, event.broker);
        break;
      case 'invalid':
        bump(this.counts.invalid, event.broker);
        break;
      case 'enqueue_failed':
        bump(this.counts.queueErrors, event.broker);
        break;
      case 'no_download_link':
      case 'excluded_cache':
        for (const id of event.subscriptionIds) void this.recordSkip(event.topic, event.messageId, id, event.outcome);
        break;
      case 'filter_rejected':
        void this.recordSkip(event.topic, event.messageId, event.subscriptionId, event.outcome);
        break;
    }
  }

  private async flushCounts(): Promise<void> {
    const counts = this.counts;
    if (![counts.received, counts.invalid, counts.queueErrors].some((m) => m.size > 0)) return;
    this.counts = emptyCounts();
    const payload = { received: asList(counts.received), invalid: asList(counts.invalid), queueErrors: asList(counts.queueErrors) };
    await this.deps.bus.publish('wis2NotificationCounts', payload).catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not publish WIS2 counters'));
  }

  /** On every change, and every 15 s anyway so an API process started later learns the state too. */
  private publishBrokerStates(): void {
    const refresh = Date.now() - this.brokerStatesPublishedAt >= 15_000;
    if (refresh) this.brokerStatesPublishedAt = Date.now();
    for (const status of this.manager?.status() ?? []) {
      if (!refresh && this.brokerUp.get(status.broker) === status.connected) continue;
      this.brokerUp.set(status.broker, status.connected);
      void this.deps.bus.publish('wis2BrokerState', { broker: status.broker, connected: status.connected }).catch(() => undefined);
    }
  }

  private async recordSkip(topic: string, messageId: string, subscriptionId: string, outcome: SkippedOutcome): Promise<void> {
    const now = new Date();
    const record: DownloadRecord = {
      subscriptionId, messageId, topic,
      dataId: null, metadataId: null, centreId: centreIdFromTopic(topic), cache: '', href: '',
      status: 'SKIPPED', errorClass: outcome.errorClass, reason: outcome.reason,
      path: null, save: false, size: null, expectedSize: null, mediaType: null,
      hashMethod: null, expectedHash: null, actualHash: null, validHash: null,
      overwrite: false, attempts: 0, receivedAt: now.toISOString(),
      downloadStart: null, downloadEnd: null, recordedAt: now, durationMs: 0,
    };
    let recordId: string | null = null;
    try {
      recordId = await this.deps.stores.records.insert(record);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not write wis2 download record');
    }
    await this.deps.bus.publish('wis2Download', { ...record, id: recordId }).catch(() => undefined);
  }
}
