import type { Job } from 'agenda';

/**
 * Runs `work` with the Agenda job's lock refreshed on a clock (a quarter of its lifetime), not by progress: one step
 * can outlast the lock lifetime on a busy machine, and only a dead worker's job may be taken over.
 */
export async function whileLocked<T>(job: Pick<Job, 'touch'>, lockLifetimeMs: number, work: () => Promise<T>, onError: (error: unknown) => void): Promise<T> {
  const timer = setInterval(() => {
    job.touch().catch(onError);
  }, lockLifetimeMs / 4);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
