import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { Database } from './infra/mongo.js';
import type { RequestStats } from './infra/request-stats.js';
import type { TaskService } from './domain/task-service.js';
import type { UploadService } from './domain/upload-service.js';
import type { SubscriptionService } from './wis2/subscriptions/service.js';
import type { Wis2Metrics } from './wis2/metrics.js';

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
  /** The WIS2 subscriptions (roles api and all, once started). */
  wis2Subscriptions?: SubscriptionService;
  /** The WIS2 downloader's Prometheus metrics, exposed at `GET /metrics` on WIS2_PORT (same roles). */
  wis2Metrics?: Wis2Metrics;
}
