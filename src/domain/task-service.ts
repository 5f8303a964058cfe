/**
 * The rules for flux tasks: creation from an upload, manual updates, re-queueing, deletion, the job's progress and
 * outcome, and expiry. REST and GraphQL both call this; they only translate.
 */
import { randomUUID } from 'node:crypto';
import { rm, stat, readdir } from 'node:fs/promises';
import { join, parse } from 'node:path';
import type { Logger } from '../logger.js';
import type { EventBus } from '../infra/event-bus.js';
import type { TaskQuery, TaskStore } from './task-store.js';
import { failureText, TASK_MESSAGES } from './task-wording.js';
import {
  TASK_PRIORITIES,
  TASK_STATUSES,
  isActive,
  isFinished,
  isTaskId,
  type FluxSummary,
  type StoredFile,
  type Task,
  type TaskError,
  type TaskPriority,
  type TaskProgress,
  type TaskResultFile,
  type TaskStatus,
} from './task.js';


export interface TaskTopics extends Record<string, unknown> {
  task: Task;
  /** `version` is the deleted task's last: states up to it that arrive late are stale. */
  taskDeleted: { id: string; version: number };
  /** A status change asks the process running this attempt to stop it; that process answers `taskRunStopped`. */
  taskRunStop: { id: string; attempt: number };
  taskRunStopped: { id: string; attempt: number };
}

/** Where a task's processing job waits for a worker (jobs/flux-job-queue.ts). */
export interface FluxJobQueue {
  /** Queues the task's job; `queuedAt` orders tasks of equal priority (oldest first). */
  enqueue(taskId: string, priority: TaskPriority, queuedAt?: Date): Promise<void>;
  /** Removes the task's queued job, if any. */
  cancel(taskId: string): Promise<void>;
  reprioritise(taskId: string, priority: TaskPriority, queuedAt: Date): Promise<void>;
}

export interface TaskFolders {
  uploadFolder: string;
  outputFolder: string;
}

export type UpdateTaskInput = { status?: unknown; message?: unknown; priority?: unknown };

export type UpdateTaskResult =
  | { ok: true; task: Task }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'invalid_status' | 'invalid_priority' | 'invalid_message' | 'empty' };

export type DeleteTaskResult =
  | { ok: true; taskStatus: TaskStatus; foldersDeleted: number; totalSizeDeleted: number }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'active'; taskStatus: TaskStatus }
  | { ok: false; reason: 'io'; message: string };

export const MAX_MESSAGE_LENGTH = 2000;

/** How long a status change of a running task waits for its worker to stop the run. */
const RUN_STOP_WAIT_MS = 5000;

const isCurrentAttempt = (task: Task, attempt: number) => task.status === 'processing' && task.attempts === attempt;

async function folderSize(path: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += await folderSize(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}

/**
 * Recently read tasks, kept current by the task events every change publishes (in this process, or through the
 * cross-process bus). A state replaces the cached one only if its version is newer, and a deleted task leaves a
 * tombstone, so an event that arrives late can never bring back an older state. Finished tasks change only through
 * this service, so their entries stay valid; entries of active tasks are re-read after a second anyway, in case an
 * event from another process is late.
 */
class TaskCache {
  private readonly entries = new Map<string, { task: Task; at: number }>();
  private readonly deleted = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly activeTtlMs: number,
  ) {}

  get(id: string): Task | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (isActive(entry.task.status) && Date.now() - entry.at > this.activeTtlMs) return undefined;
    return entry.task;
  }

  /** The newest state seen, however old: a first guess for a versioned write. */
  peek(id: string): Task | undefined {
    return this.entries.get(id)?.task;
  }

  put(task: Task): void {
    if ((this.deleted.get(task.id) ?? -1) >= task.version) return;
    const current = this.entries.get(task.id);
    if (current && current.task.version > task.version) return;
    this.entries.delete(task.id);
    this.entries.set(task.id, { task, at: Date.now() });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(id: string, version: number): void {
    this.entries.delete(id);
    this.deleted.set(id, version);
    if (this.deleted.size > this.capacity) this.deleted.delete(this.deleted.keys().next().value!);
  }
}

