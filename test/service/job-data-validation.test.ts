/**
 * Every job checks its stored data before it runs (jobs/define-job.ts). A job document in agendaJobs whose data is
 * not what its job takes (another version's, edited by hand, damaged) fails with an error naming the job, the field
 * and the reason, Agenda keeps it failed, and the worker goes on with the next good job. In a WIS2 batch, only the
 * requests that cannot be read fail, each recorded FAILED InvalidJobData; the rest is downloaded.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId, type Document } from 'mongodb';
import { eventually, queueUploadedFile, useTestApp, type RunningApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { bufr, metrics, recordsOf } from '../wis2/helpers/wis2-e2e.ts';
import { useFileServer } from '../helpers/file-server.ts';
import { synopRequest } from '../wis2/helpers/download-request.ts';
import type { DownloadRequest } from '../../src/wis2/pipeline/download-request.ts';

const jobs = (running: RunningApp) => running.app.services().database.db.collection('agendaJobs');

/** Stores a job document as Agenda would, due now, with `data` as given; returns its id. */
async function storeJob(running: RunningApp, name: string, data: unknown): Promise<ObjectId> {
  const { insertedId } = await jobs(running).insertOne({ name, data, type: 'normal', priority: 0, nextRunAt: new Date(), lockedAt: null, lastModifiedBy: null });
  return insertedId;
}

/** The job document once Agenda has recorded its failure. */
const failedJob = (running: RunningApp, id: ObjectId) =>
  eventually(async () => {
    const job = await jobs(running).findOne({ _id: id });
    return job?.failedAt ? job : undefined;
  }, 30_000, 'the job to fail');

