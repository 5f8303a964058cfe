import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { Database } from './infra/mongo.js';
import type { RequestStats } from './infra/request-stats.js';
import type { TaskService } from './domain/task-service.js';
import type { UploadService } from './domain/upload-service.js';
import type { SubscriptionService } from './wis2/subscriptions/service.js';
import type { Wis2Metrics } from './wis2/metrics.js';
import type { EventBus } from './infra/event-bus.js';
import type { TaskTopics } from './domain/task-service.js';
import type { Wis2Topics } from './wis2/events.js';
import type { DownloadRecords } from './wis2/download/records.js';
import type { Wis2Downloader } from './wis2/downloader.js';

/** Everything the HTTP layers (REST and GraphQL) need, built once by buildApp. */
export interface AppServices {
  config: AppConfig;
  log: Logger;
  version: string;
  startedAt: Date;
  database: Database;
  tasks: TaskService;
  uploads: UploadService;
  requestStats: RequestStats;
  /** The app's event bus (in-process, or across processes through MongoDB). */
  events: EventBus<TaskTopics & Wis2Topics>;
  /** The WIS2 subscriptions. */
  wis2Subscriptions: SubscriptionService;
  /** The WIS2 download history (`wis2_downloads`); live outcomes are the bus topic `wis2Download`. */
  wis2Downloads: DownloadRecords;
  /** The MQTT side: notifications routed to download jobs (roles worker and all). */
  wis2Downloader?: Wis2Downloader;
  /** The WIS2 downloader's Prometheus metrics, exposed at `GET /metrics` on WIS2_PORT (same roles). */
  wis2Metrics?: Wis2Metrics;
}
