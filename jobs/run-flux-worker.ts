import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import type { FluxWorkerInput, FluxWorkerMessage } from './flux-worker.js';

// Compiled (dist/): the worker module itself; under tsx (tests, `npm run dev`): a bootstrap that registers tsx first.
const entry = import.meta.url.endsWith('.js') ? new URL('./flux-worker.js', import.meta.url) : new URL('./flux-worker-entry.mjs', import.meta.url);
/** How often the resident memory of a running flight is read (Linux /proc). */
const MEMORY_CHECK_MS = 200;
/** How long a flight's process may take to exit after its final message before it is killed. */
const EXIT_GRACE_MS = 10_000;
/** The nice value of a flight's process (0 normal … 19 lowest). */
const FLIGHT_NICENESS = 10;

/** The run was stopped from outside (`signal`): its process is gone, whatever it had written stays to be removed. */
export class FluxRunStopped extends Error {
  constructor() {
    super('the run was stopped');
    this.name = 'FluxRunStopped';
  }
}

/** The run went over its budget: `kind` says which, `limit` the bound (MB or seconds); its process is gone. */
export class FluxRunLimit extends Error {
  constructor(
    readonly kind: 'memory' | 'time',
    readonly limit: number,
  ) {
    super(kind === 'memory' ? `the flight needed more than its ${limit} MB of memory` : `the flight took longer than its ${limit} s`);
    this.name = 'FluxRunLimit';
  }
}

export interface FluxRunBudget {
  /** Resident memory of the flight's process (heap, typed arrays, everything), MB. */
  memoryMb: number;
  /** Wall clock, ms. */
  timeoutMs: number;
}

/** Resident set size of a process in MB, or null where /proc cannot tell. */
async function residentMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs one analysis in a child process within `budget`, relaying its messages; resolves with the final one. A child
 * process, not a worker thread: a worker thread's heap limit can abort the whole service in some V8 paths
 * (nodejs/node#47224, seen here), and it does not count typed arrays. The child's heap is capped by V8 and its
 * resident memory watched; over either, or over its time, it is killed and the promise rejects with FluxRunLimit.
 * Aborting `signal` kills it and rejects with FluxRunStopped. Every outcome, the final message too, is settled only once
 * the process has exited, so a finished job leaves no process behind (a service stopping right after would orphan it).
 */
export function runFluxWorker(
  input: FluxWorkerInput,
  onMessage: (message: FluxWorkerMessage) => void,
  options: { signal?: AbortSignal; budget: FluxRunBudget },
): Promise<Extract<FluxWorkerMessage, { type: 'done' | 'error' }>> {
  const { signal, budget } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FluxRunStopped());
    const child: ChildProcess = fork(entry, [], {
      execArgv: [`--max-old-space-size=${budget.memoryMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    // Flights are batch work: below the API and the database in the CPU's queue, so a machine full of flights still
    // answers requests promptly (bench:api health-under-uploads).
    try {
      setPriority(child.pid!, FLIGHT_NICENESS);
    } catch {
      /* not permitted here: run at normal priority */
    }
    let settled = false;
    let exitGrace: NodeJS.Timeout | undefined;
    let final: Extract<FluxWorkerMessage, { type: 'done' | 'error' }> | null = null;
    let overBudget: FluxRunLimit | null = null;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      overBudget = new FluxRunLimit('time', Math.round(budget.timeoutMs / 1000));
      kill();
    }, budget.timeoutMs);
    const watch = setInterval(() => {
      void residentMb(child.pid!).then((mb) => {
        if (mb !== null && mb > budget.memoryMb && !overBudget) {
          overBudget = new FluxRunLimit('memory', budget.memoryMb);
          kill();
        }
      });
    }, MEMORY_CHECK_MS);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('message', (message: FluxWorkerMessage) => {
      if (final) return;
      if (message.type === 'progress') onMessage(message);
      else {
        final = message;
        clearTimeout(timer);
        clearInterval(watch);
        exitGrace = setTimeout(kill, EXIT_GRACE_MS);
      }
    });
    child.on('error', (error) => {
      if (settled || final) return;
      settled = true;
      reject(error);
    });
    child.on('exit', (code, exitSignal) => {
      clearTimeout(timer);
      clearTimeout(exitGrace);
      clearInterval(watch);
      signal?.removeEventListener('abort', kill);
      if (settled) return;
      settled = true;
      if (final) return resolve(final);
      if (signal?.aborted) return reject(new FluxRunStopped());
      if (!overBudget && /heap out of memory|Reached heap limit/.test(stderr)) overBudget = new FluxRunLimit('memory', budget.memoryMb);
      reject(overBudget ?? new Error(`the flux process ended (${exitSignal ?? `code ${code}`}) before finishing: ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
    child.send(input);
  });
}
