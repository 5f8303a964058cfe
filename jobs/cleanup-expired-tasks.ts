import type { Agenda } from 'agenda';
import type { Logger } from '../src/logger.js';
import type { TaskService } from '../src/domain/task-service.js';

export const CLEANUP_JOB = 'gasflux.cleanup-expired-tasks';

/** Every GASFLUX_TASK_CLEANUP_INTERVAL seconds: remove finished tasks older than GASFLUX_MAX_TASK_AGE, with files. */
export async function scheduleCleanup(agenda: Agenda, context: { tasks: TaskService; intervalSeconds: number; maxAgeSeconds: number; log: Logger }) {
  agenda.define(CLEANUP_JOB, async () => {
    await context.tasks.removeExpired(context.maxAgeSeconds);
  });
  await agenda.every(`${context.intervalSeconds} seconds`, CLEANUP_JOB, undefined, { skipImmediate: true });
}
