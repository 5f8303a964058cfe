import type { Agenda } from 'agenda';
import type { TaskQueue } from '../src/domain/task-service.js';
import type { TaskPriority } from '../src/domain/task.js';
import { PROCESS_FLIGHT_JOB } from './process-flight.js';

/** Flux tasks as Agenda jobs; task priority maps onto Agenda's priority. */
export function agendaTaskQueue(agenda: Agenda): TaskQueue {
  const cancel = async (taskId: string) => {
    await agenda.cancel({ name: PROCESS_FLIGHT_JOB, data: { taskId } });
  };
  const enqueue = async (taskId: string, priority: TaskPriority) => {
    await cancel(taskId);
    await agenda.create(PROCESS_FLIGHT_JOB, { taskId }).priority(priority).schedule(new Date()).save();
  };
  return { enqueue, cancel, reprioritise: enqueue };
}
