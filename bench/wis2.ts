/**
 * `npm run bench:wis2 [router] [e2e] [e2e-paced] [memory]`: the WIS2 downloader on this machine. This process starts
 * FerretDB (SQLite files; MONGODB_URI overrides) and a node:http file server on loopback, and runs each case in its own
 * process, connected as the app connects (src/infra/mongo.ts: one pooled connection to FerretDB) with Agenda built as
 * src/app.ts builds it. Every database command is timed, so the report says where the database's time went.
 *   - router: notifications/s through parsing and validation, link selection and the filter pre-pass (a centre
 *     allow-list, a size cap and media-type rules) into (a) an array, (b) the Agenda queue with enqueueDownload
 *     (agenda.now, one insert per job), (c) the queue with createBatchEnqueue (one insertMany per few ms). Every
 *     notification arrives twice, as from two global caches; one in ten is from a centre the filter rejects.
 *   - e2e: BENCH_WIS2_DOWNLOADS (1,000) distinct notifications for 10 kB files on the file server, all handed over at
 *     once, routed and enqueued as the app does (enqueueDownload), downloaded by the real jobs (defineWis2DownloadJobs,
 *     default concurrency), timed from the first notification to the last SUCCESS record in wis2_downloads; every
 *     file is checked on disk. Then the same notifications again: the jobs must skip them all as PreviouslyProcessed.
 *     A wave that has not finished after BENCH_WIS2_DEADLINE_S (180 s) is reported as far as it got.
 *   - e2e-paced: the same fed as the app feeds it (src/wis2-service/downloader.ts): a DownloadGate of PACED_BACKLOG in front
 *     of the batching enqueue, which makes one batch job per queue of what arrives together.
 *   - e2e-per-file: as e2e-paced, but one job per download (maxBatch 1, a gate that lets each freed slot through at
 *     once, as many jobs at once as the queue's concurrency), as before batch jobs: the same run shows what batching
 *     gains.
 *   The default cases are router, e2e-paced, e2e-per-file and memory; name e2e to run it too.
 *   - memory: 100,000 notifications through the router into a bounded sink; heap and RSS after a forced GC every
 *     10,000.
 * Notifications are handed to the router as the MQTT manager does (without waiting for the previous one), at most
 * WINDOW at a time. BENCH_WIS2_STDERR=1 shows the cases' stderr as they run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { MongoClient, type CommandFailedEvent, type CommandStartedEvent, type CommandSucceededEvent, type Db } from 'mongodb';
import { createBatchEnqueue } from '../src/wis2-service/downloads/batch-enqueue.ts';
import { DownloadGate } from '../src/wis2-service/downloads/gate.ts';
import { enqueueDownload } from '../src/wis2-service/downloads/batch-enqueue.ts';
import { defineWis2DownloadJobs } from '../jobs/download-wis2-batch.ts';
import type { DownloadResult } from '../src/wis2-service/downloads/handler.ts';
import { DedupStore } from '../src/wis2-service/downloads/dedup-store.ts';
import { DOWNLOADS_COLLECTION, DownloadRecords } from '../src/wis2-service/downloads/records.ts';
import { DOWNLOAD_QUEUES, type DownloadRequest } from '../src/wis2/pipeline/download-request.ts';
import {
  createNotificationRouter, type NotificationRouter, type RouterEvent, type RouterMqttMessage,
} from '../src/wis2/pipeline/notification-router.ts';
import { dropDatabase, startTestDatabase } from '../test/helpers/app-harness.ts';
import {
  FILE_BYTES, OTHER_CENTRE, asMessage, benchSubscription, sha512, syntheticFile, syntheticNotification, type SyntheticNotification,
} from './wis2-synthetic.ts';

const ROUTER_NOTIFICATIONS = 5_000;
const E2E_DOWNLOADS = Number(process.env.BENCH_WIS2_DOWNLOADS ?? 1_000);
/** Each e2e wave stops waiting after this long and reports how far it got. */
const E2E_DEADLINE_S = Number(process.env.BENCH_WIS2_DEADLINE_S ?? 180);
/** e2e-paced: at most this many downloads queued or running at once (as src/wis2-service/downloader.ts: twice the queues' 40). */
const PACED_BACKLOG = 80;
const MEMORY_NOTIFICATIONS = 100_000;
const MEMORY_STEP = 10_000;
const WINDOW = 1_000;
/** As src/app.ts: GASFLUX_THREADS (8) + 2 + the three download queues' 8 + 24 + 8. */
const APP_MAX_CONCURRENCY = 50;

