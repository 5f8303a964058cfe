/**
 * Running the API document's example clients (test/clients/fixtures/) as the user would: a copy of the script in a
 * temporary working folder beside its input files, started with python3, node or bash, its output collected.
 * Also the `skip` reasons for a machine that lacks what a client needs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const repositoryNodeModules = fileURLToPath(new URL('../../node_modules/', import.meta.url));

/** Replaces `from` with `to` in `text`, which must hold `from` exactly once (so a changed fixture fails loudly). */
function substituteOnce(text: string, from: string, to: string, where: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${where}: expected ${JSON.stringify(from)} once, found it ${count} times`);
  return text.replace(from, () => to);
}

const workspaces: string[] = [];

export interface Workspace {
  dir: string;
  script: string;
}

/**
 * A temporary working folder holding `files` and a copy of the fixture `name` with `substitutions` applied
 * (each [from, to] must occur exactly once in the fixture).
 */
export function workspace(name: string, substitutions: [string, string][], files: Record<string, string | Uint8Array>): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-client-'));
  workspaces.push(dir);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  let source = readFileSync(join(fixturesDir, name), 'utf8');
  for (const [from, to] of substitutions) source = substituteOnce(source, from, to, name);
  const script = join(dir, name);
  writeFileSync(script, source);
  return { dir, script };
}

/** Removes every working folder `workspace` made. */
export function removeWorkspaces(): void {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface ClientRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** For assertion messages: the exit and everything the client printed. */
  transcript: string;
}

/** Runs `command args` in `cwd` and resolves when it exits; kills it after `timeoutMs`. */
export function runClient(command: string, args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ClientRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONIOENCODING: 'utf-8', ...env };
  // This process is a node:test child started with tsx; the client is a plain program.
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const transcript = `${command} ${args.join(' ')} exited with ${signal ?? code}\n--- stdout ---\n${stdout}--- stderr ---\n${stderr}`;
      resolve({ code, signal, stdout, stderr, transcript });
    });
  });
}

/** The lines of `text`, without line ends. */
export const lines = (text: string): string[] => text.split(/\r?\n/);

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The `skip` option for the Python client: false when python3 can import requests, otherwise the reason. */
export function needsPythonRequests(): false | string {
  if (!commandExists('python3')) return 'needs python3, which is absent: the documented Python client did not run';
  const probe = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' });
  return probe.status === 0
    ? false
    : 'needs the Python package requests (python3 -m pip install requests), which python3 cannot import: the documented Python client did not run';
}

/** The `skip` option for the Node.js client: false when axios and form-data resolve from the repository, otherwise the reason. */
export function needsAxiosAndFormData(): false | string {
  const require = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)));
  const missing = ['axios', 'form-data'].filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0
    ? false
    : `needs the npm packages ${missing.join(' and ')} (npm install), which are absent: the documented Node.js client did not run`;
}

/** The `skip` option for the cURL script: false when curl and jq are on PATH, otherwise the reason. */
export function needsCurlAndJq(): false | string {
  const missing = ['curl', 'jq'].filter((name) => !commandExists(name));
  return missing.length === 0
    ? false
    : `needs ${missing.join(' and ')} (apt-get install -y ${missing.join(' ')}), absent from PATH: the documented cURL script did not run`;
}
