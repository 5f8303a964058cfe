/**
 * A flight's process does not outlive the job process that started it: when the worker is killed (SIGKILL, no
 * clean-up), its flight ends too instead of computing on beside the attempt another worker will start. And a flight
 * that finished is gone by the time its outcome is known, so a service stopping right after leaves no process behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { writeTableFile } from '../helpers/table-files.ts';
import { runFluxWorker } from '../../jobs/run-flux-worker.ts';

const parentScript = new URL('../helpers/orphan-flight-parent.ts', import.meta.url).pathname;

/** Processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

test('killing the job process ends its running flight', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-orphan-'));
  try {
    // Large enough to be mid-run for many seconds after its first progress report.
    const input = join(dir, 'flight.csv');
    writeTableFile(syntheticFlight({ rows: 60_000, seed: 11 }).table, input);
    const parent = spawn(process.execPath, ['--import', 'tsx', parentScript, input, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      parent.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('started')) resolve();
      });
      parent.once('exit', () => reject(new Error(`the job process ended before the flight started: ${output}`)));
    });
    const [flight] = childrenOf(parent.pid!);
    assert.ok(flight, 'the flight runs in a child process');
    parent.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + 60_000;
    while (alive(flight) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const stillRunning = alive(flight);
    if (stillRunning) process.kill(flight, 'SIGKILL');
    assert.equal(stillRunning, false, 'the orphaned flight kept running');
    assert.ok(!output.includes('done'), 'the flight had not finished when its job process was killed');
    // It stopped where it was, rather than computing and writing its results for nobody.
    const written = existsSync(join(dir, 'run')) ? readdirSync(join(dir, 'run'), { recursive: true }).map(String) : [];
    assert.deepEqual(written.filter((f) => f.endsWith('_output_vars.json') || f.endsWith('_report.html')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a finished flight has no process left when its outcome arrives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gasflux-finished-'));
  try {
    const input = join(dir, 'flight.csv');
    writeTableFile(syntheticFlight({ seed: 12 }).table, input);
    let flight = 0;
    const outcome = await runFluxWorker({ inputPath: input, configYaml: null, outputRoot: join(dir, 'run') }, () => {
      flight ||= childrenOf(process.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('flux-worker')) ?? 0;
    }, { budget: { memoryMb: 2048, timeoutMs: 600_000 } });
    assert.equal(outcome.type, 'done', JSON.stringify(outcome));
    assert.ok(flight, 'the flight ran in a child process');
    assert.equal(alive(flight), false, 'the flight process was still there when its outcome arrived');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