const CASES = ['router', 'e2e', 'e2e-paced', 'e2e-per-file', 'memory'] as const;
/** `e2e` (no gate) only shows the stall of an unbounded queue on FerretDB and takes its whole deadline: on request. */
const DEFAULT_CASES = ['router', 'e2e-paced', 'e2e-per-file', 'memory'] as const;

// ---------------------------------------------------------------------------------------------------------------------
// Shared pieces

/** Time the database spent per command and collection (one pooled connection: one command at a time). */
const dbTime = new Map<string, { count: number; ms: number }>();

/**
 * The case's database, named by the parent, which drops it afterwards. Connected as src/infra/mongo.ts connects
 * (one pooled connection to FerretDB), with command monitoring for the per-command database time.
 */
async function connect() {
  const uri = process.env.MONGODB_URI;
  const name = process.env.BENCH_WIS2_DB;
  if (!uri || !name) throw new Error('MONGODB_URI and BENCH_WIS2_DB are not set (the parent process passes them)');
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 10_000,
    monitorCommands: true,
    ...(process.env.BENCH_WIS2_FERRETDB ? { maxPoolSize: 1 } : {}),
  });
  const started = new Map<number, { key: string; at: number }>();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    started.set(e.requestId, { key: `${e.commandName} ${typeof target === 'string' ? target : ''}`.trim(), at: performance.now() });
  });
  const finish = (e: CommandSucceededEvent | CommandFailedEvent) => {
    const s = started.get(e.requestId);
    if (!s) return;
    started.delete(e.requestId);
    const entry = dbTime.get(s.key) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += performance.now() - s.at;
    dbTime.set(s.key, entry);
  };
  client.on('commandSucceeded', finish);
  client.on('commandFailed', finish);
  await client.connect();
  const db = client.db(name);
  await db.dropDatabase();
  return { db, close: () => client.close() };
}

/** The commands that took most of the database's time, for the report. */
const topDbTime = (n = 8) =>
  [...dbTime.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, n).map(([key, v]) => ({ key, count: v.count, ms: v.ms }));

async function appAgenda(db: Db, maxConcurrency = APP_MAX_CONCURRENCY): Promise<Agenda> {
  const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }), processEvery: 200, maxConcurrency, defaultLockLifetime: 600_000 });
  agenda.on('error', (error: unknown) => console.error('agenda error', error));
  await agenda.ready;
  return agenda;
}

function eventCounter() {
  const counts: Partial<Record<RouterEvent['type'], number>> = {};
  return { counts, onEvent: (e: RouterEvent) => void (counts[e.type] = (counts[e.type] ?? 0) + 1) };
}

function newRouter(enqueue: (request: DownloadRequest) => Promise<void>, onEvent?: (e: RouterEvent) => void) {
  return createNotificationRouter({ subscriptions: () => [benchSubscription()], mqtt: { subscribe: () => () => {} }, enqueue, onEvent });
}

/** Hands every message to the router with at most WINDOW in flight; resolves when all are routed. */
async function drive(router: NotificationRouter, messages: Iterable<RouterMqttMessage>, gate?: () => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const message of messages) {
    if (gate) await gate();
    const p: Promise<void> = router.handle(message).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
  await router.idle();
}

const seconds = (start: number) => (performance.now() - start) / 1000;
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => bytes / (1024 * 1024);

// ---------------------------------------------------------------------------------------------------------------------
// Case: router

