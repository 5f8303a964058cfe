/**
 * The bundled FerretDB lives and dies with the service. The service runs here as a real process (`node --import tsx
 * src/main.ts`, or `npm start`) with no MONGODB_URI and every folder in a temporary directory. Killed with SIGKILL, it
 * leaves no FerretDB behind and starts again on the same folder with its data; a second service on that folder, or a
 * port already taken, is a one-line error that leaves no FerretDB behind; a FerretDB left on the folder by a service
 * that is gone is stopped at start-up; SIGTERM to `npm start` reaches the service, which stops gracefully, and the
 * FerretDB leaves signals meant for the whole service to it, so it stops last.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { eventually } from '../helpers/app-harness.ts';
import { ensureFerretdbBinary } from '../../src/infra/ferretdb.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT = { timeout: 180_000 };
const TOPIC = 'cache/a/wis2/+/data/core/weather/surface-based-observations/#';

interface Service {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
}

const dirs: string[] = [];

function serviceDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-embedded-db-'));
  dirs.push(dir);
  return dir;
}

const databaseFolder = (dir: string) => join(dir, 'database');

/** The service's environment: ours without any setting of the service, then every folder under `dir`, free ports. */
function serviceEnv(dir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !/^(GASFLUX_|WIS2_|MONGODB_)/.test(name));
  return {
    ...Object.fromEntries(inherited),
    GASFLUX_HOST: '127.0.0.1',
    GASFLUX_PORT: '0',
    WIS2_PORT: '0',
    WIS2_BROKER_URL: 'none',
    GASFLUX_LOG_LEVEL: 'INFO',
    GASFLUX_LOG_FILE: join(dir, 'logs', 'gasflux_api.log'),
    GASFLUX_UPLOAD_FOLDER: join(dir, 'uploads'),
    GASFLUX_OUTPUT_FOLDER: join(dir, 'outputs'),
    GASFLUX_DATABASE_FOLDER: databaseFolder(dir),
    WIS2_DATA_FOLDER: join(dir, 'wis2', 'downloads'),
    WIS2_SECRET_KEY_FILE: join(dir, 'wis2', 'secret.key'),
    ...env,
  };
}

/** `node --import tsx src/main.ts`, or `npm start` (the README's command), from the repository with folders in `dir`. */
function startService(dir: string, options: { npm?: boolean; ownProcessGroup?: boolean; env?: Record<string, string> } = {}): Service {
  const [command, args] = options.npm ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: serviceEnv(dir, options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** The node process `npm start` exec'd into (npm runs its script through sh; `exec` replaces sh with node). */
function serviceProcess(npmPid: number): number {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === npmPid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('main.js')) return Number(name);
    } catch {
      /* gone */
    }
  }
  throw new Error(`no service process under npm (pid ${npmPid})`);
}

/** The service's JSON log lines on stdout (npm's own lines are skipped). */
function logLines(service: Service): Array<Record<string, unknown>> {
  return service.stdout().split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

/** Waits until both APIs listen, and returns their ports. */
async function listening(service: Service): Promise<{ port: number; wis2Port: number }> {
  return eventually(async () => {
    if (service.child.exitCode !== null) throw new Error(`the service exited with ${service.child.exitCode}: ${service.stderr()}`);
    const lines = logLines(service);
    const port = lines.find((l) => l.msg === 'listening')?.port as number | undefined;
    const wis2Port = lines.find((l) => l.msg === 'WIS2 subscription API listening')?.port as number | undefined;
    return port && wis2Port ? { port, wis2Port } : undefined;
  }, START_TIMEOUT_MS, 'the service to listen');
}

async function exited(service: Service, timeoutMs = START_TIMEOUT_MS): Promise<{ code: number | null; signal: string | null }> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service still runs after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

async function stopGracefully(service: Service): Promise<number | null> {
  service.child.kill('SIGTERM');
  return (await exited(service)).code;
}

interface ProcessInfo {
  pid: number;
  args: string[];
  environment: string;
}

/** Every live process but this one (zombies hold no files and are left out). */
function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return [];
        const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        return [{ pid: Number(name), args, environment: readFileSync(`/proc/${name}/environ`, 'utf8') }];
      } catch {
        return []; // ended meanwhile
      }
    });
}

/** The FerretDB runners serving `folder`, whatever their build. */
function ferretdbProcessesOn(folder: string): number[] {
  return processes()
    .filter((p) => basename(p.args[0]).startsWith('ferretdb-runner') && p.args.includes(folder))
    .map((p) => p.pid);
}

/** Anything still running for the service of `dir`: the service (by its environment) or its FerretDB. */
function processesOf(dir: string): number[] {
  return processes()
    .filter((p) => p.environment.includes(dir) || p.args.some((arg) => arg.includes(dir)))
    .map((p) => p.pid);
}

