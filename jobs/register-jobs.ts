/**
 * Every Agenda job of the service, registered once by buildApp. The worker roles run the flux job, the cleanup job
 * (scheduled here) and the three WIS2 download queues; the api role only enqueues, so it registers none.
 */
import type { Agenda } from 'agenda';
import type { AppServices } from '../src/app-services.js';
import type { Role } from '../src/config.js';
import { processFlightJob, flightBudgetOvercommit } from './process-flight.js';
import { cleanupExpiredTasksJob, scheduleCleanup } from './cleanup-expired-tasks.js';
import { wis2DownloadJobs } from './download-wis2-batch.js';
import type { RunningJobs } from './running-jobs.js';
import type { Wis2DownloadStores } from '../src/wis2-service/downloads/stores.js';

export type JobServices = Pick<AppServices, 'config' | 'log' | 'tasks' | 'database' | 'events' | 'wis2Subscriptions'> & {
  /** The runs shutdown waits for. */
  running: RunningJobs;
  /** The WIS2 download stores the app built. */
  wis2Stores: Wis2DownloadStores;
};

export async function registerJobs(agenda: Agenda, services: JobServices, role: Role): Promise<void> {
  if (role === 'api') return;
  const { config, log, tasks, running, events, wis2Subscriptions, wis2Stores } = services;
  const lockLifetimeMs = config.jobLockLifetime * 1000;
  const overcommit = flightBudgetOvercommit(config.threads, config.flightMemoryMb);
  if (overcommit) log.warn(overcommit);

  const jobs = [
    processFlightJob({
      tasks,
      uploadFolder: config.uploadFolder,
      outputFolder: config.outputFolder,
      log,
      concurrency: config.threads,
      lockLifetimeMs,
      running,
      budget: { memoryMb: config.flightMemoryMb, timeoutMs: config.flightTimeoutSeconds * 1000 },
      maxAttempts: config.maxAttempts,
    }),
    cleanupExpiredTasksJob({ tasks, maxAgeSeconds: config.maxTaskAge, lockLifetimeMs, log }),
    ...wis2DownloadJobs({
      db: services.database.db,
      stores: wis2Stores,
      dataRoot: config.wis2.dataFolder,
      credentialsFor: (id) => wis2Subscriptions.credentialsFor(id).catch(() => null),
      allowPrivateNetworks: config.wis2.allowPrivateNetworks,
      fetch: { maxBytes: config.wis2.maxDownloadBytes },
      log,
      track: (work) => running.track(work),
      lockLifetimeMs,
      maxAttempts: config.maxAttempts,
      onOutcome: (result) => events.publish('wis2Download', { ...result.record, id: result.recordId }),
    }),
  ];
  for (const job of jobs) job.defineOn(agenda);
  await scheduleCleanup(agenda, config.taskCleanupInterval);
}
