/**
 * Loads the machine on purpose: one busy-looping child process per core, each ending by itself after `maxMs` even
 * if the test that started it dies, so a loaded run can never outlive its bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuLoad {
  stop(): Promise<void>;
}

export function loadCpu(maxMs: number, processes = availableParallelism()): CpuLoad {
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) {
    children.push(
      spawn(process.execPath, ['-e', `const end = Date.now() + ${Math.round(maxMs)}; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;`], {
        stdio: 'ignore',
      }),
    );
  }
  return {
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

/** Runs `work` with the machine loaded, for at most `maxMs` of load. */
export async function underCpuLoad<T>(maxMs: number, work: () => Promise<T>): Promise<T> {
  const load = loadCpu(maxMs);
  try {
    return await work();
  } finally {
    await load.stop();
  }
}
