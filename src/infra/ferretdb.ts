/**
 * The bundled MongoDB-protocol server: FerretDB v1 embedded in a tiny Go program (tools/ferretdb), built once into a
 * cache outside git and started on loopback with SQLite files (or in memory, for tests).
 *
 * It lives and dies with the process that starts it: the runner stops when its stdin (a pipe from us) closes, which
 * the kernel does however we end, and leaves SIGINT/SIGTERM to us while we live, so our graceful stop still has its
 * database. It holds a lock on its data folder, so a second server never opens the same SQLite files; a server left
 * over on the folder whose parent is gone is stopped before a new one starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { projectPath } from '../project-root.js';

const FERRETDB_VERSION = 'v1.24.1';
const sourceDir = `${projectPath('tools', 'ferretdb')}/`;
const BINARY_PREFIX = 'ferretdb-runner-';
/** Written by the runner into its data folder: `{"pid":…,"parentPid":…}` of the server holding the folder. */
const LOCK_FILE = 'ferretdb.lock';
/** The runner's exit code when another server holds the folder's lock. */
const EXIT_FOLDER_IN_USE = 3;
const STOP_TIMEOUT_MS = 5000;

/** The cached binary is named by FerretDB version and a hash of the runner's source, so a changed runner is rebuilt. */
export function ferretdbBinaryPath(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'gasflux-api', `${BINARY_PREFIX}${FERRETDB_VERSION}-${runnerSourceHash()}`);
}

/**
 * Changes made to FerretDB's source before it is built (exact text, each must match once).
 * - The SQLite backend's `_id` lookups were full-table scans: its WHERE clause reads `_id` as `sjson->'$._id'`,
 *   but the unique index it creates on `_id` is on `sjson->"_id"`, a different expression to SQLite's planner, so
 *   the index was never used (EXPLAIN: SCAN). Written the index's way, every find, update and delete by `_id` is an
 *   index search (same values: both paths name the `_id` field); existing databases need no migration.
 * - The `_id` was pushed down only when it was the filter's one key; `{_id, expiresAt: {$gt: …}}` scanned the whole
 *   table. It is now pushed down whenever the filter has it at the top level (an implicit AND: the rest of the filter
 *   is still applied by FerretDB's handler to what comes back, as it is for every query). `Len` is asked first: a
 *   query without a filter (an aggregation without $match) has a nil document, whose `Has` would panic.
 * - explain reports the same (the filter counts as pushed down only when `_id` was all of it).
 * - `_id: {$in: [...]}` of strings and ObjectIds (up to 1,000) is pushed down too, as `IN (…)`, an index search
 *   per value: a download's three dedup trackers are one query, and the locks of a batch one delete. Explain the same.
 */
const FERRETDB_PATCHES = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: 'IDColumn = DefaultColumn + `->"_id"`',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'if params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\twhereClause',
    to: 'if params.Filter.Len() > 0 && params.Filter.Has("_id") {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\twhereClause',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'if params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = true',
    to: 'if params.Filter.Len() > 0 && params.Filter.Has("_id") {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = params.Filter.Len() == 1',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n\t\t}\n\t}\n\n\tq += whereClause',
    to: 'args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n\t\tcase *types.Document:\n\t\t\twhereClause, args = idInClause(v.(*types.Document))\n\t\t}\n\t}\n\n\tq += whereClause',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n\t\t}\n\t}\n\n\torderByClause :=',
    to: 'args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n\t\tcase *types.Document:\n\t\t\twhereClause, args = idInClause(v.(*types.Document))\n\t\t}\n\t}\n\n\torderByClause :=',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: '// InsertAll implements backends.Collection interface.',
    to: [
      '// idInClause is the WHERE clause of `{$in: [...]}` on _id when every value is a string or an ObjectID (gasflux-api).',
      'func idInClause(d *types.Document) (string, []any) {',
      '\tif d.Len() != 1 {',
      '\t\treturn "", nil',
      '\t}',
      '\tin, err := d.Get("$in")',
      '\tif err != nil {',
      '\t\treturn "", nil',
      '\t}',
      '\tarr, ok := in.(*types.Array)',
      '\tif !ok || arr.Len() == 0 || arr.Len() > 1000 {',
      '\t\treturn "", nil',
      '\t}',
      '\tplaceholders := make([]string, 0, arr.Len())',
      '\targs := make([]any, 0, arr.Len())',
      '\tfor i := 0; i < arr.Len(); i++ {',
      '\t\te := must.NotFail(arr.Get(i))',
      '\t\tswitch e.(type) {',
      '\t\tcase string, types.ObjectID:',
      '\t\tdefault:',
      '\t\t\treturn "", nil',
      '\t\t}',
      '\t\tplaceholders = append(placeholders, "?")',
      '\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(e))))',
      '\t}',
      '\treturn fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, strings.Join(placeholders, ", ")), args',
      '}',
      '',
      '// InsertAll implements backends.Collection interface.',
    ].join('\n'),
  },
];

function runnerSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum']) hash.update(`${file}\0`).update(readFileSync(join(sourceDir, file)));
  hash.update(JSON.stringify(FERRETDB_PATCHES));
  return hash.digest('hex').slice(0, 12);
}

/** FerretDB's module source, copied from the Go module cache next to the binary and patched (FERRETDB_PATCHES). */
function patchedFerretdbSource(workDir: string, env: NodeJS.ProcessEnv): string {
  const download = spawnSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], { cwd: sourceDir, env, encoding: 'utf8' });
  if (download.error || download.status !== 0) throw new Error(`go mod download FerretDB: ${download.error?.message ?? download.stderr ?? download.stdout}`);
  const { Dir } = JSON.parse(download.stdout) as { Dir: string };
  const target = join(workDir, 'ferretdb-src');
  rmSync(target, { recursive: true, force: true });
  cpSync(Dir, target, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', target]);
  for (const patch of FERRETDB_PATCHES) {
    const path = join(target, patch.file);
    const text = readFileSync(path, 'utf8');
    if (text.split(patch.from).length !== 2) throw new Error(`FerretDB patch does not apply to ${patch.file}: expected '${patch.from}' once`);
    writeFileSync(path, text.replace(patch.from, patch.to));
  }
  return target;
}

/** Builds the runner with the Go toolchain unless the cached binary exists. Takes about a minute the first time. */
export function ensureFerretdbBinary(log: (message: string) => void = () => {}): string {
  const binary = ferretdbBinaryPath();
  if (existsSync(binary)) return binary;
  mkdirSync(join(binary, '..'), { recursive: true });
  log(`building the bundled FerretDB ${FERRETDB_VERSION} (first start only) into ${binary}`);
  const partial = `${binary}.partial-${process.pid}`;
  // FerretDB is not in the public checksum database; its go.sum entry in tools/ferretdb pins it instead.
  const env = { ...process.env, CGO_ENABLED: '0', GONOSUMDB: 'github.com/FerretDB/FerretDB', GOFLAGS: '-mod=mod' };
  const workDir = `${binary}.build-${process.pid}`;
  /** Why the build failed; null when it succeeded. */
  let failure: string | null;
  try {
    mkdirSync(workDir, { recursive: true });
    const patched = patchedFerretdbSource(workDir, env);
    // The runner's go.mod, pointed at the patched copy, outside the repository.
    const modfile = join(workDir, 'go.mod');
    writeFileSync(modfile, `${readFileSync(join(sourceDir, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${patched}\n`);
    writeFileSync(join(workDir, 'go.sum'), readFileSync(join(sourceDir, 'go.sum')));
    const build = spawnSync('go', ['build', `-modfile=${modfile}`, '-trimpath', '-o', partial, '.'], { cwd: sourceDir, env, encoding: 'utf8' });
    failure = build.error ? build.error.message : build.status !== 0 ? build.stderr : null;
  } catch (error) {
    failure = (error as Error).message;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  if (failure !== null) {
    throw new Error(`Could not build the bundled FerretDB (needs Go ≥ 1.24 and the Go module proxy), or set MONGODB_URI to a MongoDB server: ${failure}`);
  }
  renameSync(partial, binary);
  return binary;
}

export interface FerretdbServer {
  uri: string;
  stop(): Promise<void>;
}

/** The data folder is held by the FerretDB of a service that is still running. main prints the message alone. */
export class DatabaseFolderInUseError extends Error {
  constructor(dataDir: string, servicePid: number | null) {
    const by = servicePid === null ? 'another running GasFlux API' : `another running GasFlux API (process ${servicePid})`;
    super(`the database folder ${dataDir} is in use by ${by}: stop it first, or set GASFLUX_DATABASE_FOLDER to another folder`);
  }
}

/**
 * Starts FerretDB on a free loopback port with its SQLite files in `dataDir`, and resolves once it prints its URI.
 * (The runner's in-memory mode is not used: without WAL, an open read cursor there blocks every writer.)
 */
export async function startFerretdb(options: { dataDir: string; log?: (message: string) => void }): Promise<FerretdbServer> {
  const log = options.log ?? (() => {});
  const binary = ensureFerretdbBinary(log);
  const dataDir = resolvePath(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  await stopStaleServers(dataDir, log);
  const args = ['-listen', '127.0.0.1:0', '-data', dataDir, '-log-level', 'error', '-exit-with-stdin'];
  // We never write to its stdin: the open pipe tells the runner we are alive.
  const child: ChildProcess = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const uri = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) =>
      reject(
        code === EXIT_FOLDER_IN_USE
          ? new DatabaseFolderInUseError(dataDir, readLockHolder(dataDir)?.parentPid ?? null)
          : new Error(`FerretDB exited with code ${code}: ${stderr}`),
      ),
    );
    child.once('error', reject);
  });
  return {
    uri,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // Closing its stdin is the stop request: while we live, the runner leaves SIGINT and SIGTERM to us.
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS).unref();
      }),
  };
}

