/**
 * The documented workflow, over GraphQL: upload a flight (GraphQL multipart request), follow it live over graphql-ws
 * until it completes, download a result, delete the task. The full service runs (API and worker roles).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventually, useTestApp } from '../helpers/app-harness.ts';
import { loadCpu } from '../helpers/cpu-load.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { collect, CSRF_HEADER, expectData, graphqlUpload, wsClient } from './graphql-test-client.ts';
import { DeleteTaskMutation, TaskEventsSubscription, TaskQuery, TaskUpdatedSubscription, UpdateTaskMutation } from '../../client/operations/task.ts';
import { UploadFlightMutation } from '../../client/operations/upload.ts';
import type { Client } from 'graphql-ws';
import { print } from 'graphql';

const CONFIG_YAML = 'strategies:\n  background: algorithmic\n';

describe('the documented workflow over GraphQL', () => {
  const running = useTestApp();
  const clients: Client[] = [];
  const client = () => {
    const c = wsClient(running().url);
    clients.push(c);
    return c;
  };
  const flight = (seed: number) => tableToWorkbookBuffer(syntheticFlight({ seed }).table, 'xlsx');

  async function upload(name: string, seed: number, config?: string) {
    const files = [{ path: 'variables.file', filename: name, content: flight(seed), type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }];
    if (config) files.push({ path: 'variables.config', filename: 'config.yaml', content: Buffer.from(config), type: 'application/yaml' });
    const response = await graphqlUpload(running().url, UploadFlightMutation, { file: null as never, config: config ? (null as never) : undefined, priority: 'high' }, files);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const result = response.body.data?.uploadFlight;
    assert.ok(result?.__typename === 'UploadFlightSuccess', JSON.stringify(response.body));
    return result;
  }

  after(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });

  test('upload, follow over graphql-ws until completed, download a result, delete: the REST example client, in GraphQL', async (t) => {
    // On a busy machine, as CI is: the order of the live states must not depend on timing.
    const load = loadCpu(60_000);
    t.after(() => load.stop());
    // 1. Upload the flight and its config as a GraphQL multipart request.
    const uploaded = await upload('08_34_01_5m.xlsx', 11, CONFIG_YAML);
    const id = uploaded.task.id;
    assert.equal(uploaded.task.status, 'pending');
    assert.equal(uploaded.task.priority, 'high');
    assert.equal(uploaded.task.inputFileName, '08_34_01_5m.xlsx');
    assert.equal(uploaded.task.configFileName, 'config-config.yaml');
    assert.equal(uploaded.task.reportName, '08_34_01_5m');
    assert.equal(uploaded.taskStatusUrl, `/task/${id}`);
    assert.equal(readFileSync(join(running().config.uploadFolder, id, '08_34_01_5m.xlsx')).length, uploaded.task.inputSize);

    // 2. Follow it: the current state first, then every change until it is completed, then the subscription ends.
    const events = await collect(client(), TaskUpdatedSubscription, { id }, { timeoutMs: 40_000 });
    assert.ok(events.every((e) => !e.errors), JSON.stringify(events.find((e) => e.errors)));
    const states = events.map((e) => e.data!.taskUpdated);
    const last = states.at(-1)!;
    assert.equal(last.status, 'completed', JSON.stringify(last.error));
    assert.ok(states.some((s) => s.status === 'processing' && s.progress), 'progress was streamed while processing');
    for (let i = 1; i < states.length; i++) {
      assert.ok(states[i]!.updatedAt >= states[i - 1]!.updatedAt, 'events arrive in order');
      const [before, now] = [states[i - 1]!.progress, states[i]!.progress];
      if (before && now) assert.ok(now.completedSteps >= before.completedSteps, `completedSteps went from ${before.completedSteps} to ${now.completedSteps}`);
    }
    const progressed = states.filter((s) => s.progress).map((s) => s.progress!.percent);
    assert.deepEqual(progressed, [...progressed].sort((a, b) => a - b), 'percent never decreases');
    assert.equal(last.progress?.percent, 100);
    assert.equal(last.message, '处理完成成功');
    assert.ok(last.processingTimeSeconds! > 0);
    assert.deepEqual([...new Set(last.results.map((r) => r.type))].sort(), ['config', 'data', 'metadata', 'report']);
    // The per-gas flux, typed, the same numbers as the output variables file.
    const metadata = last.results.find((r) => r.type === 'metadata')!;
    const outputVars = JSON.parse(readFileSync(join(running().config.outputFolder, metadata.relPath), 'utf8'));
    assert.equal(last.flux?.physics, 'corrected');
    assert.deepEqual(
      last.flux?.gases.map((g) => [g.gas, g.detected, g.fluxKgPerHour, g.positiveKgPerHour, g.negativeKgPerHour]),
      Object.values(
        outputVars.krig_parameters as Record<string, { gas: string; volume: number; volumepos: number; volumeneg: number; plume_detection: { detected: boolean } }>,
      ).map((k) => [k.gas, k.plume_detection.detected, k.volume, k.volumepos, k.volumeneg]),
    );
    assert.equal(last.flux?.grid.nx, outputVars.grid.nodes_x);
    assert.ok(states.filter((s) => s.status !== 'completed').every((s) => s.flux === null), 'no flux before completion');

    // Polling agrees with what the subscription said last.
    const { task: polled } = await expectData(running().url, TaskQuery, { id });
    assert.deepEqual(polled, last);

    // 3. Download a result with its downloadUrl.
    const report = last.results.find((r) => r.type === 'report')!;
    const onDisk = readFileSync(join(running().config.outputFolder, report.relPath));
    assert.equal(onDisk.length, report.size);
    const download = await fetch(`${running().url}${report.downloadUrl}`);
    if (download.status === 200) {
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), onDisk);
    } else {
      t.diagnostic(`GET ${report.downloadUrl} answered ${download.status}: the REST download is not there yet; the file was checked on disk`);
    }

    // 4. Delete it: the task and its folders go.
    const { deleteTask } = await expectData(running().url, DeleteTaskMutation, { id });
    assert.ok(deleteTask.__typename === 'DeleteTaskSuccess', JSON.stringify(deleteTask));
    assert.equal(deleteTask.taskStatus, 'completed');
    assert.equal(deleteTask.foldersDeleted, 2);
    assert.ok(deleteTask.totalSizeDeleted >= last.totalSize + uploaded.task.inputSize);
    assert.equal((await expectData(running().url, TaskQuery, { id })).task, null);
  });

  test('taskEvents sees the changes of every task: two uploads, each from pending to completed, in order', async () => {
    // A finished task to poke: its message changes prove the subscription is live before the uploads start.
    const probe = await upload('probe.xlsx', 3);
    await eventually(async () => ((await running().app.services().tasks.get(probe.task.id))?.status === 'completed' ? true : undefined), 30_000, 'probe');

    let live = false;
    const uploads: Promise<string>[] = [];
    const poke = setInterval(() => {
      if (!live) void expectData(running().url, UpdateTaskMutation, { id: probe.task.id, input: { message: 'probe' } }).catch(() => {});
    }, 100);
    const done = new Set<string>();
    let ids: string[] = [];
    const events = await collect(client(), TaskEventsSubscription, {}, {
      timeoutMs: 45_000,
      stop: (event) => {
        const task = event.data?.taskEvents;
        if (!task) return true;
        if (!live && task.id === probe.task.id && task.message === 'probe') {
          live = true;
          clearInterval(poke);
          uploads.push(upload('first.xlsx', 21).then((r) => r.task.id), upload('second.xlsx', 22).then((r) => r.task.id));
          void Promise.all(uploads).then((all) => (ids = all));
        }
        if (task.status === 'completed' && task.id !== probe.task.id) done.add(task.id);
        return ids.length === 2 && ids.every((id) => done.has(id));
      },
    });
    clearInterval(poke);
    assert.ok(events.every((e) => !e.errors), JSON.stringify(events.find((e) => e.errors)));
    assert.equal(ids.length, 2);
    for (const id of ids) {
      const mine = events.map((e) => e.data!.taskEvents).filter((task) => task.id === id);
      assert.equal(mine[0]?.status, 'pending', 'the creation is an event');
      assert.equal(mine.at(-1)?.status, 'completed');
      assert.ok(mine.some((task) => task.status === 'processing'));
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.updatedAt >= mine[i - 1]!.updatedAt);
    }
  });

  test('taskUpdated of a finished task yields its state once and completes; of an unknown task it is an error', async () => {
    const { task } = (await expectData(running().url, TaskQuery, { id: (await running().app.services().tasks.list({ statuses: ['completed'], limit: 1 }))[0]!.id }));
    const once = await collect(client(), TaskUpdatedSubscription, { id: task!.id }, { timeoutMs: 10_000 });
    assert.equal(once.length, 1);
    assert.equal(once[0]!.data?.taskUpdated.status, 'completed');

    const unknown = await collect(client(), TaskUpdatedSubscription, { id: randomUUID() }, { timeoutMs: 10_000 }).catch((error) => error);
    const errors = Array.isArray(unknown) ? unknown[0]?.errors : (unknown as { message?: string } | unknown[]);
    assert.ok(errors, 'an error is reported');
    assert.match(JSON.stringify(errors), /TASK_NOT_FOUND|任务未找到/);
  });

  test('subscriptions also work over server-sent events on the same URL', async () => {
    const [completed] = await running().app.services().tasks.list({ statuses: ['completed'], limit: 1 });
    const response = await fetch(`${running().url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', [CSRF_HEADER]: '1' },
      body: JSON.stringify({ query: print(TaskUpdatedSubscription), variables: { id: completed!.id } }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await response.text(); // the stream ends because the task is finished
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)));
    assert.equal(data[0]?.data?.taskUpdated?.id, completed!.id);
    assert.equal(data[0]?.data?.taskUpdated?.status, 'completed');
  });
});