describe('stored job data is checked before a job runs', () => {
  // The cleanup job runs every second, so a bad one and the scheduled one both run within the test.
  const running = useTestApp({ env: { GASFLUX_TASK_CLEANUP_INTERVAL: '1' } });

  test('a flux job whose data names no task fails with the job, the field and the reason; the next flight is processed', async () => {
    const numeric = await storeJob(running(), 'gasflux.process-flight', { taskId: 42 });
    const notAnId = await storeJob(running(), 'gasflux.process-flight', { taskId: '../../etc' });
    const task = await queueUploadedFile(running(), tableToWorkbookBuffer(syntheticFlight({ seed: 5 }).table, 'xlsx'));

    const done = await eventually(async () => {
      const t = await running().app.services().tasks.get(task.id);
      return t && (t.status === 'completed' || t.status === 'failed') ? t : undefined;
    }, 60_000, 'the good task');
    assert.equal(done.status, 'completed', JSON.stringify(done.error));

    const first = await failedJob(running(), numeric);
    assert.equal(first.failReason, `job gasflux.process-flight ${numeric} has invalid data, not run: data.taskId: Invalid input: expected string, received number`);
    assert.equal(first.nextRunAt, null, 'not run again');
    const second = await failedJob(running(), notAnId);
    assert.equal(second.failReason, `job gasflux.process-flight ${notAnId} has invalid data, not run: data.taskId: expected a task id (a UUID)`);
  });

  test('a cleanup job with data it does not take fails; the scheduled cleanup goes on running', async () => {
    const bad = await storeJob(running(), 'gasflux.cleanup-expired-tasks', { maxAgeSeconds: 'soon' });
    const failed = await failedJob(running(), bad);
    assert.match(failed.failReason, new RegExp(`^job gasflux.cleanup-expired-tasks ${bad} has invalid data, not run: data: Unrecognized key: "maxAgeSeconds"$`));
    const scheduled = await eventually(async () => {
      const job = await jobs(running()).findOne({ name: 'gasflux.cleanup-expired-tasks', type: 'single' });
      return job?.lastFinishedAt && job.lastFinishedAt > failed.failedAt ? job : undefined;
    }, 30_000, 'a scheduled cleanup after the bad one');
    assert.equal(scheduled.failReason ?? null, null);
  });

  describe('WIS2 download batches', () => {
    const files = useFileServer();

    let seq = 0;
    const request = (subscriptionId: string): DownloadRequest => {
      seq += 1;
      const body = bufr(300, seq);
      return synopRequest(body, {
        subscriptionId,
        savePath: 'validated',
        messageId: `validation-msg-${seq}`,
        dataId: `de-dwd/synop/V_${seq}`,
        href: files.serve(`/files/V_${seq}.bufr4`, body),
      });
    };
    const recordsFor = (subscriptionId: string, n: number) =>
      eventually(async () => {
        const records = await recordsOf(running(), subscriptionId);
        return records.length >= n ? records : undefined;
      }, 30_000, `${n} records of ${subscriptionId}`);

    test('requests of a batch that cannot be read are recorded FAILED InvalidJobData with the field; the others are downloaded', async () => {
      const good = request('batch-with-bad-requests');
      const wrongType = { ...request('batch-with-bad-requests'), expectedSize: 'large' };
      const job = await storeJob(running(), 'wis2.download.small_files', {
        count: 3,
        requests: [JSON.stringify(good), JSON.stringify(wrongType), '{"subscriptionId": "batch-with-bad-requests", truncated'],
      });

      const records = await recordsFor('batch-with-bad-requests', 2);
      const byMessage = new Map(records.map((r) => [r.messageId, r]));
      assert.equal(byMessage.get(good.messageId)?.status, 'SUCCESS');
      const refused = byMessage.get(wrongType.messageId);
      assert.equal(refused?.status, 'FAILED');
      assert.equal(refused?.errorClass, 'InvalidJobData');
      assert.equal(
        refused?.reason,
        `job wis2.download.small_files ${job} has an invalid request, not downloaded: data.requests[1].expectedSize: Invalid input: expected number, received string`,
      );
      assert.equal(files.hits.get(new URL(wrongType.href).pathname) ?? 0, 0, 'nothing fetched for it');

      // The text that is not JSON carries no ids it could be recorded under but its place in the batch.
      const [unreadable] = await eventually(async () => {
        const found = (await recordsOf(running(), '')).filter((r) => r.reason?.includes(String(job)));
        return found.length > 0 ? found : undefined;
      }, 30_000, 'the record of the unreadable request');
      assert.equal(unreadable.errorClass, 'InvalidJobData');
      assert.match(unreadable.reason!, /: data\.requests\[2\]: not JSON \(.+\)$/);

      await eventually(async () => ((await jobs(running()).findOne({ _id: job })) === null ? true : undefined), 30_000, 'the finished batch to be removed');
      const samples = await metrics(running());
      assert.ok([...samples.keys()].some((k) => k.startsWith('wis2downloader_failed_total{') && k.includes('reason="InvalidJobData"')), 'counted in the failed downloads metric');
    });

    test('a job whose data is not a batch, or whose batch document holds no request texts, fails with the field and the reason; the next batch is downloaded', async () => {
      const bad = await storeJob(running(), 'wis2.download.small_files', { count: 1, requests: 'everything', done: [0] });
      const orphan = await storeJob(running(), 'wis2.download.large_files', { count: 1, batch: 'not-an-id' });
      const { insertedId: batch } = await running().app.services().database.db.collection('wis2_download_batches').insertOne({ requests: [JSON.stringify(request('x')), 7] });
      const numbers = await storeJob(running(), 'wis2.download.large_files', { count: 2, batch });
      const next = request('after-a-bad-batch');
      await storeJob(running(), 'wis2.download.small_files', { count: 1, requests: [JSON.stringify(next)] });

      const [record] = await recordsFor('after-a-bad-batch', 1);
      assert.equal(record.status, 'SUCCESS');
      const failed = await failedJob(running(), bad);
      assert.equal(failed.failReason, `job wis2.download.small_files ${bad} has invalid data, not run: data.requests: Invalid input: expected array, received string`);
      const failedBatch = await failedJob(running(), orphan);
      assert.equal(
        failedBatch.failReason,
        `job wis2.download.large_files ${orphan} has invalid data, not run: data.batch: expected the ObjectId of a wis2_download_batches document`,
      );
      const failedRequests = await failedJob(running(), numbers);
      assert.equal(
        failedRequests.failReason,
        `job wis2.download.large_files ${numbers} has invalid data, not run: wis2_download_batches ${batch}.requests[1]: Invalid input: expected string, received number`,
      );
      assert.equal((failed as Document).nextRunAt, null, 'kept for the operator, not run again');
    });
  });
});
