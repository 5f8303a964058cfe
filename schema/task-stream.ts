/**
 * Live task events as async iterators for subscriptions. The domain publishes the full task on every change; a
 * subscription listens before it reads the current state, so nothing published in between is lost, and passes on
 * only states newer (by version) than the last it passed, so the snapshot and the events merge in order whatever
 * order they arrive in.
 */
import { isFinished, type Task } from '../src/domain/task.js';
import { isNewer, NewestVersions } from '../src/domain/task-version.js';
import type { TaskService } from '../src/domain/task-service.js';

/** A slow client keeps at most this many undelivered states; older ones are dropped (each event is a full state). */
const MAX_QUEUED = 256;

type Source = Pick<TaskService, 'subscribe' | 'get'>;

/** Queue between a push listener and a pull consumer; `return()` (a client unsubscribing) detaches the listener. */
class LiveTaskIterator implements AsyncIterableIterator<Task> {
  private readonly queued: Task[] = [];
  private waiting: ((result: IteratorResult<Task>) => void) | null = null;
  private done = false;
  private readonly unsubscribe: () => void;

  constructor(source: Source, accept: (task: Task) => boolean) {
    this.unsubscribe = source.subscribe((task) => {
      if (this.done || !accept(task)) return;
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve({ value: task, done: false });
      } else {
        this.queued.push(task);
        if (this.queued.length > MAX_QUEUED) this.queued.shift();
      }
    });
  }

  next(): Promise<IteratorResult<Task>> {
    const task = this.queued.shift();
    if (task) return Promise.resolve({ value: task, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<Task>> {
    if (!this.done) {
      this.done = true;
      this.unsubscribe();
      this.queued.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Every change of every task, as it happens; a state older than one already sent for its task is dropped. */
export function allTaskEvents(source: Source): AsyncIterableIterator<Task> {
  const newest = new NewestVersions();
  return new LiveTaskIterator(source, (task) => newest.admit(task));
}

/**
 * One task: its current state first, then each change, ending after the task is completed or failed. Null when there
 * is no such task.
 */
export async function followTask(source: Source, id: string): Promise<AsyncGenerator<Task> | null> {
  const live = new LiveTaskIterator(source, (task) => task.id === id);
  let current: Task | null;
  try {
    current = await source.get(id);
  } catch (error) {
    await live.return();
    throw error;
  }
  if (!current) {
    await live.return();
    return null;
  }
  const first = current;
  return (async function* () {
    try {
      let last = first;
      yield first;
      if (isFinished(first.status)) return;
      for await (const task of live) {
        if (!isNewer(task, last)) continue;
        last = task;
        yield task;
        if (isFinished(task.status)) return;
      }
    } finally {
      await live.return();
    }
  })();
}