interface LockHolder {
  pid: number;
  parentPid: number;
}

function readLockHolder(dataDir: string): LockHolder | null {
  try {
    const record = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
    return Number.isInteger(record.pid) && Number.isInteger(record.parentPid) ? record : null;
  } catch {
    return null;
  }
}

interface RunnerProcess {
  pid: number;
  parentPid: number;
  /** The parent that started it, as its lock file records (null for a runner that wrote none). */
  startedBy: number | null;
}

/**
 * A server on the folder whose service is gone (a crash before runners watched their stdin, or one still closing) is
 * stopped; one whose service is alive is an error. Needs /proc (Linux); elsewhere the runner's lock is the only guard.
 */
async function stopStaleServers(dataDir: string, log: (message: string) => void): Promise<void> {
  for (const runner of runnersServing(dataDir)) {
    if (!isOrphaned(runner)) throw new DatabaseFolderInUseError(dataDir, runner.parentPid);
    log(`stopping a stale bundled FerretDB (process ${runner.pid}) left on ${dataDir} by a service that is gone`);
    await stopProcess(runner.pid);
  }
}

/** Our runners (any build) whose -data is `dataDir`, recognised by their command line. */
function runnersServing(dataDir: string): RunnerProcess[] {
  if (!existsSync('/proc/self/stat')) return [];
  const holder = readLockHolder(dataDir);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      const pid = Number(name);
      const args = readProcFile(pid, 'cmdline')?.split('\0') ?? [];
      const data = args.indexOf('-data');
      if (!basename(args[0] ?? '').startsWith(BINARY_PREFIX) || data < 0 || resolvePath(args[data + 1] ?? '') !== dataDir) return [];
      const stat = processStat(pid);
      if (!stat || stat.state === 'Z') return [];
      return [{ pid, parentPid: stat.parentPid, startedBy: holder?.pid === pid ? holder.parentPid : null }];
    });
}

/** The kernel gives an orphan a new parent (PID 1 or a subreaper); for a runner that recorded none, PID 1 tells. */
function isOrphaned(runner: RunnerProcess): boolean {
  return runner.startedBy === null ? runner.parentPid === 1 : runner.parentPid !== runner.startedBy;
}

async function stopProcess(pid: number): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!isRunning(pid)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`could not stop the stale bundled FerretDB (process ${pid})`);
}

function isRunning(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== null && stat.state !== 'Z';
}

function processStat(pid: number): { state: string; parentPid: number } | null {
  const stat = readProcFile(pid, 'stat');
  if (!stat) return null;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
  const [state, parentPid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, parentPid: Number(parentPid) };
}

function readProcFile(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}
