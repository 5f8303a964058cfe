/**
 * Queries and mutations over HTTP against the real service (API role, so seeded tasks stay in the state the test puts
 * them in), field by field against what the REST contract implies.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { useTestApp } from '../helpers/app-harness.ts';
import { expectData, graphqlRequest } from './graphql-test-client.ts';
import { DeleteTaskMutation, TaskQuery, TasksQuery, UpdateTaskMutation } from '../../client/operations/task.ts';
import { ReportsQuery } from '../../client/operations/report.ts';
import { HealthQuery, ResetStatsMutation, ServiceConfigQuery, StatsQuery } from '../../client/operations/system.ts';
import type { Task, TaskResultFile } from '../../src/domain/task.ts';

type Seed = 'pending' | 'processing' | 'completed' | 'failed';

describe('tasks, reports and the service over GraphQL', () => {
  const running = useTestApp({ role: 'api', env: { GASFLUX_CORS_ORIGINS: 'http://localhost:3000,https://gasflux.example' } });
  const seeded: Record<string, Task> = {};

  /** A task in the given state, made through the domain as the upload and the worker would. */
  async function seedTask(state: Seed, name: string, resultBytes = 0): Promise<Task> {
    const { tasks } = running().app.services();
    const id = tasks.newTaskId();
    const content = Buffer.from(`PK\u0003\u0004 flight ${name}`);
    mkdirSync(join(running().config.uploadFolder, id), { recursive: true });
    writeFileSync(join(running().config.uploadFolder, id, `${name}.xlsx`), content);
    let task: Task | null = await tasks.create(id, { originalName: `${name}.xlsx`, path: `${id}/${name}.xlsx`, size: content.length, sha256: 'x' }, null);
    if (state === 'pending') return task;
    task = (await tasks.startAttempt(id))!;
    await tasks.reportProgress(
      id,
      task.attempts,
      { stage: 'interpolation', gas: 'ch4', completedSteps: 5, totalSteps: 9, percent: 61.5, estimatedTimeRemaining: 12 },
      '正在进行克里金插值...',
    );
    if (state === 'processing') return (await tasks.get(id))!;
    if (state === 'failed') {
      return (await tasks.fail(id, task.attempts, {
        message: "处理失败: Invalid data format in column 'temperature'",
        stage: 'data_validation',
        errorCode: 'INVALID_DATA_FORMAT',
        traceback: 'Traceback: at row 3',
      }))!;
    }
    const runDirectory = `${id}/${name}.processed/2026-01-14_10-33-29-961698_processing_run`;
    mkdirSync(join(running().config.outputFolder, runDirectory), { recursive: true });
    const files: [string, TaskResultFile['type'], string | null, number][] = [
      [`${name}.processed_ch4_report.html`, 'report', 'ch4', resultBytes],
      [`${name}.processed_co2_report.html`, 'report', 'co2', 10],
      [`${name}.processed_data.csv`, 'data', null, 20],
      [`${name}.processed_config.yaml`, 'config', null, 5],
      [`${name}.processed_output_vars.json`, 'metadata', null, 7],
    ];
    const results = files.map(([file, type, gas, size]) => {
      writeFileSync(join(running().config.outputFolder, runDirectory, file), Buffer.alloc(size, 65));
      return { name: file, relPath: `${runDirectory}/${file}`, size, type, gas };
    });
    return (await tasks.complete(id, task.attempts, runDirectory, results))!;
  }

  before(async () => {
    // Created one after another, so creation order is alphabetical here.
    seeded.small = await seedTask('completed', 'a_small', 100);
    seeded.large = await seedTask('completed', 'b_large', 5000);
    seeded.failed = await seedTask('failed', 'c_failed');
    seeded.processing = await seedTask('processing', 'd_processing');
    seeded.pending = await seedTask('pending', 'e_pending');
  });

  describe('task(id)', () => {
    test('a completed task has every field GET /task/{id} shows: status, message, times, results with download URLs', async () => {
      const { task } = await expectData(running().url, TaskQuery, { id: seeded.large.id });
      assert.ok(task);
      const stored = seeded.large;
      assert.equal(task.id, stored.id);
      assert.equal(task.status, 'completed');
      assert.equal(task.message, '处理完成成功');
      assert.equal(task.priority, 'normal');
      assert.equal(task.createdAt, stored.createdAt.toISOString());
      assert.equal(task.updatedAt, stored.updatedAt.toISOString());
      assert.equal(task.startedAt, stored.startedAt!.toISOString());
      assert.equal(task.finishedAt, stored.finishedAt!.toISOString());
      assert.ok(task.processingTimeSeconds !== null && task.processingTimeSeconds! >= 0);
      assert.equal(task.inputFileName, 'b_large.xlsx');
      assert.equal(task.inputSize, stored.input.size);
      assert.equal(task.configFileName, null);
      assert.equal(task.reportName, 'b_large');
      assert.deepEqual(task.progress, { stage: 'interpolation', gas: 'ch4', completedSteps: 9, totalSteps: 9, percent: 100, estimatedTimeRemaining: 0 });
      assert.equal(task.runDirectory, stored.runDirectory);
      assert.equal(task.totalSize, 5000 + 10 + 20 + 5 + 7);
      assert.equal(task.error, null);
      assert.equal(task.attempts, 1);
      assert.deepEqual(
        task.results.map((r) => [r.name, r.type, r.gas, r.size]),
        [
          ['b_large.processed_ch4_report.html', 'report', 'ch4', 5000],
          ['b_large.processed_co2_report.html', 'report', 'co2', 10],
          ['b_large.processed_data.csv', 'data', null, 20],
          ['b_large.processed_config.yaml', 'config', null, 5],
          ['b_large.processed_output_vars.json', 'metadata', null, 7],
        ],
      );
      for (const result of task.results) {
        assert.equal(result.relPath, `${stored.runDirectory}/${result.name}`);
        assert.equal(result.downloadUrl, `/download/${result.relPath}`);
      }
    });

    test('a failed task carries the error with its stage, code and traceback', async () => {
      const { task } = await expectData(running().url, TaskQuery, { id: seeded.failed.id });
      assert.equal(task?.status, 'failed');
      assert.equal(task?.message, '处理失败');
      assert.deepEqual(task?.error, {
        message: "处理失败: Invalid data format in column 'temperature'",
        stage: 'data_validation',
        errorCode: 'INVALID_DATA_FORMAT',
        traceback: 'Traceback: at row 3',
      });
      assert.deepEqual(task?.results, []);
      assert.ok(task?.finishedAt);
    });

    test('a processing task shows its stage, steps, percentage and estimated time remaining', async () => {
      const { task } = await expectData(running().url, TaskQuery, { id: seeded.processing.id });
      assert.equal(task?.status, 'processing');
      assert.equal(task?.message, '正在进行克里金插值...');
      assert.deepEqual(task?.progress, { stage: 'interpolation', gas: 'ch4', completedSteps: 5, totalSteps: 9, percent: 61.5, estimatedTimeRemaining: 12 });
      assert.equal(task?.finishedAt, null);
      assert.equal(task?.processingTimeSeconds, null);
    });

    test('a pending task has no progress, results, run directory or error yet', async () => {
      const { task } = await expectData(running().url, TaskQuery, { id: seeded.pending.id });
      assert.equal(task?.status, 'pending');
      assert.equal(task?.message, '任务已排队,等待处理');
      assert.equal(task?.progress, null);
      assert.equal(task?.startedAt, null);
      assert.equal(task?.runDirectory, null);
      assert.equal(task?.attempts, 0);
    });

    test('an unknown or malformed task id gives null, not an error', async () => {
      assert.equal((await expectData(running().url, TaskQuery, { id: randomUUID() })).task, null);
      assert.equal((await expectData(running().url, TaskQuery, { id: '../../etc/passwd' })).task, null);
    });
  });

  describe('tasks and reports', () => {
    test('tasks lists every task newest first by default, with the total count', async () => {
      const { tasks } = await expectData(running().url, TasksQuery, {});
      assert.equal(tasks.totalCount, 5);
      assert.deepEqual(
        tasks.edges.map((e) => e.node.reportName),
        ['e_pending', 'd_processing', 'c_failed', 'b_large', 'a_small'],
      );
      assert.equal(tasks.pageInfo.hasNextPage, false);
    });

    test('tasks filters by a list of statuses', async () => {
      const { tasks } = await expectData(running().url, TasksQuery, { status: ['pending', 'processing'] });
      assert.equal(tasks.totalCount, 2);
      assert.deepEqual(tasks.edges.map((e) => e.node.status).sort(), ['pending', 'processing']);
    });

    test('tasks sorts by file size, task id and processing time in either order', async () => {
      const bySize = await expectData(running().url, TasksQuery, { status: ['completed'], sortBy: 'file_size', sortOrder: 'asc' });
      assert.deepEqual(bySize.tasks.edges.map((e) => e.node.reportName), ['a_small', 'b_large']);
      const bySizeDesc = await expectData(running().url, TasksQuery, { status: ['completed'], sortBy: 'file_size', sortOrder: 'desc' });
      assert.deepEqual(bySizeDesc.tasks.edges.map((e) => e.node.reportName), ['b_large', 'a_small']);
      const byId = await expectData(running().url, TasksQuery, { sortBy: 'task_id', sortOrder: 'asc' });
      const ids = byId.tasks.edges.map((e) => e.node.id);
      assert.deepEqual(ids, [...ids].sort());
      const byTime = await expectData(running().url, TasksQuery, { status: ['completed', 'failed'], sortBy: 'processing_time', sortOrder: 'asc' });
      const times = byTime.tasks.edges.map((e) => e.node.processingTimeSeconds!);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
    });

    test('tasks pages with first and after, and refuses pages over 100 like per_page', async () => {
      const first = await expectData(running().url, TasksQuery, { first: 2 });
      assert.equal(first.tasks.edges.length, 2);
      assert.equal(first.tasks.pageInfo.hasNextPage, true);
      assert.equal(first.tasks.pageInfo.hasPreviousPage, false);
      const second = await expectData(running().url, TasksQuery, { first: 2, after: first.tasks.pageInfo.endCursor });
      assert.deepEqual(second.tasks.edges.map((e) => e.node.reportName), ['c_failed', 'b_large']);
      assert.equal(second.tasks.pageInfo.hasPreviousPage, true);
      const last = await expectData(running().url, TasksQuery, { first: 2, after: second.tasks.pageInfo.endCursor });
      assert.deepEqual(last.tasks.edges.map((e) => e.node.reportName), ['a_small']);
      assert.equal(last.tasks.pageInfo.hasNextPage, false);

      const tooMany = await graphqlRequest(running().url, TasksQuery, { first: 101 });
      assert.equal(tooMany.body.data, null);
      assert.match(tooMany.body.errors![0]!.message, /first must be between 0 and 100/);
    });

    test('reports show each task as GET /reports does: file count, total size, main report, all files and run directory', async () => {
      const { reports } = await expectData(running().url, ReportsQuery, { status: 'completed', sortBy: 'file_size', sortOrder: 'desc' });
      assert.equal(reports.totalCount, 2);
      const report = reports.edges[0]!.node;
      assert.equal(report.taskId, seeded.large.id);
      assert.equal(report.reportName, 'b_large');
      assert.equal(report.status, 'completed');
      assert.equal(report.createdAt, seeded.large.createdAt.toISOString());
      assert.equal(report.fileCount, 5);
      assert.equal(report.totalSize, 5042);
      assert.equal(report.processingTimeSeconds, seeded.large.processingTimeSeconds);
      assert.equal(report.mainReport?.name, 'b_large.processed_ch4_report.html');
      assert.equal(report.mainReport?.downloadUrl, `/download/${seeded.large.runDirectory}/b_large.processed_ch4_report.html`);
      assert.equal(report.allFiles.length, 5);
      assert.equal(report.runDirectory, seeded.large.runDirectory);
    });

    test('reports filter on failed, and list every task (pending ones without a main report) when unfiltered', async () => {
      const failed = await expectData(running().url, ReportsQuery, { status: 'failed' });
      assert.deepEqual(failed.reports.edges.map((e) => e.node.reportName), ['c_failed']);
      assert.equal(failed.reports.edges[0]!.node.mainReport, null);
      const all = await expectData(running().url, ReportsQuery, { first: 100 });
      assert.equal(all.reports.totalCount, 5);
      const pending = all.reports.edges.find((e) => e.node.status === 'pending')!.node;
      assert.equal(pending.fileCount, 0);
      assert.equal(pending.mainReport, null);
      assert.equal(pending.runDirectory, null);
    });

    test('reports refuse a status the REST filter does not know', async () => {
      const response = await graphqlRequest(running().url, ReportsQuery, { status: 'pending' as never });
      assert.equal(response.status, 400);
      assert.match(response.body.errors![0]!.message, /ReportStatusFilter/);
    });
  });

  describe('updateTask', () => {
    test('changes the message and priority, and the task shows the change', async () => {
      const task = await seedTask('pending', 'f_update');
      const { updateTask } = await expectData(running().url, UpdateTaskMutation, { id: task.id, input: { message: '更新的状态消息', priority: 'high' } });
      assert.equal(updateTask.__typename, 'UpdateTaskSuccess');
      assert.ok(updateTask.__typename === 'UpdateTaskSuccess');
      assert.equal(updateTask.task.message, '更新的状态消息');
      assert.equal(updateTask.task.priority, 'high');
      assert.ok(updateTask.task.updatedAt > task.updatedAt.toISOString());
      const { task: after } = await expectData(running().url, TaskQuery, { id: task.id });
      assert.equal(after?.priority, 'high');
    });

    test('marks a task completed by hand, and status pending re-queues a finished task without its old outcome', async () => {
      const task = await seedTask('failed', 'g_requeue');
      const requeued = await expectData(running().url, UpdateTaskMutation, { id: task.id, input: { status: 'pending' } });
      assert.ok(requeued.updateTask.__typename === 'UpdateTaskSuccess');
      assert.equal(requeued.updateTask.task.status, 'pending');
      assert.equal(requeued.updateTask.task.error, null);
      assert.equal(requeued.updateTask.task.progress, null);
      assert.equal(requeued.updateTask.task.finishedAt, null);

      const marked = await expectData(running().url, UpdateTaskMutation, { id: task.id, input: { status: 'completed', message: '手动标记为完成' } });
      assert.ok(marked.updateTask.__typename === 'UpdateTaskSuccess');
      assert.equal(marked.updateTask.task.status, 'completed');
      assert.equal(marked.updateTask.task.message, '手动标记为完成');
      assert.ok(marked.updateTask.task.finishedAt);
    });

    test('an unknown status is an InvalidStatusError listing the allowed values, and nothing changes', async () => {
      const { updateTask } = await expectData(running().url, UpdateTaskMutation, { id: seeded.pending.id, input: { status: 'finished', message: 'x' } });
      assert.ok(updateTask.__typename === 'InvalidStatusError');
      assert.equal(updateTask.message, '无效状态。必须是以下之一: pending, processing, completed, failed');
      assert.deepEqual(updateTask.allowedValues, ['pending', 'processing', 'completed', 'failed']);
      const { task } = await expectData(running().url, TaskQuery, { id: seeded.pending.id });
      assert.equal(task?.message, '任务已排队,等待处理');
    });

    test('an unknown priority, a too long message and an empty input are typed errors too', async () => {
      const priority = await expectData(running().url, UpdateTaskMutation, { id: seeded.pending.id, input: { priority: 'urgent' } });
      assert.ok(priority.updateTask.__typename === 'InvalidPriorityError');
      assert.deepEqual(priority.updateTask.allowedPriorities, ['high', 'normal', 'low']);
      const message = await expectData(running().url, UpdateTaskMutation, { id: seeded.pending.id, input: { message: 'x'.repeat(2001) } });
      assert.ok(message.updateTask.__typename === 'InvalidMessageError');
      assert.equal(message.updateTask.maxLength, 2000);
      const empty = await expectData(running().url, UpdateTaskMutation, { id: seeded.pending.id, input: {} });
      assert.equal(empty.updateTask.__typename, 'EmptyUpdateError');
    });

    test('an unknown task is a TaskNotFoundError, in English when the request asks for it', async () => {
      const id = randomUUID();
      const zh = await expectData(running().url, UpdateTaskMutation, { id, input: { message: 'x' } });
      assert.ok(zh.updateTask.__typename === 'TaskNotFoundError');
      assert.equal(zh.updateTask.message, '任务未找到');
      assert.equal(zh.updateTask.taskId, id);
      const en = await expectData(running().url, UpdateTaskMutation, { id, input: { message: 'x' } }, { 'accept-language': 'en-GB,en;q=0.9' });
      assert.ok(en.updateTask.__typename === 'TaskNotFoundError');
      assert.equal(en.updateTask.message, 'Task not found');
    });
  });

  describe('deleteTask', () => {
    test('a pending or processing task cannot be deleted: a TaskActiveError with its status, and the task stays', async () => {
      for (const task of [seeded.pending, seeded.processing]) {
        const { deleteTask } = await expectData(running().url, DeleteTaskMutation, { id: task.id });
        assert.ok(deleteTask.__typename === 'TaskActiveError');
        assert.equal(deleteTask.taskStatus, task.status);
        assert.equal(deleteTask.message, '无法删除当前正在处理或等待处理的任务');
        assert.ok((await expectData(running().url, TaskQuery, { id: task.id })).task);
      }
    });

    test('a completed task goes with its upload and output folders, and the payload says what was freed', async () => {
      const task = await seedTask('completed', 'h_delete', 300);
      const { deleteTask } = await expectData(running().url, DeleteTaskMutation, { id: task.id });
      assert.ok(deleteTask.__typename === 'DeleteTaskSuccess');
      assert.equal(deleteTask.taskId, task.id);
      assert.equal(deleteTask.taskStatus, 'completed');
      assert.equal(deleteTask.foldersDeleted, 2);
      assert.equal(deleteTask.totalSizeDeleted, task.totalSize + task.input.size);
      assert.equal(existsSync(join(running().config.outputFolder, task.id)), false);
      assert.equal(existsSync(join(running().config.uploadFolder, task.id)), false);
      assert.equal((await expectData(running().url, TaskQuery, { id: task.id })).task, null);
      const again = await expectData(running().url, DeleteTaskMutation, { id: task.id });
      assert.equal(again.deleteTask.__typename, 'TaskNotFoundError');
    });
  });

  describe('the service', () => {
    test('health reports status, version, uptime, storage, task counts and request performance', async () => {
      const { health } = await expectData(running().url, HealthQuery);
      assert.equal(health.status, 'healthy');
      assert.equal(health.version, running().app.services().version);
      assert.match(health.uptime, /^\d+h \d+m \d+s$/);
      assert.ok(health.uptimeSeconds > 0);
      assert.ok(Math.abs(Date.parse(health.timestamp) - Date.now()) < 60_000);
      assert.deepEqual(health.storage, { uploadsWritable: true, outputsWritable: true, databaseReachable: true });
      const tasks = await running().app.services().tasks.countByStatus();
      assert.equal(health.tasks.activeCount, tasks.pending + tasks.processing);
      assert.equal(health.tasks.totalTracked, tasks.pending + tasks.processing + tasks.completed + tasks.failed);
      assert.equal(health.tasks.totalProcessed, tasks.completed + tasks.failed);
      assert.ok(health.performance.requestsPerSecond >= 0);
      assert.deepEqual(health.issues, []);
    });

    test('stats count requests by method, status and endpoint, tasks by status, and list the recent tasks', async () => {
      await expectData(running().url, HealthQuery);
      const { stats } = await expectData(running().url, StatsQuery);
      assert.ok(stats.requests.total > 0);
      assert.ok(stats.requests.byMethod.some((c) => c.key === 'POST' && c.count > 0));
      assert.ok(stats.requests.byStatus.some((c) => c.key === '200'));
      assert.equal(stats.requests.topEndpoints[0]?.key, '/graphql');
      assert.match(stats.uptimeFormatted, /^\d+h \d+m \d+s$/);
      const counts = await running().app.services().tasks.countByStatus();
      assert.deepEqual(stats.tasks.byStatus, counts);
      assert.equal(stats.tasks.active, counts.pending + counts.processing);
      assert.equal(stats.tasks.totalCompleted, counts.completed);
      assert.equal(stats.tasks.totalFailed, counts.failed);
      assert.ok(stats.system.memoryTotalGb > 0 && stats.system.diskTotalGb > 0);
      assert.ok(stats.recentTasks.length > 0 && stats.recentTasks.length <= 20);
      assert.ok(stats.recentTasks.every((t) => typeof t.ageSeconds === 'number' && t.message.length > 0));
    });

    test('resetStats starts the request statistics afresh', async () => {
      const { resetStats } = await expectData(running().url, ResetStatsMutation);
      assert.ok(Math.abs(Date.parse(resetStats.resetAt) - Date.now()) < 60_000);
      const { stats } = await expectData(running().url, StatsQuery);
      // Only requests after the reset are counted (the reset itself finished after the counters were cleared).
      assert.ok(stats.requests.total <= 2, String(stats.requests.total));
    });

    test('config shows the effective settings and every supported variable, set or default', async () => {
      const { config } = await expectData(running().url, ServiceConfigQuery);
      const settings = config.configuration;
      assert.equal(settings.host, '127.0.0.1');
      assert.equal(settings.uploadFolder, running().config.uploadFolder);
      assert.equal(settings.outputFolder, running().config.outputFolder);
      assert.equal(settings.maxContentLength, 104857600);
      assert.deepEqual(settings.corsOrigins, ['http://localhost:3000', 'https://gasflux.example']);
      assert.equal(settings.logLevel, 'WARNING');
      assert.equal(settings.taskCleanupInterval, 3600);
      assert.equal(settings.maxTaskAge, 86400);
      assert.equal(settings.threads, 8);
      assert.equal(settings.connectionLimit, 100);
      assert.equal(settings.channelTimeout, 300);
      const variables = new Map(config.environmentVariables.map((v) => [v.name, v]));
      for (const name of ['GASFLUX_HOST', 'GASFLUX_PORT', 'GASFLUX_DEBUG', 'GASFLUX_MAX_CONTENT_LENGTH', 'GASFLUX_CHANNEL_TIMEOUT']) {
        assert.equal(variables.get(name)?.documented, true, name);
      }
      assert.equal(variables.get('GASFLUX_HOST')?.value, '127.0.0.1');
      assert.deepEqual(variables.get('GASFLUX_MAX_CONTENT_LENGTH'), { name: 'GASFLUX_MAX_CONTENT_LENGTH', value: null, defaultValue: '104857600', documented: true });
      assert.equal(variables.get('MONGODB_URI')?.documented, false);
    });

    test('without its output folder the service is degraded with a storage issue, and an unexpected failure is masked', async () => {
      const moved = `${running().config.outputFolder}.moved`;
      renameSync(running().config.outputFolder, moved);
      try {
        const { health } = await expectData(running().url, HealthQuery, undefined, { 'accept-language': 'en' });
        assert.equal(health.status, 'degraded');
        assert.equal(health.storage.outputsWritable, false);
        assert.deepEqual(health.issues, [{ code: 'storage', message: 'Storage not writable (outputs)' }]);

        // stats reads the output folder's disk; the failure reaches the client only as a masked error.
        const stats = await graphqlRequest(running().url, StatsQuery);
        assert.equal(stats.body.data, null);
        assert.equal(stats.body.errors?.[0]?.message, 'Unexpected error.');
        assert.doesNotMatch(JSON.stringify(stats.body), /ENOENT|outputs/);
      } finally {
        renameSync(moved, running().config.outputFolder);
      }
      assert.equal((await expectData(running().url, HealthQuery)).health.status, 'healthy');
    });
  });
});
