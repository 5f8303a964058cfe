/**
 * Starts the real service for integration tests: a FerretDB (SQLite files in a temporary folder, on a free loopback port) unless
 * MONGODB_URI is set, and buildApp on port 0 with its folders in a temporary directory.
 *
 * A suite asks for what it tests with useTestApp (one app) or useTestApps (several, e.g. with different settings, on one
 * database); both start before the suite's tests and stop after them. startTestApp is for apps a test starts and stops
 * itself, when that is what it tests (a restart, a worker started once work is queued).
 */
import { after, before } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { loadConfig, type AppConfig, type Role } from '../../src/config.ts';
import { buildApp, type App } from '../../src/app.ts';
import { startFerretdb, type FerretdbServer } from '../../src/infra/ferretdb.ts';
import type { Task } from '../../src/domain/task.ts';

export interface TestDatabase {
  uri: string;
  stop(): Promise<void>;
}

/** A MongoDB-protocol server for this test file: MONGODB_URI when given, else a fresh in-memory FerretDB. */
export async function startTestDatabase(): Promise<TestDatabase> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-ferretdb-'));
  // SQLite files, not memory: in memory mode an open read cursor blocks writers (no WAL).
  const server: FerretdbServer = await startFerretdb({ dataDir: dir });
  return {
    uri: server.uri,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunningApp {
  app: App;
  config: AppConfig;
  /** The database it runs on (other apps of the test can be started on it). */
  database: TestDatabase;
  /** Whether jobs run for it: in its own process, or in its worker process. */
  runsJobs: boolean;
  port: number;
  url: string;
  /** The WIS2 subscription API (0 and '' for a worker). */
  wis2Port: number;
  wis2Url: string;
  dir: string;
  /** Stops the app (and its worker process first, if it has one). */
  stop(): Promise<void>;
  /**
   * Stops the app, runs `meanwhile` (what happens while it is down), and starts it again on the same folder, database
   * and settings; this object then describes the new run (its ports are new).
   */
  restart(meanwhile?: () => Promise<void>): Promise<void>;
}

export interface TestAppOptions {
  /** Settings added to, or overriding, the tests' (GASFLUX_*, WIS2_*, …). */
  env?: Record<string, string>;
  role?: Role;
  dir?: string;
  dbName?: string;
  /**
   * Jobs in a worker process of its own (`npm run start:worker`, these settings added), as when roles run apart: the
   * app itself is then role `api`, and its events reach the worker's through the MongoDB event bus.
   */
  workerProcess?: Record<string, string>;
}

/** The service on a free port against `database`, in its own folder and database name unless given. */
export async function startTestApp(database: TestDatabase, options: TestAppOptions = {}): Promise<RunningApp> {
  const settings = {
    ...options,
    dir: options.dir ?? mkdtempSync(join(tmpdir(), 'gasflux-app-')),
    dbName: options.dbName ?? `t${randomUUID().replace(/-/g, '').slice(0, 20)}`,
  };
  let stopping: Promise<void> | null = null;
  let stopRun = async () => {};
  const launch = async () => {
    const launched = await launchTestApp(database, settings);
    Object.assign(running, launched.app);
    stopRun = launched.stop;
  };
  const running = {
    database,
    runsJobs: options.role !== 'api' || options.workerProcess !== undefined,
    dir: settings.dir,
    // Once: a suite's after hook may stop an app its test already stopped.
    stop: () => (stopping ??= stopRun()),
    async restart(meanwhile?: () => Promise<void>) {
      await running.stop();
      await meanwhile?.();
      await launch();
      stopping = null;
    },
  } as RunningApp;
  await launch();
  return running;
}

/** One run of the app (and of its worker process, if it has one), and how to stop both. */
async function launchTestApp(
  database: TestDatabase,
  options: TestAppOptions & { dir: string; dbName: string },
): Promise<{ app: Pick<RunningApp, 'app' | 'config' | 'port' | 'url' | 'wis2Port' | 'wis2Url'>; stop: () => Promise<void> }> {
  const { dir } = options;
  const config = loadConfig(
    {
      GASFLUX_HOST: '127.0.0.1',
      GASFLUX_PORT: '0',
      GASFLUX_UPLOAD_FOLDER: join(dir, 'uploads'),
      GASFLUX_OUTPUT_FOLDER: join(dir, 'outputs'),
      GASFLUX_LOG_FILE: join(dir, 'logs', 'gasflux_api.log'),
      GASFLUX_LOG_LEVEL: 'WARNING',
      MONGODB_URI: database.uri,
      MONGODB_DB: options.dbName,
      // Agenda keeps a lock-check timer of half the lock lifetime alive after the last job; keep test exits quick.
      GASFLUX_JOB_LOCK_LIFETIME: '6',
      WIS2_PORT: '0',
      WIS2_DATA_FOLDER: join(dir, 'wis2', 'downloads'),
      WIS2_SECRET_KEY_FILE: join(dir, 'wis2', 'secret.key'),
      // No Global Broker from tests; MQTT suites point this at their own Mosquitto.
      WIS2_BROKER_URL: 'none',
      // The tests' file servers are on loopback.
      WIS2_ALLOW_PRIVATE_NETWORKS: 'true',
      ...options.env,
    },
    { role: options.workerProcess ? 'api' : (options.role ?? 'all'), baseDir: dir },
  );
  const app = buildApp(config, { quietLogs: true });
  const { port, wis2Port } = await app.start();
  const launched = {
    app,
    config,
    port: port ?? 0,
    url: `http://127.0.0.1:${port}`,
    wis2Port: wis2Port ?? 0,
    wis2Url: wis2Port ? `http://127.0.0.1:${wis2Port}` : '',
  };
  if (!options.workerProcess) return { app: launched, stop: () => app.stop() };
  const worker = startWorkerProcess({ config, dir }, options.workerProcess);
  return {
    app: launched,
    stop: async () => {
      await stopProcess(worker);
      await app.stop();
    },
  };
}

const mainModule = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/**
 * `npm run start:worker` as its own process, working for `api` (same database and folders): jobs only, its events
 * reaching the API process through the MongoDB event bus. `env` adds or overrides settings.
 */
export function startWorkerProcess(api: Pick<RunningApp, 'config' | 'dir'>, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', mainModule, '--role', 'worker'], {
    env: {
      ...process.env,
      GASFLUX_UPLOAD_FOLDER: api.config.uploadFolder,
      GASFLUX_OUTPUT_FOLDER: api.config.outputFolder,
      GASFLUX_LOG_FILE: '',
      GASFLUX_JOB_LOCK_LIFETIME: '6',
      MONGODB_URI: api.config.mongodbUri!,
      MONGODB_DB: api.config.mongodbDb,
      WIS2_BROKER_URL: 'none',
      WIS2_DATA_FOLDER: api.config.wis2.dataFolder,
      WIS2_SECRET_KEY_FILE: api.config.wis2.secretKeyFile,
      GASFLUX_DATABASE_FOLDER: join(api.dir, 'database'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Stops a process started by startWorkerProcess (SIGTERM: running jobs finish first) and waits for it. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/**
 * Queues a task for `content` as if it had just been uploaded as `fileName` (written into the upload folder, task
 * created and its job queued), without going through HTTP.
 */
export async function queueUploadedFile(running: RunningApp, content: Uint8Array | string, fileName = 'flight.xlsx'): Promise<Task> {
  const { tasks } = running.app.services();
  const id = tasks.newTaskId();
  mkdirSync(join(running.config.uploadFolder, id), { recursive: true });
  writeFileSync(join(running.config.uploadFolder, id, fileName), content);
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  return tasks.create(id, { originalName: fileName, path: `${id}/${fileName}`, size, sha256: 'n/a' }, null);
}

/** Drops a test database (FerretDB keeps memory databases until it stops; a real MongoDB keeps them forever). */
export async function dropDatabase(uri: string, name: string): Promise<void> {
  const client = new MongoClient(uri, { maxPoolSize: 1 });
  try {
    await client.connect();
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Registers before/after hooks that start a database for the enclosing suite and stop it. Returns a getter. */
export function useTestDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  before(async () => {
    database = await startTestDatabase();
  });
  after(async () => {
    await database?.stop();
  });
  return () => {
    if (!database) throw new Error('the test database has not started');
    return database;
  };
}

/**
 * Stops the apps (together). Each app's queued and running tasks are let finish first (up to 15 s), and a short pause
 * lets the last job leave Agenda's running list: agenda 6's drain() can otherwise miss the job's completion and wait
 * out the whole shutdown grace (10 s).
 */
async function stopApps(apps: RunningApp[]): Promise<void> {
  await Promise.all(
    apps.map(async (app) => {
      if (!app.runsJobs) return; // its tasks stay queued
      const deadline = Date.now() + 15_000;
      for (;;) {
        const counts = await app.app.services().tasks.countByStatus().catch(() => null);
        if (!counts || counts.pending + counts.processing === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all(apps.map((app) => app.stop()));
}

/**
 * Registers before/after hooks that start a database and, on it, an app for each entry of `apps`, for the enclosing
 * suite, and stop them all after its tests. Returns a getter of the running apps by name, valid inside tests.
 */
export function useTestApps<Name extends string>(apps: Record<Name, TestAppOptions>): () => Record<Name, RunningApp> {
  let database: TestDatabase | undefined;
  let running: Record<string, RunningApp> | undefined;
  before(async () => {
    database = await startTestDatabase();
    const entries = Object.entries<TestAppOptions>(apps);
    const started = await Promise.allSettled(entries.map(([, options]) => startTestApp(database!, options)));
    running = {};
    started.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') running![entries[i][0]] = outcome.value;
    });
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  });
  after(async () => {
    await stopApps(Object.values(running ?? {}));
    await database?.stop();
  });
  return () => {
    if (!running) throw new Error('the test apps have not started');
    return running as Record<Name, RunningApp>;
  };
}

/** useTestApps with one app. */
export function useTestApp(options: TestAppOptions = {}): () => RunningApp {
  const apps = useTestApps({ app: options });
  return () => apps().app;
}