/** The TCP port `pid` listens on: its socket inodes looked up in /proc/net/tcp. */
function listeningPort(pid: number): number {
  const sockets = new Set(
    readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      } catch {
        return undefined;
      }
    }),
  );
  for (const line of readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1)) {
    const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
    if (state === '0A' && sockets.has(inode)) return parseInt(local.split(':')[1], 16);
  }
  throw new Error(`process ${pid} listens on no TCP port`);
}

async function noFerretdbLeftOn(folder: string): Promise<void> {
  await eventually(async () => (ferretdbProcessesOn(folder).length === 0 ? true : undefined), 5000, `no FerretDB left on ${folder}`);
}

function assertOneLine(text: string, expected: string): void {
  assert.equal(text.trim(), expected, 'exactly this one line on stderr');
}

/** A port another process (this test) listens on. */
async function takePort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A FerretDB runner on `folder` whose starting process has exited (as after a crash) and that does not stop by itself:
 * its stdin is a FIFO this test keeps open. `release()` closes it, which ends the runner if it still runs.
 */
async function startOrphanedFerretdb(folder: string, scratch: string): Promise<{ pid: number; release(): void }> {
  const fifo = join(scratch, 'stale-stdin');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const writer = openSync(fifo, 'r+');
  // The shell plays the service: it starts the runner, waits until the runner has locked the folder, and exits.
  const script = [
    '"$0" -listen 127.0.0.1:0 -data "$1" -log-level error -exit-with-stdin <"$2" >/dev/null 2>&1 &',
    'runner=$!',
    'for i in $(seq 200); do grep -q "\\"pid\\":$runner," "$1/ferretdb.lock" 2>/dev/null && break; sleep 0.05; done',
    'echo $runner',
  ].join('\n');
  const shell = spawnSync('sh', ['-c', script, ensureFerretdbBinary(), folder, fifo], { encoding: 'utf8' });
  const pid = Number(shell.stdout.trim());
  const release = () => closeSync(writer);
  try {
    const holder = JSON.parse(readFileSync(join(folder, 'ferretdb.lock'), 'utf8'));
    assert.deepEqual(holder, { pid, parentPid: shell.pid }, 'the stale FerretDB holds its folder');
  } catch (error) {
    release();
    throw error;
  }
  return { pid, release };
}

