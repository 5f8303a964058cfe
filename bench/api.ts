/**
 * `npm run bench:api`: the service under load on this machine, load generator included. The server runs as its own
 * process (role all, against a FerretDB started here, or MONGODB_URI); autocannon and the websocket clients run in
 * this one. Prints:
 *   - requests/s and latency percentiles at 50 connections for GET /task/{id}, GET /health and the GraphQL task query
 *   - upload → completed time for the example data (.xlsx)
 *   - progress-event latency from the worker's write (task.updatedAt) to a graphql-ws client
 *   - 500 concurrent websocket subscribers, each of which must receive every event of a task
 *   - health-under-uploads: GET /health latency (polled every 100 ms, 5 s timeout) while 50 uploads of a 10,000-row
 *     .xlsx arrive at once and are processed (target p99 < 1 s, no timeouts)
 * `npm run bench:api -- health-under-uploads` runs that case alone.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import * as XLSX from 'xlsx';
import { startTestDatabase } from '../test/helpers/app-harness.ts';
import { syntheticFlight } from '../test/helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../test/helpers/table-files.ts';

const CONNECTIONS = 50;
const DURATION_S = 10;
const SUBSCRIBERS = 500;
const UPLOADS_AT_ONCE = 50;
const HEALTH_POLL_MS = 100;
const HEALTH_TIMEOUT_MS = 5_000;
const only = process.argv[2];
const mainModule = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const exampleCsv = fileURLToPath(new URL('../../shared/data/gasflux/exampledata.csv', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function exampleWorkbook(): { name: string; bytes: Buffer; label: string } {
  if (existsSync(exampleCsv)) {
    const book = XLSX.read(readFileSync(exampleCsv, 'utf8'), { type: 'string', raw: true });
    const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[0]], { header: 1, raw: true });
    const numeric = rows.map((row, r) => (r === 0 ? row : row.map((v, c) => (c === 0 ? v : Number(v)))));
    const out = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(out, XLSX.utils.aoa_to_sheet(numeric), 'flight');
    return { name: 'exampledata.xlsx', bytes: XLSX.write(out, { bookType: 'xlsx', type: 'buffer' }), label: 'example data (1,000 rows × 3 gases)' };
  }
  return {
    name: 'synthetic.xlsx',
    bytes: tableToWorkbookBuffer(syntheticFlight({ seed: 1 }).table, 'xlsx'),
    label: 'synthetic 1,000-row flight (../shared/data absent, so the example data did not run)',
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/**
 * GET /health while UPLOADS_AT_ONCE uploads of a 10,000-row .xlsx arrive together and are processed to the end:
 * the health answer must not wait behind the uploads' disk writes, the database queue or the flights.
 */
