/**
 * Live progress stays in order on a loaded machine: with every core kept busy by other processes, ten flights are
 * processed while fifty websocket subscribers watch (four `taskUpdated` per task, ten `taskEvents` for all), in one
 * process and with API and worker in separate processes. Every subscriber's states of a task have strictly rising
 * versions and never-falling percents, and end in `completed`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import { useTestApp, type RunningApp } from '../helpers/app-harness.ts';
import { loadCpu } from '../helpers/cpu-load.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { collect, graphqlUpload, wsClient } from '../graphql/graphql-test-client.ts';
import { TaskEventsSubscription, TaskUpdatedSubscription } from '../../client/operations/task.ts';
import { UploadFlightMutation } from '../../client/operations/upload.ts';

const TASKS = 10;
const FOLLOWERS_PER_TASK = 4;
const EVENT_WATCHERS = 10;
/** Upper bound of the load and of the wait: the work takes well under a minute even on a busy 2-core machine. */
const LOAD_MS = 240_000;

interface Seen {
  status: string;
  version: number;
  percent: number;
  attempts?: number;
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function uploadFlight(running: RunningApp, seed: number): Promise<string> {
  const content = tableToWorkbookBuffer(syntheticFlight({ seed }).table, 'xlsx');
  const response = await graphqlUpload(running.url, UploadFlightMutation, { file: null as never }, [
    { path: 'variables.file', filename: `flight-${seed}.xlsx`, content, type: XLSX },
  ]);
  const result = response.body.data?.uploadFlight;
  assert.ok(result?.__typename === 'UploadFlightSuccess', JSON.stringify(response.body));
  return result.task.id;
}

function shown(task: { status: string; version: number; attempts?: number; progress?: { percent: number } | null }): Seen {
  const percent = task.status === 'completed' ? 100 : (task.progress?.percent ?? 0);
  return { status: task.status, version: task.version, percent, ...(task.attempts !== undefined ? { attempts: task.attempts } : {}) };
}

function assertInOrder(states: Seen[], who: string): void {
  assert.ok(states.length > 0, `${who} saw nothing`);
  for (let i = 1; i < states.length; i++) {
    const [before, now] = [states[i - 1]!, states[i]!];
    assert.ok(now.version > before.version, `${who}: version ${before.version} then ${now.version}`);
    assert.ok(now.percent >= before.percent, `${who}: percent ${before.percent} then ${now.percent} (${JSON.stringify([before, now])})`);
  }
  assert.equal(states.at(-1)!.status, 'completed', `${who} ended in ${states.at(-1)!.status}`);
}

/** Uploads the flights and watches them to the end with every subscriber; returns what each one saw, per task. */
async function watchUnderLoad(running: RunningApp): Promise<{ ids: string[]; followers: Seen[][]; watchers: Map<string, Seen[]>[] }> {
  const clients: Client[] = [];
  const client = () => {
    const c = wsClient(running.url);
    clients.push(c);
    return c;
  };
  try {
    const ids: string[] = [];
    const done = new Set<string>();
    const everyoneDone = () => ids.length === TASKS && ids.every((id) => done.has(id));
    const watching = Array.from({ length: EVENT_WATCHERS }, () => {
      const finished = new Set<string>();
      return collect(client(), TaskEventsSubscription, {}, {
        timeoutMs: LOAD_MS,
        stop: (event) => {
          const task = event.data?.taskEvents;
          if (task?.status === 'completed') finished.add(task.id);
          return ids.length === TASKS && ids.every((id) => finished.has(id));
        },
      });
    });
    // The taskEvents subscriptions are registered once a change made now reaches all of them; the first upload is
    // that change (each watcher sees it or joins later: either way its sequence must be in order).
    const following: Promise<ExecutionResult<{ taskUpdated: Parameters<typeof shown>[0] }>[]>[] = [];
    for (let seed = 1; seed <= TASKS; seed++) {
      const id = await uploadFlight(running, 100 + seed);
      ids.push(id);
      for (let i = 0; i < FOLLOWERS_PER_TASK; i++) {
        following.push(
          collect(client(), TaskUpdatedSubscription, { id }, {
            timeoutMs: LOAD_MS,
            stop: (event) => {
              if (event.data?.taskUpdated.status === 'completed') done.add(id);
              return false; // the server ends the stream after the final state
            },
          }),
        );
      }
    }
    const followed = await Promise.all(following);
    assert.ok(everyoneDone(), `completed: ${done.size} of ${TASKS}`);
    const watched = await Promise.all(watching);
    for (const events of [...followed, ...watched]) assert.ok(events.every((e) => !e.errors), JSON.stringify(events.find((e) => e.errors)?.errors));
    return {
      ids,
      followers: followed.map((events) => events.map((e) => shown(e.data!.taskUpdated))),
      watchers: watched.map((events) => {
        const perTask = new Map<string, Seen[]>();
        for (const e of events) {
          const task = e.data!.taskEvents;
          if (!ids.includes(task.id)) continue;
          perTask.set(task.id, [...(perTask.get(task.id) ?? []), shown(task)]);
        }
        return perTask;
      }),
    };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

function assertEverySubscriberInOrder(result: Awaited<ReturnType<typeof watchUnderLoad>>): void {
  assert.equal(result.followers.length, TASKS * FOLLOWERS_PER_TASK);
  result.followers.forEach((states, i) => assertInOrder(states, `taskUpdated subscriber ${i} (task ${Math.floor(i / FOLLOWERS_PER_TASK)})`));
  assert.ok(result.followers.some((states) => states.filter((s) => s.status === 'processing').length >= 3), 'progress was streamed');
  result.watchers.forEach((perTask, w) => {
    for (const id of result.ids) assertInOrder(perTask.get(id) ?? [], `taskEvents subscriber ${w}, task ${result.ids.indexOf(id)}`);
  });
}

/** Ten flights watched while every core is kept busy by other processes: every subscriber's sequences in order. */
async function assertInOrderUnderLoad(running: RunningApp): Promise<void> {
  const load = loadCpu(LOAD_MS);
  try {
    assertEverySubscriberInOrder(await watchUnderLoad(running));
  } finally {
    await load.stop();
  }
}

describe('live progress on a loaded machine', () => {
  describe('all roles in one process', () => {
    const app = useTestApp();
    test('10 flights, 50 subscribers, every sequence in order to completed', () => assertInOrderUnderLoad(app()));
  });

  describe('API and worker in separate processes (MongoDB event bus)', () => {
    const app = useTestApp({ workerProcess: {} });
    test('the same', () => assertInOrderUnderLoad(app()));
  });
});
