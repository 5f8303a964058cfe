/** Documents shaped as the service stores them, for the database benchmarks (bench/db.ts, bench/db-backends.ts). */
import type { Task } from '../src/domain/task.ts';
import type { DownloadRecord } from '../src/wis2-service/downloads/records.ts';

export function task(id: string): Task {
  const now = new Date();
  const file = { originalName: 'flight.xlsx', path: `${id}/flight.xlsx`, size: 1000, sha256: '0'.repeat(64) };
  return {
    id, status: 'pending', message: 'queued', priority: 'normal', createdAt: now, updatedAt: now, startedAt: null, finishedAt: null,
    processingTimeSeconds: null, input: file, config: null, reportName: 'flight', progress: null, results: [], flux: null,
    runDirectory: null, totalSize: 0, error: null, attempts: 0, version: 1,
  };
}

export function record(i: number): DownloadRecord {
  return {
    subscriptionId: 'bench', messageId: `m${i}`, dataId: `d${i}`, metadataId: null, topic: 'cache/a/wis2/x', centreId: 'x', cache: 'localhost',
    href: `http://localhost/${i}`, status: 'SUCCESS', errorClass: null, reason: null, path: null, save: true, size: 10240, expectedSize: 10240,
    mediaType: 'application/bufr', hashMethod: 'sha512', expectedHash: null, actualHash: null, validHash: null, overwrite: false, attempts: 1,
    receivedAt: null, downloadStart: null, downloadEnd: null, recordedAt: new Date(), durationMs: 1,
  };
}