/** How long a count of tasks per status is reused (see countByStatus). */
const COUNTS_FRESH_MS = 1000;

export class TaskService {
  private readonly cache = new TaskCache(10_000, 1000);
  private counts: { at: number; value: Promise<Record<TaskStatus, number>>; pending: boolean } | null = null;

  constructor(
    private readonly store: TaskStore,
    private readonly bus: EventBus<TaskTopics>,
    private readonly queue: FluxJobQueue,
    private readonly folders: TaskFolders,
    private readonly log: Logger,
  ) {
    bus.subscribe('task', (task) => this.cache.put(task));
    bus.subscribe('taskDeleted', ({ id, version }) => this.cache.delete(id, version));
  }

  /** A new id and the folder its upload goes to (relative paths are relative to the upload folder). */
  newTaskId(): string {
    return randomUUID();
  }

  uploadDirectory(taskId: string): string {
    return join(this.folders.uploadFolder, taskId);
  }

  outputDirectory(taskId: string): string {
    return join(this.folders.outputFolder, taskId);
  }

  async create(taskId: string, input: StoredFile, config: StoredFile | null, priority: TaskPriority = 'normal'): Promise<Task> {
    const now = new Date();
    const task: Task = {
      id: taskId,
      status: 'pending',
      message: TASK_MESSAGES.queued.zh,
      priority,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      processingTimeSeconds: null,
      input,
      config,
      reportName: parse(input.originalName).name,
      progress: null,
      results: [],
      flux: null,
      runDirectory: null,
      totalSize: 0,
      error: null,
      attempts: 0,
      version: 1,
    };
    await this.store.insert(task);
    await this.queue.enqueue(taskId, priority);
    this.log.info({ task_id: taskId, file: input.originalName, size: input.size, priority }, 'task queued');
    await this.bus.publish('task', task);
    return task;
  }

  /** Null for an id that could never name a task too (the doc's own `abc123-def456-ghi789`), without asking the store. */
  async get(id: string): Promise<Task | null> {
    if (!isTaskId(id)) return null;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const task = await this.store.get(id);
    if (task) this.cache.put(task);
    return task;
  }

  list(query: TaskQuery): Promise<Task[]> {
    return this.store.list(query);
  }

  count(query: TaskQuery): Promise<number> {
    return this.store.count(query);
  }

  /**
   * Tasks per status, as /health, /stats and their GraphQL twins show them. Counting reads every task on FerretDB
   * (≈ 1 s at 10,000 tasks), so callers within COUNTS_FRESH_MS of a count share it, and callers during a count wait for
   * that one instead of queueing their own: fifty monitors polling at once cost one count, not fifty.
   */
  countByStatus(): Promise<Record<TaskStatus, number>> {
    const now = Date.now();
    if (this.counts && (this.counts.pending || now - this.counts.at < COUNTS_FRESH_MS)) return this.counts.value;
    const value = this.store.countByStatus();
    const entry = { at: now, value, pending: true };
    this.counts = entry;
    value.then(
      () => {
        entry.pending = false;
        entry.at = Date.now();
      },
      () => {
        if (this.counts === entry) this.counts = null;
      },
    );
    return value;
  }

  subscribe(listener: (task: Task) => void): () => void {
    return this.bus.subscribe('task', listener);
  }

