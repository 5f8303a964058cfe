/**
 * The bundled MongoDB-protocol server: FerretDB v1 embedded in a tiny Go program (tools/ferretdb), built once into a
 * cache outside git and started on loopback with SQLite files (or in memory, for tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FERRETDB_VERSION = 'v1.24.1';
const sourceDir = fileURLToPath(new URL('../../tools/ferretdb/', import.meta.url));

export function ferretdbBinaryPath(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'gasflux-api', `ferretdb-runner-${FERRETDB_VERSION}`);
}

/** Builds the runner with the Go toolchain unless the cached binary exists. Takes about a minute the first time. */
export function ensureFerretdbBinary(log: (message: string) => void = () => {}): string {
  const binary = ferretdbBinaryPath();
  if (existsSync(binary)) return binary;
  mkdirSync(join(binary, '..'), { recursive: true });
  log(`building the bundled FerretDB ${FERRETDB_VERSION} (first start only) into ${binary}`);
  const partial = `${binary}.partial-${process.pid}`;
  const build = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: sourceDir,
    // FerretDB is not in the public checksum database; its go.sum entry in tools/ferretdb pins it instead.
    env: { ...process.env, CGO_ENABLED: '0', GONOSUMDB: 'github.com/FerretDB/FerretDB', GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
  });
  if (build.error || build.status !== 0) {
    throw new Error(
      `Could not build the bundled FerretDB (needs Go ≥ 1.24 and the Go module proxy), or set MONGODB_URI to a MongoDB server: ${
        build.error?.message ?? build.stderr
      }`,
    );
  }
  renameSync(partial, binary);
  return binary;
}

export interface FerretdbServer {
  uri: string;
  stop(): Promise<void>;
}

/**
 * Starts FerretDB on a free loopback port with its SQLite files in `dataDir`, and resolves once it prints its URI.
 * (The runner's in-memory mode is not used: without WAL, an open read cursor there blocks every writer.)
 */
export async function startFerretdb(options: { dataDir: string; log?: (message: string) => void }): Promise<FerretdbServer> {
  const binary = ensureFerretdbBinary(options.log);
  mkdirSync(options.dataDir, { recursive: true });
  const args = ['-listen', '127.0.0.1:0', '-data', options.dataDir, '-log-level', 'error'];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const uri = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`FerretDB exited with code ${code}: ${stderr}`)));
    child.once('error', reject);
  });
  return {
    uri,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
