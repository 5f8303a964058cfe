/**
 * Feeds the serving process's WIS2 metrics from what every process publishes on the bus (download outcomes,
 * notification counters, broker states), so `GET /metrics` counts the work of all workers. Sampled gauges are read
 * at scrape time: queue lengths (downloads in batch jobs not yet taken) from the Agenda collection (per queue, plus the reference's summed `celery` series),
 * and the data disk (at most every 5 minutes, as the reference's `check_disk_space`).
 */
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import type { EventBus } from '../infra/event-bus.js';
import { AGENDA_JOBS_COLLECTION } from '../infra/mongo.js';
import type { Logger } from '../logger.js';
import { downloadJobName } from './downloads/batch-jobs.js';
import type { Wis2Topics } from './events.js';
import type { Wis2Metrics } from './metrics.js';
import { DOWNLOAD_QUEUES, type DownloadQueue } from '../wis2/pipeline/download-request.js';

const DISK_SAMPLE_MS = 300_000;

export function feedWis2Metrics(
  metrics: Wis2Metrics,
  deps: { bus: EventBus<Wis2Topics>; db: Db; dataFolder: string; log: Logger },
): () => void {
  const { bus, db, dataFolder, log } = deps;
  const unsubscribes = [
    bus.subscribe('wis2Download', (record) => {
      const outcome =
        record.status === 'SUCCESS'
          ? { status: 'SUCCESS' as const }
          : { status: record.status, errorClass: record.errorClass ?? 'unknown', reason: record.reason ?? '' };
      metrics.downloadOutcome(outcome as Parameters<Wis2Metrics['downloadOutcome']>[0], {
        cache: record.cache,
        mediaType: record.mediaType,
        bytes: record.size ?? 0,
      });
    }),
    bus.subscribe('wis2NotificationCounts', (counts) => {
      for (const { broker, count } of counts.received) metrics.notificationReceived(broker, count);
      for (const { broker, count } of counts.invalid) metrics.invalidNotification(broker, count);
      for (const { broker, count } of counts.queueErrors) metrics.queueError(broker, count);
    }),
    bus.subscribe('wis2BrokerState', ({ broker, connected }) => metrics.setMqttConnected(broker, connected)),
  ];

  const jobs = db.collection(AGENDA_JOBS_COLLECTION);
  let diskSampledAt = 0;
  const removeHook = metrics.onScrape(async () => {
    try {
      let total = 0;
      for (const queue of Object.keys(DOWNLOAD_QUEUES) as DownloadQueue[]) {
        // Downloads in batch jobs no worker has taken yet (jobs of earlier versions hold one).
        const batches = await jobs
          .find({ name: downloadJobName(queue), nextRunAt: { $ne: null }, lockedAt: null }, { projection: { 'data.count': 1 } })
          .toArray();
        const waiting = batches.reduce((sum, job) => sum + ((job.data as { count?: number } | undefined)?.count ?? 1), 0);
        metrics.setQueueLength(queue, waiting);
        total += waiting;
      }
      metrics.setQueueLength('celery', total);
    } catch (error) {
      log.warn({ err: error }, 'could not read the WIS2 queue lengths');
    }
    if (Date.now() - diskSampledAt >= DISK_SAMPLE_MS) {
      diskSampledAt = Date.now();
      try {
        const fs = await statfs(dataFolder);
        const totalBytes = fs.blocks * fs.bsize;
        const freeBytes = fs.bavail * fs.bsize;
        metrics.setDiskUsage({ totalBytes, usedBytes: totalBytes - fs.bfree * fs.bsize, freeBytes });
      } catch (error) {
        log.warn({ err: error }, 'could not read the WIS2 data disk usage');
      }
    }
  });

  // The true size of the downloads directory once at start; downloads then add to it.
  void directoryBytes(dataFolder)
    .then((bytes) => metrics.addDownloadsDirectoryBytes(bytes))
    .catch((error: unknown) => log.warn({ err: error }, 'could not measure the WIS2 downloads directory'));

  return () => {
    removeHook();
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(path);
    else if (entry.isFile()) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
