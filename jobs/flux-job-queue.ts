import type { Agenda } from 'agenda';
import type { FluxJobQueue } from '../src/domain/task-service.js';
import type { TaskPriority } from '../src/domain/task.js';
import { PROCESS_FLIGHT_JOB } from './process-flight.js';

const YEAR_MS = 365 * 24 * 3600 * 1000;
/**
 * Agenda runs due jobs in order of nextRunAt and uses priority only on ties, so the queue position is encoded in
 * nextRunAt: a high-priority job is due "ten years ago", a normal one five, a low one now. Within a priority,
 * the oldest task runs first.
 */
const PRIORITY_LEAD_MS: Record<TaskPriority, number> = { high: 10 * YEAR_MS, normal: 5 * YEAR_MS, low: 0 };

/** The flux jobs of tasks on Agenda, ordered by task priority, then age. */
export function agendaFluxJobQueue(agenda: Agenda): FluxJobQueue {
  const cancel = async (taskId: string) => {
    await agenda.cancel({ name: PROCESS_FLIGHT_JOB, data: { taskId } });
  };
  const enqueue = async (taskId: string, priority: TaskPriority, queuedAt: Date = new Date()) => {
    await cancel(taskId);
    const dueAt = new Date(queuedAt.getTime() - PRIORITY_LEAD_MS[priority]);
    await agenda.create(PROCESS_FLIGHT_JOB, { taskId }).priority(priority).schedule(dueAt).save();
  };
  return { enqueue, cancel, reprioritise: enqueue };
}