  /** PUT /task/{id} and updateTask: status, message and priority, each optional. An id that is no task id is not found. */
  async update(id: string, input: UpdateTaskInput): Promise<UpdateTaskResult> {
    if (!isTaskId(id)) return { ok: false, reason: 'not_found' };
    const { status, message, priority } = input;
    if (status === undefined && message === undefined && priority === undefined) return { ok: false, reason: 'empty' };
    if (status !== undefined && !TASK_STATUSES.includes(status as TaskStatus)) return { ok: false, reason: 'invalid_status' };
    if (priority !== undefined && !TASK_PRIORITIES.includes(priority as TaskPriority)) return { ok: false, reason: 'invalid_priority' };
    if (message !== undefined && (typeof message !== 'string' || message.length > MAX_MESSAGE_LENGTH)) return { ok: false, reason: 'invalid_message' };
    const task = await this.store.get(id);
    if (!task) return { ok: false, reason: 'not_found' };

    const changes: Partial<Task> = { updatedAt: new Date() };
    const newStatus = status as TaskStatus | undefined;
    const newPriority = (priority as TaskPriority | undefined) ?? task.priority;
    if (priority !== undefined) changes.priority = newPriority;
    if (message !== undefined) changes.message = message as string;

    // What the queue and the folders need besides the write; for a running task, only once its run has stopped.
    let alongside: () => Promise<unknown> = async () => {};
    if (newStatus === 'pending' && task.status !== 'pending') {
      // Re-queue: the previous run's outputs and outcome go; the upload stays.
      Object.assign(changes, {
        status: 'pending',
        progress: null,
        results: [],
        flux: null,
        runDirectory: null,
        totalSize: 0,
        error: null,
        startedAt: null,
        finishedAt: null,
        processingTimeSeconds: null,
        message: (message as string | undefined) ?? TASK_MESSAGES.queued.zh,
      } satisfies Partial<Task>);
      alongside = async () => {
        await rm(this.outputDirectory(id), { recursive: true, force: true });
        await this.queue.enqueue(id, newPriority); // withdraws the task's earlier job first
      };
    } else if (newStatus !== undefined && newStatus !== task.status) {
      // A manual mark: a queued job is withdrawn, a running one stopped.
      changes.status = newStatus;
      if (isFinished(newStatus)) changes.finishedAt = new Date();
      if (task.status === 'pending') alongside = () => this.queue.cancel(id);
    } else if (priority !== undefined && task.status === 'pending' && newPriority !== task.priority) {
      alongside = () => this.queue.reprioritise(id, newPriority, task.createdAt);
    }

    const stopsRun = task.status === 'processing' && changes.status !== undefined && changes.status !== 'processing';
    if (!stopsRun) await alongside();
    // For a running task this write comes first: from it on, every write of the running attempt is refused.
    const updated = await this.store.change(id, () => changes, () => task);
    if (!updated) return { ok: false, reason: 'not_found' };
    this.log.info({ task_id: id, status: updated.status, priority: updated.priority }, 'task updated');
    await this.bus.publish('task', updated);
    if (stopsRun) {
      const stopped = await this.stopRun(id, task.attempts);
      if (!stopped) this.log.warn({ task_id: id, attempt: task.attempts }, 'no worker answered the stop of the run (gone?); going on');
      await alongside();
    }
    return { ok: true, task: updated };
  }