describe('the bundled FerretDB lives and dies with the service', () => {
  after(() => {
    // A failed test may leave its service or FerretDB behind: end them, then remove the folders.
    for (const dir of dirs) {
      for (const pid of processesOf(dir)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a service killed with SIGKILL leaves no FerretDB behind, and starts again on the same folder with its data', TEST_TIMEOUT, async () => {
    const dir = serviceDir();
    const first = startService(dir);
    const { wis2Port } = await listening(first);
    assert.equal(ferretdbProcessesOn(databaseFolder(dir)).length, 1);
    const created = await fetch(`http://127.0.0.1:${wis2Port}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: TOPIC, target: 'surface-obs' }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };

    first.child.kill('SIGKILL');
    await exited(first);
    await noFerretdbLeftOn(databaseFolder(dir));
    assert.deepEqual(processesOf(dir), []);
    assert.ok(existsSync(join(databaseFolder(dir), 'gasflux.sqlite')));

    const second = startService(dir);
    const ports = await listening(second);
    assert.equal((await fetch(`http://127.0.0.1:${ports.port}/health`)).status, 200);
    const kept = await fetch(`http://127.0.0.1:${ports.wis2Port}/subscriptions/${encodeURIComponent(id)}`);
    assert.equal(kept.status, 200);
    assert.equal(((await kept.json()) as { topic: string }).topic, TOPIC);
    assert.equal(await stopGracefully(second), 0);
    await noFerretdbLeftOn(databaseFolder(dir));
  });

  test('a second service on the same database folder stops with a one-line error, and the first keeps running', TEST_TIMEOUT, async () => {
    const dir = serviceDir();
    const first = startService(dir);
    const { port } = await listening(first);

    const second = startService(dir);
    const { code } = await exited(second);
    assert.equal(code, 1);
    assertOneLine(
      second.stderr(),
      `the database folder ${databaseFolder(dir)} is in use by another running GasFlux API (process ${first.child.pid}): ` +
        'stop it first, or set GASFLUX_DATABASE_FOLDER to another folder',
    );
    assert.equal(ferretdbProcessesOn(databaseFolder(dir)).length, 1);
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
    assert.equal(await stopGracefully(first), 0);
    await noFerretdbLeftOn(databaseFolder(dir));
  });

  test('a FerretDB left on the folder by a service that is gone is stopped before a new one starts', TEST_TIMEOUT, async () => {
    const dir = serviceDir();
    const stale = await startOrphanedFerretdb(databaseFolder(dir), dir);
    try {
      const service = startService(dir);
      await listening(service);
      const running = ferretdbProcessesOn(databaseFolder(dir));
      assert.equal(running.length, 1);
      assert.notEqual(running[0], stale.pid);
      assert.ok(
        logLines(service).some((l) => String(l.msg).startsWith(`stopping a stale bundled FerretDB (process ${stale.pid})`)),
        'the service says it stopped the stale server',
      );
      assert.equal(await stopGracefully(service), 0);
    } finally {
      stale.release();
    }
  });

  for (const variable of ['GASFLUX_PORT', 'WIS2_PORT']) {
    test(`a ${variable} already in use is a one-line error naming the port and the variable, and leaves no FerretDB behind`, TEST_TIMEOUT, async () => {
      const dir = serviceDir();
      const taken = await takePort();
      try {
        const service = startService(dir, { env: { [variable]: String(taken.port) } });
        const { code } = await exited(service);
        assert.notEqual(code, 0);
        assertOneLine(
          service.stderr(),
          `port ${taken.port} on 127.0.0.1 is already in use (${variable}): stop the other process, or set ${variable} to a free port`,
        );
        await noFerretdbLeftOn(databaseFolder(dir));
        assert.deepEqual(processesOf(dir), []);
      } finally {
        await taken.release();
      }
    });
  }

  test('SIGINT and SIGTERM that reach the whole service (Ctrl-C, systemd) leave the bundled FerretDB to the service', TEST_TIMEOUT, async () => {
    const dir = serviceDir();
    const service = startService(dir, { npm: true, ownProcessGroup: true });
    const { wis2Port } = await listening(service);
    const [ferretdb] = ferretdbProcessesOn(databaseFolder(dir));
    process.kill(ferretdb, 'SIGINT');
    process.kill(ferretdb, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(ferretdbProcessesOn(databaseFolder(dir)), [ferretdb], 'the FerretDB still runs');
    // Still accepting connections, not only serving the ones it has.
    const client = new MongoClient(`mongodb://127.0.0.1:${listeningPort(ferretdb)}/`, { maxPoolSize: 1, serverSelectionTimeoutMS: 3000 });
    try {
      assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
    } finally {
      await client.close();
    }
    const created = await fetch(`http://127.0.0.1:${wis2Port}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: TOPIC, target: 'surface-obs' }),
    });
    assert.equal(created.status, 201);

    // As systemd stops a unit: SIGTERM to npm, the service and its FerretDB at once.
    process.kill(-service.child.pid!, 'SIGTERM');
    assert.deepEqual(await exited(service), { code: 0, signal: null });
    const lines = logLines(service);
    assert.ok(lines.some((l) => l.msg === 'stopped'), 'the service stopped');
    await noFerretdbLeftOn(databaseFolder(dir));
    assert.deepEqual(processesOf(dir), []);
  });

  test('`npm start` runs the compiled service, whose flights complete; SIGTERM reaches it, it stops gracefully, exit 0', TEST_TIMEOUT, async () => {
    const dir = serviceDir();
    const service = startService(dir, { npm: true });
    const { port } = await listening(service);
    const serviceCommand = readFileSync(`/proc/${serviceProcess(service.child.pid!)}/cmdline`, 'utf8').split('\0');
    assert.ok(serviceCommand.some((arg) => arg.endsWith('dist/src/main.js')), `the service runs compiled JavaScript: ${serviceCommand.join(' ')}`);
    // The flight runs in a child process of the compiled worker module (dist/jobs/flux-worker.js).
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(tableToWorkbookBuffer(syntheticFlight({ seed: 5 }).table, 'xlsx'))]), 'flight.xlsx');
    const uploaded = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: form });
    const upload = (await uploaded.json()) as { job_id: string };
    assert.equal(uploaded.status, 202, JSON.stringify(upload));
    const task = await eventually(async () => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/task/${upload.job_id}`)).json()) as { status: string; error?: string };
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    }, START_TIMEOUT_MS, 'the flight to finish');
    assert.equal(task.status, 'completed', JSON.stringify(task));
    service.child.kill('SIGTERM');
    assert.deepEqual(await exited(service), { code: 0, signal: null });
    const lines = logLines(service);
    assert.ok(lines.some((l) => l.msg === 'signal received' && l.signal === 'SIGTERM'), 'the service logged the signal');
    assert.ok(lines.some((l) => l.msg === 'stopped'), 'the service stopped');
    await noFerretdbLeftOn(databaseFolder(dir));
    assert.deepEqual(processesOf(dir), []);
  });
});
