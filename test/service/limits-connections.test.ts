/**
 * The bounds of the GasFlux port's connections. Websockets have their own (GASFLUX_WS_MAX_CONNECTIONS,
 * GASFLUX_WS_MAX_PER_CLIENT, GASFLUX_WS_INIT_TIMEOUT_MS, GASFLUX_WS_PING_INTERVAL_MS) and do not count against
 * GASFLUX_CONNECTION_LIMIT, so idle graphql-ws sockets never lock HTTP clients out; clients that send their headers
 * byte by byte are cut after GASFLUX_HEADERS_TIMEOUT_MS. Short limits are set per app; tests wait for events (acks,
 * closes, answers), with deadlines far beyond the configured limits and short of the old fixed behaviour.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { useTestApps, type RunningApp } from '../helpers/app-harness.ts';

const PROTOCOL = 'graphql-transport-ws';

interface WsOptions {
  /** Loopback address to connect from (Linux routes all of 127/8 to lo): each is another client. */
  from?: string;
  /** Send connection_init and wait for connection_ack (default); false: send nothing after the upgrade. */
  init?: boolean;
  /** Answer the server's pings (default true). */
  autoPong?: boolean;
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** A graphql-ws socket on the app's /graphql, acknowledged (or just open with init: false); rejects with the refusal. */
function openWs(app: RunningApp, options: WsOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${app.port}/graphql`, PROTOCOL, { localAddress: options.from, autoPong: options.autoPong ?? true });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const error = JSON.parse(body).errors[0];
        reject(Object.assign(new Error(`refused ${res.statusCode}`), { refusal: { status: res.statusCode, code: error.extensions.code, message: error.message } }));
      });
    });
    socket.once('error', reject);
    socket.once('open', () => {
      if (options.init === false) return resolve(socket);
      socket.send(JSON.stringify({ type: 'connection_init' }));
      socket.once('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'connection_ack') resolve(socket);
        else reject(new Error(`expected connection_ack, got ${String(data)}`));
      });
    });
  });
}

async function refusalOf(opening: Promise<WebSocket>): Promise<Refusal> {
  try {
    const socket = await opening;
    socket.terminate();
  } catch (error) {
    const refusal = (error as { refusal?: Refusal }).refusal;
    if (refusal) return refusal;
    throw error;
  }
  assert.fail('the websocket was accepted');
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map((socket) => {
      const done = closed(socket);
      socket.close();
      return done;
    }),
  );
}

/** `promise`, or a failure naming `what` after `ms` (a deadline, not a wait: the test goes on as soon as it settles). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health on a new connection (no pooled socket), with a deadline. */
async function health(app: RunningApp): Promise<number> {
  const response = await fetch(`${app.url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

describe('connection bounds of the GasFlux port', () => {
  const apps = useTestApps({
    /** Documented defaults: 100 HTTP connections, 50 websockets per client; connection_init may take a minute here. */
    crowd: { role: 'api', env: { GASFLUX_WS_INIT_TIMEOUT_MS: '60000' } },
    /** 3 websockets per client, 5 in all. */
    tight: { role: 'api', env: { GASFLUX_WS_MAX_PER_CLIENT: '3', GASFLUX_WS_MAX_CONNECTIONS: '5', GASFLUX_CONNECTION_LIMIT: '5' } },
    /** connection_init within 200 ms, a ping every 250 ms, headers within 1 s. */
    quick: { role: 'api', env: { GASFLUX_WS_INIT_TIMEOUT_MS: '200', GASFLUX_WS_PING_INTERVAL_MS: '250', GASFLUX_HEADERS_TIMEOUT_MS: '1000' } },
  });
  const crowd = () => apps().crowd;
  const tight = () => apps().tight;
  const quick = () => apps().quick;

  test('120 graphql-ws sockets (110 acknowledged, 10 silent) leave GET /health answering 200 at once', async () => {
    const sockets: WebSocket[] = [];
    try {
      // 4 client addresses × 30 sockets stays under the default 50 per client.
      const from = (i: number) => `127.0.0.${10 + (i % 4)}`;
      sockets.push(...(await Promise.all(Array.from({ length: 110 }, (_, i) => openWs(crowd(), { from: from(i) })))));
      sockets.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => openWs(crowd(), { from: from(i), init: false })))));
      assert.equal(sockets.length, 120);
      assert.ok(sockets.length > crowd().config.connectionLimit, 'more websockets than GASFLUX_CONNECTION_LIMIT');
      assert.equal(await health(crowd()), 200);
      // ... and HTTP keeps its whole limit: 20 more plain requests at once are all answered.
      const statuses = await Promise.all(Array.from({ length: 20 }, () => health(crowd())));
      assert.deepEqual(new Set(statuses), new Set([200]));
      assert.ok(sockets.every((socket) => socket.readyState === WebSocket.OPEN), 'the websockets are still open');
    } finally {
      await closeAll(sockets);
    }
  });

  test('GASFLUX_CONNECTION_LIMIT still bounds HTTP connections, not websockets', async () => {
    const sockets = await Promise.all(['127.0.0.20', '127.0.0.20', '127.0.0.20', '127.0.0.21', '127.0.0.21'].map((from) => openWs(tight(), { from })));
    const idle: net.Socket[] = [];
    try {
      assert.equal(await health(tight()), 200, '5 websockets do not use up the 5 HTTP connections');
      // 5 idle HTTP connections fill the limit; Node drops the 6th without a word.
      for (let i = 0; i < 5; i++) {
        const socket = net.connect(tight().port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        idle.push(socket);
      }
      await assert.rejects(health(tight()));
    } finally {
      for (const socket of idle) socket.destroy();
      await closeAll(sockets);
    }
    // Node frees the slots when it sees the closes; then HTTP answers again.
    for (let attempt = 0; ; attempt++) {
      try {
        assert.equal(await health(tight()), 200);
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });

  test('when idle keep-alive connections fill GASFLUX_CONNECTION_LIMIT, they are closed to make room', async () => {
    // 5 connections that each had an answer and now sit idle (keep-alive lasts GASFLUX_CHANNEL_TIMEOUT, 300 s).
    // (The close is returned wrapped: an async function returning a promise would wait for it.)
    const answeredThenIdle = async (): Promise<{ gone: Promise<void> } | null> => {
      const socket = net.connect(tight().port, '127.0.0.1');
      socket.on('error', () => {});
      const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const answer = await Promise.race([new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(String(chunk)))), gone.then(() => null)]);
      if (answer === null) return null; // dropped: an earlier test's connection had not quite gone yet
      assert.match(answer, /^HTTP\/1\.1 200/);
      return { gone };
    };
    const idle: Promise<void>[] = [];
    for (let attempt = 0; idle.length < 5; attempt++) {
      assert.ok(attempt < 50, 'could not open 5 keep-alive connections');
      const opened = await answeredThenIdle();
      if (opened) idle.push(opened.gone);
    }
    // The next connection is over the limit: Node drops it, and the idle ones are closed for the next attempt.
    await health(tight()).catch(() => 'dropped');
    await within(10_000, 'the idle keep-alive connections being closed', Promise.all(idle));
    assert.equal(await health(tight()), 200);
  });

  test('a client past GASFLUX_WS_MAX_PER_CLIENT is answered 429 WEBSOCKET_CLIENT_LIMIT; other clients still connect', async () => {
    const mine = await Promise.all([1, 2, 3].map(() => openWs(tight(), { from: '127.0.0.30' })));
    const others: WebSocket[] = [];
    try {
      const refusal = await refusalOf(openWs(tight(), { from: '127.0.0.30' }));
      assert.equal(refusal.status, 429);
      assert.equal(refusal.code, 'WEBSOCKET_CLIENT_LIMIT');
      assert.match(refusal.message, /WebSocket 连接已达上限\(3 个,GASFLUX_WS_MAX_PER_CLIENT\)/);
      others.push(await openWs(tight(), { from: '127.0.0.31' }));
      // Closing one socket gives the client its slot back.
      const done = closed(mine[0]);
      mine[0].close();
      await done;
      for (let attempt = 0; ; attempt++) {
        try {
          mine[0] = await openWs(tight(), { from: '127.0.0.30' });
          break;
        } catch (error) {
          if (attempt > 50 || !(error as { refusal?: unknown }).refusal) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50)); // the server has not seen the close yet
        }
      }
    } finally {
      await closeAll([...mine, ...others]);
    }
  });

  test('past GASFLUX_WS_MAX_CONNECTIONS every client is answered 503 WEBSOCKET_LIMIT', async () => {
    const sockets = await Promise.all(['127.0.0.40', '127.0.0.40', '127.0.0.41', '127.0.0.41', '127.0.0.42'].map((from) => openWs(tight(), { from })));
    try {
      const refusal = await refusalOf(openWs(tight(), { from: '127.0.0.43' }));
      assert.equal(refusal.status, 503);
      assert.equal(refusal.code, 'WEBSOCKET_LIMIT');
      assert.match(refusal.message, /5 个,GASFLUX_WS_MAX_CONNECTIONS/);
      assert.equal(await health(tight()), 200, 'HTTP is not affected');
    } finally {
      await closeAll(sockets);
    }
  });

  test('a socket that never sends connection_init is closed with 4408 after GASFLUX_WS_INIT_TIMEOUT_MS', async () => {
    const started = performance.now();
    const socket = await openWs(quick(), { init: false });
    // graphql-ws's own default was 3 s: a close well before that is the setting at work.
    const { code, reason } = await within(2500, 'close of a socket without connection_init', closed(socket));
    assert.equal(code, 4408);
    assert.equal(reason, 'Connection initialisation timeout');
    assert.ok(performance.now() - started >= 200, 'not before the timeout');
  });

  test('a socket that stops answering pings is terminated after about two GASFLUX_WS_PING_INTERVAL_MS', async () => {
    const socket = await openWs(quick(), { autoPong: false });
    const pinged = new Promise((resolve) => socket.once('ping', resolve));
    // The old fixed keep-alive took 12 s to ping and 12 s more to give up.
    await within(10_000, 'a ping', pinged);
    const { code } = await within(10_000, 'the termination of a socket that does not answer pings', closed(socket));
    assert.equal(code, 1006, 'terminated, no close frame');
  });

  test('100 clients sending their headers byte by byte are cut with 408 after GASFLUX_HEADERS_TIMEOUT_MS; then /health answers', async () => {
    const slow = Array.from({ length: 100 }, () => {
      const socket = net.connect(quick().port, '127.0.0.1');
      const text = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'x'.repeat(10_000)}`;
      let sent = 0;
      let answer = '';
      const drip = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(text[sent++ % text.length]);
      }, 100);
      socket.on('data', (chunk) => (answer += String(chunk)));
      socket.on('error', () => {});
      return new Promise<string>((resolve) =>
        socket.once('close', () => {
          clearInterval(drip);
          resolve(answer);
        }),
      );
    });
    // Node's old 60 s headers timeout (checked every 30 s) held such clients for up to 90 s.
    const answers = await within(20_000, 'the server cutting 100 slow-header clients', Promise.all(slow));
    const timedOut = answers.filter((answer) => answer.startsWith('HTTP/1.1 408')).length;
    assert.ok(timedOut >= 95, `${timedOut} of 100 answered 408 (the rest may have been dropped at the connection limit)`);
    assert.equal(await health(quick()), 200);
  });
});