  /**
   * Asks whichever process runs the attempt to stop it (thread terminated, partial files removed) and waits for its
   * answer. False after RUN_STOP_WAIT_MS without one: a dead worker answers nothing, and its writes are refused anyway.
   */
  private stopRun(id: string, attempt: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, RUN_STOP_WAIT_MS);
      const off = this.bus.subscribe('taskRunStopped', (stopped) => {
        if (stopped.id !== id || stopped.attempt !== attempt) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
      this.bus.publish('taskRunStop', { id, attempt }).catch((error: unknown) => this.log.warn({ err: error, task_id: id }, 'could not ask for the run to stop'));
    });
  }

  /** The job side: `stop` stops this process's run of an attempt and says whether it had one. */
  onRunStopRequest(stop: (id: string, attempt: number) => Promise<boolean>): () => void {
    return this.bus.subscribe('taskRunStop', ({ id, attempt }) => {
      stop(id, attempt)
        .then((stopped) => (stopped ? this.bus.publish('taskRunStopped', { id, attempt }) : undefined))
        .catch((error: unknown) => this.log.error({ err: error, task_id: id, attempt }, 'stopping a run failed'));
    });
  }

  /** Deletes a finished task with its upload and outputs. */
  async delete(id: string): Promise<DeleteTaskResult> {
    const task = isTaskId(id) ? await this.store.get(id) : null;
    if (!task) return { ok: false, reason: 'not_found' };
    if (isActive(task.status)) return { ok: false, reason: 'active', taskStatus: task.status };
    const removed = await this.removeFiles(id);
    if (!removed.ok) return { ok: false, reason: 'io', message: removed.message };
    await this.store.delete(id, task.attempts);
    await this.bus.publish('taskDeleted', { id, version: task.version });
    this.log.info({ task_id: id, ...removed }, 'task deleted');
    return { ok: true, taskStatus: task.status, foldersDeleted: removed.foldersDeleted, totalSizeDeleted: removed.totalSizeDeleted };
  }

  private async removeFiles(id: string) {
    let foldersDeleted = 0;
    let totalSizeDeleted = 0;
    try {
      for (const folder of [this.outputDirectory(id), this.uploadDirectory(id)]) {
        const size = await folderSize(folder);
        const exists = await stat(folder).then(() => true, () => false);
        if (!exists) continue;
        await rm(folder, { recursive: true });
        foldersDeleted += 1;
        totalSizeDeleted += size;
      }
      return { ok: true as const, foldersDeleted, totalSizeDeleted };
    } catch (error) {
      return { ok: false as const, message: (error as Error).message };
    }
  }

  // ---- the processing job's side ----

  /**
   * Marks the task processing for a new attempt; null when it should not run (gone, or no longer queued). The attempt
   * is written on the version it read, so of two workers claiming the same attempt only one gets it, and every write
   * of an earlier attempt that arrives later is refused (they are conditional on their attempt).
   */
  async startAttempt(id: string, maxAttempts = Infinity, staleClaimMs = 60_000): Promise<Task | null> {
    const task = await this.store.get(id);
    if (!task || isFinished(task.status)) return null;
    if (task.attempts >= maxAttempts) {
      await this.giveUp(task, maxAttempts);
      return null;
    }
    const now = new Date();
    const attempt = await this.claimNextAttempt(task, now, staleClaimMs);
    if (attempt === null) return null;
    // A previous attempt that died mid-run may have left a partial run folder.
    await rm(this.outputDirectory(id), { recursive: true, force: true });
    const started = await this.store.change(id, (current) =>
      current.attempts !== task.attempts || isFinished(current.status)
        ? null
        : {
            status: 'processing',
            message: TASK_MESSAGES.started.zh,
            attempts: attempt,
            startedAt: now,
            updatedAt: now,
            progress: null,
            results: [],
            flux: null,
            runDirectory: null,
            error: null,
          },
      () => task,
    );
    if (started) {
      this.log.info({ task_id: id, attempt: started.attempts, file: started.input.originalName }, 'processing started');
      await this.bus.publish('task', started);
    }
    return started;
  }

  /**
   * The number of the attempt this worker may start, or null when another one is starting it. Two workers handed the
   * same job (Agenda's lock is not atomic on FerretDB) race for one claim; the loser steps back before touching the
   * run folder. A claim whose holder died before recording it (older than `staleClaimMs`, while the task still shows
   * the attempt before) counts as a start that failed, and the next number is claimed.
   * `staleClaimMs` is the job lock lifetime: tests that play a take-over pass 0.
   */
  private async claimNextAttempt(task: Task, now: Date, staleClaimMs: number): Promise<number | null> {
    const isFresh = (claimedAt: Date | null) => claimedAt !== null && now.getTime() - claimedAt.getTime() < staleClaimMs;
    // A take-over is for a dead worker's attempt, which Agenda hands out a lock lifetime after its last sign of life;
    // an attempt claimed moments ago belongs to a worker given the same job at the same time.
    if (task.status === 'processing' && task.attempts > 0 && isFresh(await this.store.claimedAt(task.id, task.attempts))) return null;
    for (let attempt = task.attempts + 1; attempt <= task.attempts + 100; attempt++) {
      const claimed = await this.store.claimAttempt(task.id, attempt, now);
      if (claimed === true) return attempt;
      if (isFresh(claimed)) return null;
    }
    return null;
  }

  /** A task started `maxAttempts` times without an outcome (its workers died or lost it each time) is failed. */
  private async giveUp(task: Task, maxAttempts: number): Promise<void> {
    const stage = task.progress?.stage ?? 'processing';
    const error: TaskError = {
      message: failureText(`started ${task.attempts} times without finishing (GASFLUX_MAX_ATTEMPTS=${maxAttempts}); the last run stopped in stage ${stage}`),
      stage,
      errorCode: 'TOO_MANY_ATTEMPTS',
      traceback: null,
    };
    const now = new Date();
    const failed = await this.store.change(task.id, (current) =>
      current.attempts !== task.attempts || isFinished(current.status)
        ? null
        : { status: 'failed', message: TASK_MESSAGES.failed.zh, error, finishedAt: now, updatedAt: now },
      () => task,
    );
    if (!failed) return;
    this.log.warn({ task_id: task.id, attempts: task.attempts, stage }, 'task failed: too many attempts');
    await this.bus.publish('task', failed);
  }

  async reportProgress(id: string, attempt: number, progress: TaskProgress, message: string): Promise<void> {
    const updated = await this.store.change(
      id,
      (task) => (isCurrentAttempt(task, attempt) ? { progress, message, updatedAt: new Date() } : null),
      () => this.cache.peek(id),
    );
    if (updated) await this.bus.publish('task', updated);
  }

  async complete(id: string, attempt: number, runDirectory: string, results: TaskResultFile[], flux: FluxSummary | null = null): Promise<Task | null> {
    const updated = await this.finishAttempt(id, attempt, (task) => ({
      status: 'completed',
      message: TASK_MESSAGES.completed.zh,
      results,
      flux,
      runDirectory,
      totalSize: results.reduce((sum, r) => sum + r.size, 0),
      progress: task.progress ? { ...task.progress, completedSteps: task.progress.totalSteps, percent: 100, estimatedTimeRemaining: 0 } : null,
    }));
    if (updated) this.log.info({ task_id: id, files: results.length, seconds: updated.processingTimeSeconds }, 'processing completed');
    return updated;
  }

  async fail(id: string, attempt: number, error: TaskError): Promise<Task | null> {
    const updated = await this.finishAttempt(id, attempt, () => ({ status: 'failed', message: TASK_MESSAGES.failed.zh, error }));
    if (updated) this.log.warn({ task_id: id, stage: error.stage, error_code: error.errorCode, error: error.message }, 'processing failed');
    return updated;
  }

  /**
   * Records an attempt's outcome, only if that attempt is still the task's current one and the task is still
   * processing (a manual mark or a newer attempt wins). Null when it no longer is.
   */
  private async finishAttempt(id: string, attempt: number, outcome: (task: Task) => Partial<Task>): Promise<Task | null> {
    const updated = await this.store.change(
      id,
      (task) => {
        if (!isCurrentAttempt(task, attempt)) return null;
        const now = new Date();
        return {
          ...outcome(task),
          finishedAt: now,
          updatedAt: now,
          processingTimeSeconds: (now.getTime() - (task.startedAt ?? now).getTime()) / 1000,
        };
      },
      () => this.cache.peek(id),
    );
    if (updated) await this.bus.publish('task', updated);
    return updated;
  }

  /** Removes finished tasks (and their files) last changed more than `maxAgeSeconds` ago. */
  async removeExpired(maxAgeSeconds: number, now = new Date()): Promise<number> {
    const expired = await this.store.finishedBefore(new Date(now.getTime() - maxAgeSeconds * 1000));
    let removed = 0;
    for (const task of expired) {
      const result = await this.delete(task.id);
      if (result.ok) removed += 1;
      else this.log.warn({ task_id: task.id, reason: result.reason }, 'expired task could not be removed');
    }
    if (removed > 0) this.log.info({ removed }, 'expired tasks removed');
    return removed;
  }
}
