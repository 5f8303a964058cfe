/**
 * The SDK's followTask against the real service: when the websocket drops mid-task, graphql-ws reconnects and the
 * service sends the task's current state again; the SDK yields each state once, in version order, to the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { useTestApp, eventually, queueUploadedFile } from '../helpers/app-harness.ts';
import { createGasFluxClient } from '../../client/sdk.ts';

const app = useTestApp({ role: 'api' });

test('followTask yields every state once and in order across a websocket reconnect', async () => {
  const running = app();
  const { tasks } = running.app.services();
  const { id } = await queueUploadedFile(running, 'latitude\n', 'flight.csv');
  await tasks.startAttempt(id);

  // A WebSocket that remembers its instances and every task version the service sent over it.
  const sockets: WebSocket[] = [];
  const onTheWire: number[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      sockets.push(this);
      this.on('message', (data) => {
        const message = JSON.parse(String(data));
        const version = message.payload?.data?.taskUpdated?.version;
        if (typeof version === 'number') onTheWire.push(version);
      });
    }
  }
  const client = createGasFluxClient({ url: running.url, webSocketImpl: RecordingWebSocket });
  const yielded: number[] = [];
  try {
    const following = (async () => {
      for await (const task of client.followTask(id)) {
        yielded.push(task.version);
        if (yielded.length === 1) {
          // Cut the connection under the subscription; graphql-ws reconnects and subscribes again.
          sockets[0]!.terminate();
          await eventually(async () => (onTheWire.length >= 2 ? true : undefined), 15_000, 'the state sent again after the reconnect');
          const progress = { stage: 'interpolation', gas: 'ch4', completedSteps: 5, totalSteps: 10, percent: 55, estimatedTimeRemaining: 2 };
          await tasks.reportProgress(id, 1, progress, 'interpolation');
          await tasks.complete(id, 1, `${id}/run`, []);
        }
      }
    })();
    await following;
    assert.equal(sockets.length, 2, 'one reconnect');
    assert.equal(onTheWire[0], onTheWire[1], 'the service sent the same state again after the reconnect');
    assert.deepEqual(yielded, [onTheWire[0], onTheWire[0]! + 1, onTheWire[0]! + 2], 'each state yielded once, in order');
  } finally {
    await client.close();
  }
});