async function healthUnderUploads(base: string, upload: (bytes: Buffer, name: string) => Promise<string>): Promise<void> {
  const bytes = tableToWorkbookBuffer(syntheticFlight({ rows: 10_000, seed: 3 }).table, 'xlsx');
  let polling = true;
  /** Polls `path` every HEALTH_POLL_MS until the uploads are done: latencies of answers, timeouts, statuses. */
  const poll = async (path: string) => {
    const figures = { latencies: [] as number[], timeouts: 0, statuses: new Map<number, number>() };
    while (polling) {
      const started = performance.now();
      const status = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => 0,
      );
      const elapsed = performance.now() - started;
      if (status === 0) figures.timeouts += 1;
      else {
        figures.latencies.push(elapsed);
        figures.statuses.set(status, (figures.statuses.get(status) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, HEALTH_POLL_MS - elapsed)));
    }
    return figures;
  };
  // /config reads no database: if it is slow too, the event loop is the bottleneck, else the database queue is.
  const pollers = [poll('/health'), poll('/config')];
  const started = performance.now();
  const ids = await Promise.all(Array.from({ length: UPLOADS_AT_ONCE }, (_, i) => upload(bytes, `flight-${i}.xlsx`)));
  const accepted = (performance.now() - started) / 1000;
  const open = new Set(ids);
  const outcome = { completed: 0, failed: 0 };
  while (open.size > 0) {
    for (const id of [...open]) {
      const task = (await (await fetch(`${base}/task/${id}`)).json()) as { status: string };
      if (task.status === 'completed' || task.status === 'failed') {
        outcome[task.status] += 1;
        open.delete(id);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const processed = (performance.now() - started) / 1000;
  polling = false;
  const [health, config] = await Promise.all(pollers);
  const describe = (path: string, f: Awaited<typeof health>) =>
    `GET ${path}: ${f.latencies.length} answers (${[...f.statuses].map(([status, n]) => `${n}× ${status}`).join(', ')}), ` +
    `p50 ${percentile(f.latencies, 50).toFixed(0)} ms, p99 ${percentile(f.latencies, 99).toFixed(0)} ms, max ${Math.max(...f.latencies).toFixed(0)} ms, ` +
    `${f.timeouts} timed out (> ${HEALTH_TIMEOUT_MS / 1000} s)`;
  console.log(
    `${UPLOADS_AT_ONCE} concurrent 10,000-row .xlsx uploads (${(bytes.length / 1e6).toFixed(1)} MB each): all accepted in ${accepted.toFixed(1)} s, ` +
      `${outcome.completed} completed / ${outcome.failed} failed in ${processed.toFixed(1)} s`,
  );
  console.log(`  ${describe('/health', health)} (target p99 < 1000 ms, none timed out; 503 = degraded: over 20 active tasks, the API doc's rule)`);
  console.log(`  ${describe('/config', config)} (no database: the event loop alone)`);
}

async function main() {
  const database = await startTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-bench-api-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ['--import', 'tsx', mainModule], {
    env: {
      ...process.env,
      GASFLUX_HOST: '127.0.0.1',
      GASFLUX_PORT: String(port),
      GASFLUX_UPLOAD_FOLDER: join(dir, 'uploads'),
      GASFLUX_OUTPUT_FOLDER: join(dir, 'outputs'),
      GASFLUX_LOG_FILE: '',
      GASFLUX_LOG_LEVEL: 'WARNING',
      GASFLUX_CONNECTION_LIMIT: '2000',
      MONGODB_URI: database.uri,
      MONGODB_DB: 'bench',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const clients: Client[] = [];
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${base}/health`).then((r) => r.status, () => 0)) === 200) break;
      if (i > 300) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`GasFlux API benchmark — server pid ${server.pid}, ${CONNECTIONS} connections × ${DURATION_S} s per endpoint\n`);

    const uploadFile = async (bytes: Buffer, name: string) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)]), name);
      const response = await fetch(`${base}/upload`, { method: 'POST', body: form });
      if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { job_id: string }).job_id;
    };
    if (only === 'health-under-uploads') {
      await healthUnderUploads(base, uploadFile);
      return;
    }

    // Upload → completed.
    const workbook = exampleWorkbook();
    const upload = () => uploadFile(workbook.bytes, workbook.name);
    const completionTimes: number[] = [];
    let taskId = '';
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      taskId = await upload();
      for (;;) {
        const task = (await (await fetch(`${base}/task/${taskId}`)).json()) as { status: string; error?: string };
        if (task.status === 'completed') break;
        if (task.status === 'failed') throw new Error(`task failed: ${task.error}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      completionTimes.push((performance.now() - started) / 1000);
    }
    console.log(`upload → completed, ${workbook.label}: median ${percentile(completionTimes, 50).toFixed(2)} s, worst ${Math.max(...completionTimes).toFixed(2)} s over 5 uploads (target < 3 s)`);

    // Request throughput.
    const load = async (label: string, options: autocannon.Options) => {
      const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
      const non2xx = result.non2xx + result.errors;
      console.log(
        `${label}: ${Math.round(result.requests.average)} req/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms` +
          (non2xx ? `, ${non2xx} non-2xx/errors` : ''),
      );
    };
    await load(`GET /task/{id}`, { url: `${base}/task/${taskId}` });
    await load('GET /health', { url: `${base}/health` });
    await load('GraphQL task query', {
      url: `${base}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query ($id: ID!) { task(id: $id) { id status progress { percent } results { name downloadUrl } } }', variables: { id: taskId } }),
    });

    // Progress events: worker write → websocket client.
    const wsUrl = `ws://127.0.0.1:${port}/graphql`;
    const connect = () => {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
      clients.push(client);
      return client;
    };
    const follower = connect();
    const latencies: number[] = [];
    const followed = await upload();
    await new Promise<void>((resolve, reject) => {
      follower.subscribe<{ taskUpdated: { status: string; updatedAt: string } }>(
        { query: 'subscription ($id: ID!) { taskUpdated(id: $id) { id status updatedAt } }', variables: { id: followed } },
        {
          next: ({ data }) => {
            if (data) latencies.push(Date.now() - Date.parse(data.taskUpdated.updatedAt));
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    // The first event is the stored state at subscription time, not a live one.
    const live = latencies.slice(1);
    console.log(`progress-event latency (worker write → graphql-ws client), ${live.length} events: p50 ${percentile(live, 50)} ms, p99 ${percentile(live, 99)} ms, max ${Math.max(...live)} ms (target p99 < 100 ms)`);

    // Fan-out to many subscribers.
    const counts = new Array(SUBSCRIBERS).fill(0);
    const fanLatencies: number[] = [];
    let target = '';
    const ready: Promise<void>[] = [];
    const finished: Promise<void>[] = [];
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const client = connect();
      let markReady!: () => void;
      ready.push(new Promise((r) => (markReady = r)));
      client.on('connected', () => markReady());
      finished.push(
        new Promise((resolve, reject) => {
          client.subscribe<{ taskEvents: { id: string; status: string; updatedAt: string } }>(
            { query: 'subscription { taskEvents { id status updatedAt } }' },
            {
              next: ({ data }) => {
                if (!data || data.taskEvents.id !== target) return;
                counts[s] += 1;
                fanLatencies.push(Date.now() - Date.parse(data.taskEvents.updatedAt));
                if (data.taskEvents.status === 'completed') resolve();
              },
              error: reject,
              complete: () => resolve(),
            },
          );
        }),
      );
    }
    await Promise.all(ready);
    await new Promise((r) => setTimeout(r, 500));
    target = await upload();
    await Promise.race([Promise.all(finished), new Promise((_, reject) => setTimeout(() => reject(new Error('subscribers timed out')), 60_000))]);
    const expected = Math.max(...counts);
    const complete = counts.filter((c) => c === expected).length;
    console.log(
      `${SUBSCRIBERS} websocket subscribers: ${complete}/${SUBSCRIBERS} received all ${expected} events of the task; ` +
        `delivery latency p50 ${percentile(fanLatencies, 50)} ms, p99 ${percentile(fanLatencies, 99)} ms`,
    );
    await healthUnderUploads(base, uploadFile);
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
