/**
 * buildApp(config) wires the whole service and returns { start, stop } so tests run it on free ports.
 * Roles: `api` serves HTTP/GraphQL and enqueues; `worker` runs Agenda jobs; `all` does both.
 */
import { mkdir } from 'node:fs/promises';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { AppConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { AGENDA_JOBS_COLLECTION, connectDatabase, type Database } from './infra/mongo.js';
import { createMemoryEventBus, createMongoEventBus, type EventBus } from './infra/event-bus.js';
import { RequestStats } from './infra/request-stats.js';
import { TaskStore } from './domain/task-store.js';
import { TaskService, type TaskTopics } from './domain/task-service.js';
import type { Wis2Topics } from './wis2-service/events.js';
import { UploadService } from './domain/upload-service.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { createRestRouter } from './http/rest/router.js';
import { createWebUi } from './http/web-ui.js';
import { createGraphqlServer, type GraphqlServer } from './graphql/server.js';
import { agendaFluxJobQueue } from '../jobs/flux-job-queue.js';
import { registerJobs } from '../jobs/register-jobs.js';
import { RunningJobs } from '../jobs/running-jobs.js';
import type { AppServices } from './app-services.js';
import { GASFLUX_API_VERSION } from './gasflux/version.js';
import { loadOrCreateKey, SubscriptionService, SubscriptionStore } from './wis2-service/subscriptions/index.js';
import { createWis2Router } from './http/wis2/router.js';
import { Wis2Metrics } from './wis2-service/metrics.js';
import { feedWis2Metrics } from './wis2-service/metrics-feed.js';
import { Wis2Downloader } from './wis2-service/downloader.js';
import { DedupStore } from './wis2-service/downloads/dedup-store.js';
import { DownloadHistory } from './wis2-service/downloads/history.js';
import { DownloadRecords } from './wis2-service/downloads/records.js';
import { Wis2DownloadService } from './wis2-service/downloads/download-service.js';
import type { Wis2DownloadStores, Wis2MaintenanceStores } from './wis2-service/downloads/stores.js';
import { DOWNLOAD_QUEUES } from './wis2/pipeline/download-request.js';

/** Every topic of the app's event bus. */
export type AppTopics = TaskTopics & Wis2Topics;

export interface App {
  /** `port` is the GasFlux API's, `wis2Port` the WIS2 subscription API's (both null for a worker). */
  start(): Promise<{ port: number | null; wis2Port: number | null }>;
  stop(): Promise<void>;
  /** Available after start(). */
  services(): AppServices;
  readonly log: Logger;
}

const SHUTDOWN_GRACE_MS = 10_000;

/** A configured port another process holds. main prints the message alone. */
export class PortInUseError extends Error {}

async function listenOn(server: HttpServer, port: number, host: string, variable: string): Promise<number> {
  try {
    return await server.listen(port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new PortInUseError(`port ${port} on ${host} is already in use (${variable}): stop the other process, or set ${variable} to a free port`);
  }
}

async function createFolders(config: AppConfig): Promise<void> {
  for (const folder of [config.uploadFolder, config.outputFolder, config.wis2.dataFolder]) await mkdir(folder, { recursive: true });
}

async function openDatabase(config: AppConfig, log: Logger): Promise<Database> {
  const database = await connectDatabase(config, (message) => log.info(message));
  log.info({ database: database.bundled ? 'bundled FerretDB' : 'MONGODB_URI', db: config.mongodbDb, role: config.role }, 'database connected');
  return database;
}

/** In-process for one process with every role; through MongoDB when API and workers are separate processes. */
async function createEventBus(config: AppConfig, database: Database, log: Logger): Promise<EventBus<AppTopics>> {
  const crossProcess = config.eventBus === 'mongodb' || (config.eventBus === 'auto' && config.role !== 'all');
  return crossProcess
    ? createMongoEventBus<AppTopics>(database.db, (error) => log.warn({ err: error }, 'event tail interrupted'))
    : createMemoryEventBus<AppTopics>();
}

async function createAgenda(config: AppConfig, database: Database, log: Logger): Promise<Agenda> {
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: database.db, collection: AGENDA_JOBS_COLLECTION }),
    processEvery: 200,
    // Flights, cleanup, and the three WIS2 download queues.
    maxConcurrency: config.threads + 2 + Object.values(DOWNLOAD_QUEUES).reduce((a, b) => a + b, 0),
    defaultLockLifetime: config.jobLockLifetime * 1000,
  });
  agenda.on('error', (error: unknown) => log.error({ err: error }, 'agenda error'));
  await agenda.ready;
  return agenda;
}

/** The WIS2 download stores, built once: concurrent downloads share their writes through them. */
async function createWis2Stores(database: Database): Promise<Wis2DownloadStores> {
  const stores: Wis2DownloadStores = {
    dedup: new DedupStore(database.db),
    records: new DownloadRecords(database.db),
    history: new DownloadHistory(database.db),
  };
  await stores.records.ensureIndexes();
  return stores;
}

/** The domain services every role has, over their stores. */
async function createServices(
  config: AppConfig,
  log: Logger,
  database: Database,
  events: EventBus<AppTopics>,
  agenda: Agenda,
  wis2Stores: Wis2DownloadStores,
): Promise<AppServices> {
  const store = new TaskStore(database.db, database.monitorDb);
  await store.ensureIndexes();
  const tasks = new TaskService(store, events, agendaFluxJobQueue(agenda), config, log);
  const uploads = new UploadService(tasks, config.uploadFolder, config.maxContentLength);
  const key = await loadOrCreateKey(config.wis2.secretKeyFile, (message) => log.warn(message));
  const wis2Subscriptions = new SubscriptionService(new SubscriptionStore(database.db), {
    dataRoot: config.wis2.dataFolder,
    key,
    validateTopics: config.wis2.validateTopics,
    log,
    onChange: (change) => events.publish('wis2SubscriptionsChanged', change),
  });
  return {
    config, log, version: GASFLUX_API_VERSION, startedAt: new Date(), database, tasks, uploads, requestStats: new RequestStats(),
    events, wis2Subscriptions, wis2Downloads: new Wis2DownloadService(wis2Stores.history, events),
  };
}

