import type { Agenda } from 'agenda';
import { z } from 'zod';
import type { Logger } from '../src/logger.js';
import type { TaskService } from '../src/domain/task-service.js';
import { defineJob, type JobDefinition } from './define-job.js';

export const CLEANUP_JOB = 'gasflux.cleanup-expired-tasks';

/** The job takes no data: what expires, and how often it is looked for, are the worker's settings. */
const cleanupData = z.strictObject({}).nullish();

export interface CleanupContext {
  tasks: TaskService;
  maxAgeSeconds: number;
  lockLifetimeMs: number;
  log: Logger;
}

/** Every GASFLUX_TASK_CLEANUP_INTERVAL seconds: remove finished tasks older than GASFLUX_MAX_TASK_AGE, with files. */
export function cleanupExpiredTasksJob(context: CleanupContext): JobDefinition {
  return defineJob(
    { name: CLEANUP_JOB, data: cleanupData, concurrency: 1, lockLifetime: context.lockLifetimeMs, log: context.log },
    async () => {
      await context.tasks.removeExpired(context.maxAgeSeconds);
    },
  );
}

/** The one repeating cleanup job (Agenda keeps a single one of the name, whichever worker schedules it). */
export async function scheduleCleanup(agenda: Agenda, intervalSeconds: number): Promise<void> {
  await agenda.every(`${intervalSeconds} seconds`, CLEANUP_JOB, undefined, { skipImmediate: true });
}