async function routerCase() {
  const notifications = Array.from({ length: ROUTER_NOTIFICATIONS }, (_, i) =>
    syntheticNotification(i, 'https://cache.example.org', sha512(Buffer.from(String(i)))),
  );
  const twice = () => [...notifications, ...notifications].map(asMessage);

  const run = async (enqueue: (request: DownloadRequest) => Promise<void>) => {
    const { counts, onEvent } = eventCounter();
    const router = newRouter(enqueue, onEvent);
    await router.sync();
    const messages = twice();
    dbTime.clear();
    const start = performance.now();
    await drive(router, messages);
    const s = seconds(start);
    await router.close();
    return { perSecond: messages.length / s, seconds: s, counts, dbTop: topDbTime(2) };
  };

  const sink: DownloadRequest[] = [];
  const memory = await run(async (request) => void sink.push(request));
  const database = await connect();
  try {
    const jobs = database.db.collection('agendaJobs');
    const agenda = await appAgenda(database.db);
    const countJobs = () => jobs.countDocuments({ name: { $in: Object.keys(DOWNLOAD_QUEUES).map((q) => `wis2.download.${q}`) } });
    const single = await run(async (request) => void (await enqueueDownload(agenda, request)));
    const singleJobs = await countJobs();
    await jobs.deleteMany({});
    const batcher = createBatchEnqueue(agenda, database.db);
    const batched = await run((request) => batcher.enqueue(request));
    const batchedJobs = await countJobs();
    await agenda.stop(false);
    return { memory, single: { ...single, jobs: singleJobs }, batched: { ...batched, jobs: batchedJobs } };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Case: e2e

async function e2eCase(feed: 'all-at-once' | 'paced' | 'per-file') {
  const paced = feed !== 'all-at-once';
  const base = process.env.BENCH_WIS2_FILES!;
  const dataRoot = mkdtempSync(join(tmpdir(), 'gasflux-bench-wis2-'));
  const database = await connect();
  try {
    // N distinct notifications, all from subscribed centres; file i's hash in its notification.
    const notifications: SyntheticNotification[] = [];
    for (let i = 0; notifications.length < E2E_DOWNLOADS; i++) {
      const n = syntheticNotification(i, base, sha512(syntheticFile(i)));
      if (n.centre !== OTHER_CENTRE) notifications.push(n);
    }

    const agenda = await appAgenda(database.db);
    const outcomes: DownloadResult[] = [];
    let wake: (() => void) | null = null;
    defineWis2DownloadJobs(agenda, {
      db: database.db,
      stores: { dedup: new DedupStore(database.db), records: new DownloadRecords(database.db) },
      dataRoot,
      allowPrivateNetworks: true,
      // One download per job: as many jobs at once as downloads, as before batch jobs.
      ...(feed !== 'paced' ? { batchesAtOnce: Math.max(...Object.values(DOWNLOAD_QUEUES)) } : {}),
      onOutcome: (result) => {
        outcomes.push(result);
        gated.release(result.record.subscriptionId, result.record.messageId);
        wake?.();
      },
    });
    /** Waits until `count` outcomes are in, or the deadline passes; false then. */
    const outcomesReach = async (count: number, deadline: number) => {
      while (outcomes.length < count) {
        const left = deadline - performance.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1_000));
          wake = () => (clearTimeout(timer), resolve());
        });
      }
      return true;
    };
    await agenda.start();

    const { counts, onEvent } = eventCounter();
    // Paced, the queue is fed as src/wis2-service/downloader.ts feeds it: a DownloadGate of twice the queues' concurrency
    // (freed by each outcome) in front of the batching enqueue. Unpaced, one agenda.now() per notification, all at once.
    const gated = feed === 'per-file' ? new DownloadGate(PACED_BACKLOG, undefined, PACED_BACKLOG - 1) : new DownloadGate(PACED_BACKLOG);
    const batch = createBatchEnqueue(agenda, database.db, feed === 'per-file' ? { maxBatch: 1 } : {});
    const enqueue = paced
      ? async (request: DownloadRequest) => {
          await gated.acquire(request.subscriptionId, request.messageId);
          await batch.enqueue(request);
        }
      : async (request: DownloadRequest) => void (await enqueueDownload(agenda, request));
    const router = newRouter(enqueue, onEvent);
    await router.sync();
    const tally = (list: DownloadResult[]) => {
      const out: Record<string, number> = {};
      for (const o of list) {
        const key = o.outcome.status === 'SUCCESS' ? 'SUCCESS' : `${o.outcome.status} ${o.outcome.errorClass}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    };
    // Wave 1: every notification new.
    const progress: Array<[number, number]> = [];
    dbTime.clear();
    const start = performance.now();
    const sampler = setInterval(() => progress.push([Math.round(seconds(start)), outcomes.length]), 10_000);
    const cpuStart = process.cpuUsage();
    const fed = drive(router, notifications.map(asMessage)).then(() => seconds(start));
    const finished = await outcomesReach(notifications.length, start + E2E_DEADLINE_S * 1000);
    const totalSeconds = seconds(start);
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpuStart);
    const dbTop = topDbTime();
    const enqueueSeconds = finished ? await fed : null;
    const completed = outcomes.length;
    // After a missed deadline the one connection may be queued up for minutes: no more queries then.
    const stored = finished ? await database.db.collection(DOWNLOADS_COLLECTION).countDocuments({ status: 'SUCCESS' }) : null;
    let filesOk = 0;
    for (const { record } of outcomes) {
      if (record.status === 'SUCCESS' && record.path && statSync(record.path).size === FILE_BYTES) filesOk += 1;
    }
    const durations = outcomes.map((o) => o.record.durationMs).sort((a, b) => a - b);
    const statuses = tally(outcomes);

    // Wave 2: the same notifications (same ids, data ids and hashes) again.
    let dedup: Record<string, number> | null = null;
    let dedupSeconds = 0;
    let dedupDone = 0;
    let wave2Files = 0;
    if (finished) {
      outcomes.length = 0;
      const dedupStart = performance.now();
      void drive(router, notifications.map(asMessage));
      await outcomesReach(notifications.length, dedupStart + E2E_DEADLINE_S * 1000);
      dedupSeconds = seconds(dedupStart);
      dedupDone = outcomes.length;
      dedup = tally(outcomes);
      wave2Files = outcomes.filter((o) => o.record.path).length;
    }

    return {
      n: notifications.length, feed, paced, finished, completed, enqueueSeconds, totalSeconds, stored, filesOk, statuses, progress,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      durationP50: durations[Math.floor(durations.length / 2)] ?? null, durationP99: durations[Math.floor(durations.length * 0.99)] ?? null,
      dedup, dedupSeconds, dedupDone, wave2Files, dbTop,
    };
  } finally {
    // Jobs may still be running after a deadline: the process exits right after the report.
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Case: memory

async function memoryCase() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  // A bounded sink: the last 1,000 requests, as a queue that keeps up would hold.
  const ring: DownloadRequest[] = new Array(1_000);
  let enqueued = 0;
  const { counts, onEvent } = eventCounter();
  const router = newRouter(async (request) => void (ring[enqueued++ % ring.length] = request), onEvent);
  await router.sync();
  const samples: Array<{ at: number; heapMb: number; rssMb: number }> = [];
  const sample = (at: number) => {
    gc();
    const m = process.memoryUsage();
    samples.push({ at, heapMb: mb(m.heapUsed), rssMb: mb(m.rss) });
  };
  sample(0);
  const start = performance.now();
  for (let from = 0; from < MEMORY_NOTIFICATIONS; from += MEMORY_STEP) {
    // Generated as they are handed over, so the bench holds no more than the router does.
    function* messages() {
      for (let i = from; i < from + MEMORY_STEP; i++) {
        yield asMessage(syntheticNotification(i, 'https://cache.example.org', sha512(Buffer.from(String(i)))));
      }
    }
    await drive(router, messages());
    sample(from + MEMORY_STEP);
  }
  const s = seconds(start);
  await router.close();
  return { samples, counts, perSecond: MEMORY_NOTIFICATIONS / s };
}

// ---------------------------------------------------------------------------------------------------------------------
// Parent: database, file server, one process per case, report

/** Serves `/data/<centre>/synop/…_<i>.bufr4` as syntheticFile(i). */
async function startFileServer() {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const match = /_(\d+)\.bufr4$/.exec(req.url ?? '');
    if (!match) return void res.writeHead(404).end();
    const body = syntheticFile(Number(match[1]));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength }).end(body);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    stop: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function runChild(name: string, env: Record<string, string>): Promise<{ ok: true; result: any } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', name], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', process.env.BENCH_WIS2_STDERR ? 'inherit' : 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8000)));
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve({ ok: true, result: JSON.parse(line) });
      else resolve({ ok: false, error: `exit ${code}\n${stderr || stdout}` });
    });
  });
}

function reportRouter(r: any) {
  const line = (label: string, x: any, target = true) =>
    console.log(
      `  ${label}: ${fmt(x.perSecond)} notifications/s (${fmt(x.counts.received)} in ${fmt(x.seconds, 2)} s; ` +
        `${fmt(x.counts.enqueued ?? 0)} enqueued, ${fmt(x.counts.filter_rejected ?? 0)} rejected by the filter pre-pass` +
        `${x.counts.enqueue_failed ? `, ${fmt(x.counts.enqueue_failed)} enqueue failures` : ''}` +
        `${x.jobs !== undefined ? `, ${fmt(x.jobs)} job documents in agendaJobs` : ''})${target ? ' (target ≥ 5,000/s)' : ''}` +
        (x.dbTop.length > 0 ? `\n    database time: ${x.dbTop.map((d: any) => `${d.key} ${fmt(d.count)}× ${fmt(d.ms / 1000, 2)} s`).join(', ')}` : ''),
    );
  console.log(`notification router, ${fmt(ROUTER_NOTIFICATIONS)} distinct notifications each delivered twice:`);
  line('router alone, into an array', r.memory);
  line('into the Agenda queue, enqueueDownload (agenda.now, one insert per job)', r.single);
  line('into the Agenda queue, createBatchEnqueue (one insertMany per batch)', r.batched);
  console.log('  duplicates: the router does not dedup (the download job does, §5.4), so both copies become jobs; see the e2e wave 2\n');
}

function reportE2e(r: any) {
  const how =
    r.feed === 'paced'
      ? `as the app feeds the queue: download gate of ${PACED_BACKLOG} + batch jobs`
      : r.feed === 'per-file'
        ? `download gate of ${PACED_BACKLOG}, one job per download as before batch jobs`
        : 'all handed over at once, no gate, one agenda.now() per download';
  console.log(`end to end, ${fmt(r.n)} distinct notifications → 10 kB files from a loopback node:http server (${how}):`);
  if (r.finished) {
    console.log(`  ${fmt(r.n / r.totalSeconds, 1)} downloads/s: first notification → last SUCCESS record in ${fmt(r.totalSeconds, 2)} s (target ≥ 500/s)`);
  } else {
    console.log(
      `  ${fmt(r.completed / r.totalSeconds, 1)} downloads/s: NOT FINISHED, ${fmt(r.completed)} of ${fmt(r.n)} done when the ${E2E_DEADLINE_S} s deadline passed (target ≥ 500/s)`,
    );
  }
  if (r.progress.length > 0) console.log(`  done after 10 s, 20 s, …: ${r.progress.map(([, n]: [number, number]) => fmt(n)).join(', ')}`);
  console.log(
    `  ${r.enqueueSeconds !== null ? `routed and enqueued within ${fmt(r.enqueueSeconds, 2)} s; ` : ''}job duration p50 ${r.durationP50} ms, p99 ${r.durationP99} ms; ` +
      `worker process CPU ${fmt(r.cpuSeconds, 1)} s`,
  );
  console.log(
    `  outcomes: ${Object.entries(r.statuses).map(([k, v]) => `${k} ${fmt(v as number)}`).join(', ') || 'none'}; ` +
      `SUCCESS records in wis2_downloads: ${r.stored === null ? 'not counted' : fmt(r.stored)}; files on disk with ${fmt(FILE_BYTES)} bytes: ${fmt(r.filesOk)}`,
  );
  console.log(
    `  database time during wave 1 (one connection, so it adds up): ` +
      r.dbTop.map((d: any) => `${d.key} ${fmt(d.count)}× ${fmt(d.ms / 1000, 1)} s`).join(', '),
  );
  if (r.dedup) {
    console.log(
      `  the same ${fmt(r.n)} notifications again: ${Object.entries(r.dedup).map(([k, v]) => `${k} ${fmt(v as number)}`).join(', ')} ` +
        `in ${fmt(r.dedupSeconds, 2)} s (${fmt(r.dedupDone / r.dedupSeconds, 1)}/s)${r.dedupDone < r.n ? ' (deadline passed)' : ''}; files written: ${r.wave2Files}`,
    );
  }
  console.log('');
}

function reportMemory(r: any) {
  const at = (n: number) => r.samples.find((s: any) => s.at === n);
  console.log(`memory, ${fmt(MEMORY_NOTIFICATIONS)} notifications through the router into a bounded sink (${fmt(r.perSecond)}/s), after a forced GC:`);
  for (const s of r.samples) console.log(`  ${fmt(s.at).padStart(7)}: heap ${fmt(s.heapMb, 1).padStart(6)} MB, RSS ${fmt(s.rssMb, 1).padStart(6)} MB`);
  const heap = at(MEMORY_NOTIFICATIONS).heapMb - at(2 * MEMORY_STEP).heapMb;
  const rss = at(MEMORY_NOTIFICATIONS).rssMb - at(2 * MEMORY_STEP).rssMb;
  console.log(`  growth 20,000 → 100,000: heap ${heap >= 0 ? '+' : ''}${fmt(heap, 2)} MB, RSS ${rss >= 0 ? '+' : ''}${fmt(rss, 1)} MB (target: flat, a few MB at most)\n`);
}

const caseArg = process.argv.indexOf('--case');
if (caseArg > 0) {
  const name = process.argv[caseArg + 1];
  const result =
    name === 'router' ? await routerCase() : name.startsWith('e2e') ? await e2eCase(name === 'e2e' ? 'all-at-once' : name === 'e2e-paced' ? 'paced' : 'per-file') : await memoryCase();
  console.log(JSON.stringify(result));
  // Agenda leaves a lock-check timer (half the 10 min lock lifetime) behind each job it ran.
  process.exit(0);
} else {
  const only = process.argv.slice(2).filter((a) => (CASES as readonly string[]).includes(a));
  const database = await startTestDatabase();
  const files = await startFileServer();
  console.log(
    `WIS2 downloader benchmark (${process.env.MONGODB_URI ? 'MONGODB_URI' : 'FerretDB on SQLite'}, one process per case, ` +
      `Agenda as in src/app.ts: processEvery 200 ms, maxConcurrency ${APP_MAX_CONCURRENCY})\n`,
  );
  try {
    for (const name of only.length > 0 ? only : DEFAULT_CASES) {
      const dbName = `bench_wis2_${name.replace('-', '_')}_${Date.now()}`;
      const outcome = await runChild(name, {
        MONGODB_URI: database.uri,
        BENCH_WIS2_FILES: files.url,
        BENCH_WIS2_DB: dbName,
        ...(process.env.MONGODB_URI ? {} : { BENCH_WIS2_FERRETDB: '1' }),
      });
      await dropDatabase(database.uri, dbName).catch(() => undefined);
      if (!outcome.ok) {
        console.log(`${name}: FAILED\n${outcome.error}\n`);
        process.exitCode = 1;
        continue;
      }
      if (name === 'router') reportRouter(outcome.result);
      else if (name.startsWith('e2e')) reportE2e(outcome.result);
      else reportMemory(outcome.result);
    }
  } finally {
    await files.stop();
    await database.stop();
  }
}