/** Takes no new jobs and waits (at most SHUTDOWN_GRACE_MS) for the running ones. */
async function finishRunningJobs(agenda: Agenda, running: RunningJobs, log: Logger): Promise<void> {
  // drain() stops new work; its own wait for running jobs can end early or late, so ours decides.
  void agenda.drain(SHUTDOWN_GRACE_MS).catch(() => {});
  const idle = await Promise.race([
    running.whenIdle().then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS).unref()),
  ]);
  if (!idle) log.warn('jobs still running at shutdown; their locks are released for another worker');
}

function createWis2Downloader(agenda: Agenda, services: AppServices, stores: Wis2DownloadStores): Wis2Downloader {
  const { config, database, wis2Subscriptions, events, log } = services;
  // The periodic removals read whole collections on FerretDB: a connection, and so stores, of their own.
  const { maintenanceDb } = database;
  const maintenance: Wis2MaintenanceStores = { db: maintenanceDb, dedup: new DedupStore(maintenanceDb), records: new DownloadRecords(maintenanceDb) };
  return new Wis2Downloader({
    config: config.wis2,
    db: database.db,
    stores,
    maintenance,
    agenda,
    subscriptions: wis2Subscriptions,
    bus: events,
    log,
  });
}

/** The WIS2 subscription API on WIS2_PORT, with the metrics of every worker's downloads at /metrics. */
function createWis2Http(services: AppServices): { server: HttpServer; stopMetricsFeed: () => void } {
  const { config, log, events, database, wis2Subscriptions } = services;
  const wis2Metrics = new Wis2Metrics();
  services.wis2Metrics = wis2Metrics;
  const stopMetricsFeed = feedWis2Metrics(wis2Metrics, { bus: events, db: database.db, dataFolder: config.wis2.dataFolder, log });
  const server = createHttpServer(
    { rest: createWis2Router({ subscriptions: wis2Subscriptions, metrics: wis2Metrics, log }, { allowedOrigins: config.corsOrigins }) },
    { config, stats: new RequestStats(), log, onError: (error) => log.error({ err: error }, 'WIS2 request failed') },
  );
  return { server, stopMetricsFeed };
}

/** The GasFlux API on GASFLUX_PORT: REST, GraphQL (HTTP and websockets) and the web page. */
function createGasfluxHttp(services: AppServices, graphql: GraphqlServer): HttpServer {
  const { config, log, requestStats } = services;
  return createHttpServer(
    { graphql: graphql.handler, graphqlPath: graphql.path, upgrade: graphql.upgrade, web: createWebUi({ log }), rest: createRestRouter(services) },
    { config, stats: requestStats, log, onError: (error) => log.error({ err: error }, 'request failed') },
  );
}

export function buildApp(config: AppConfig, options: { quietLogs?: boolean } = {}): App {
  const log = createLogger(config, { quiet: options.quietLogs });
  // What start() has opened so far, for stop(), even when start() did not get to the end.
  let database: Database | null = null;
  let bus: EventBus<AppTopics> | null = null;
  let wis2Downloader: Wis2Downloader | null = null;
  let stopMetricsFeed: (() => void) | null = null;
  let agenda: Agenda | null = null;
  let http: HttpServer | null = null;
  let wis2Http: HttpServer | null = null;
  let graphql: GraphqlServer | null = null;
  let services: AppServices | null = null;
  const running = new RunningJobs();
  const serves = config.role !== 'worker';
  const works = config.role !== 'api';

  return {
    log,
    services() {
      if (!services) throw new Error('the app has not started');
      return services;
    },

    async start() {
      await createFolders(config);
      database = await openDatabase(config, log);
      bus = await createEventBus(config, database, log);
      agenda = await createAgenda(config, database, log);
      const wis2Stores = await createWis2Stores(database);
      services = await createServices(config, log, database, bus, agenda, wis2Stores);
      await registerJobs(agenda, { ...services, running, wis2Stores }, config.role);

      if (works) {
        wis2Downloader = createWis2Downloader(agenda, services, wis2Stores);
        await agenda.start();
        await wis2Downloader.startListening();
        services.wis2Downloader = wis2Downloader;
      }
      if (!serves) return { port: null, wis2Port: null };

      ({ server: wis2Http, stopMetricsFeed } = createWis2Http(services));
      const wis2Port = await listenOn(wis2Http, config.wis2.port, config.host, 'WIS2_PORT');
      log.info({ port: wis2Port, host: config.host }, 'WIS2 subscription API listening');
      graphql = createGraphqlServer(services);
      http = createGasfluxHttp(services, graphql);
      const port = await listenOn(http, config.port, config.host, 'GASFLUX_PORT');
      log.info({ port, host: config.host }, 'listening');
      return { port, wis2Port };
    },

    async stop() {
      log.info('shutting down');
      await wis2Downloader?.stop();
      await graphql?.dispose();
      const closing = Promise.all([http?.close(SHUTDOWN_GRACE_MS), wis2Http?.close(SHUTDOWN_GRACE_MS)]);
      if (agenda) {
        if (works) await finishRunningJobs(agenda, running, log);
        await agenda.stop();
      }
      await closing;
      stopMetricsFeed?.();
      await bus?.close();
      await database?.close();
      log.info('stopped');
      log.flush();
    },
  };
}
