/** The Agenda job that processes one uploaded flight and keeps its task's progress current. */
import { readFile, rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join, relative } from 'node:path';
import type { Job } from 'agenda';
import { z } from 'zod';
import type { Logger } from '../src/logger.js';
import type { TaskService } from '../src/domain/task-service.js';
import { isTaskId, type ResultType, type TaskProgress, type TaskResultFile } from '../src/domain/task.js';
import { apiStageName, STAGE_MESSAGES } from '../src/domain/stage-names.js';
import { failureText } from '../src/domain/task-wording.js';
import { whileLocked } from '../src/infra/job-lock.js';
import { FluxRunLimit, FluxRunStopped, runFluxWorker, type FluxRunBudget } from './run-flux-worker.js';
import { ActiveRuns } from './active-runs.js';
import { LatestOnlyWriter } from './latest-only-writer.js';
import { defineJob, type JobDefinition } from './define-job.js';
import type { RunningJobs } from './running-jobs.js';

export const PROCESS_FLIGHT_JOB = 'gasflux.process-flight';

/** A flux job's stored data: the task it processes; everything else is read from the task. */
const processFlightData = z.object({ taskId: z.string().refine(isTaskId, 'expected a task id (a UUID)') });

export interface ProcessFlightContext {
  tasks: TaskService;
  uploadFolder: string;
  outputFolder: string;
  log: Logger;
  concurrency: number;
  lockLifetimeMs: number;
  running: RunningJobs;
  budget: FluxRunBudget;
  /** Starts of one task before it is failed (a take-over after a crash counts). */
  maxAttempts: number;
}

/**
 * The start-up warning when the flights a worker runs at once, each at its full memory budget, would not fit the
 * memory this process can have (the cgroup's limit where there is one); null when they fit.
 */
export function flightBudgetOvercommit(threads: number, memoryMb: number, availableBytes = availableMemoryBytes()): string | null {
  const neededMb = threads * memoryMb;
  const availableMb = Math.floor(availableBytes / 1024 / 1024);
  if (neededMb <= availableMb) return null;
  return (
    `GASFLUX_THREADS (${threads}) × GASFLUX_FLIGHT_MEMORY_MB (${memoryMb}) = ${neededMb} MB, more than the ${availableMb} MB ` +
    'this machine offers: large flights at once could exhaust it; lower one of the two'
  );
}

function availableMemoryBytes(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < totalmem() ? constrained : totalmem();
}

/** A run over its budget fails its task with RESOURCE_LIMIT, naming the limit, its setting and the stage reached. */
function overBudget(limit: FluxRunLimit, stage: string) {
  const setting = limit.kind === 'memory' ? 'GASFLUX_FLIGHT_MEMORY_MB' : 'GASFLUX_FLIGHT_TIMEOUT';
  return {
    type: 'error' as const,
    expected: false,
    code: 'RESOURCE_LIMIT',
    stage,
    message: `${limit.message} (${setting}=${limit.limit}); it was stopped in stage ${stage}`,
    stack: null,
  };
}

const RESULT_TYPES: Record<string, ResultType> = { report: 'report', data: 'data', config: 'config', output_vars: 'metadata' };
const PROGRESS_INTERVAL_MS = 250;

/** The flux job. A job whose data names no task fails with InvalidJobData (there is no task it could fail). */
export function processFlightJob(context: ProcessFlightContext): JobDefinition {
  const runs = new ActiveRuns();
  context.tasks.onRunStopRequest((taskId, attempt) => runs.stop(taskId, attempt));
  return defineJob(
    {
      name: PROCESS_FLIGHT_JOB,
      data: processFlightData,
      concurrency: context.concurrency,
      lockLifetime: context.lockLifetimeMs,
      removeOnComplete: true,
      log: context.log,
    },
    ({ taskId }, job) => context.running.track(runFlightTask(taskId, job, context, runs)),
  );
}

async function runFlightTask(taskId: string, job: Job, context: ProcessFlightContext, runs: ActiveRuns): Promise<void> {
  const log = context.log.child({ task_id: taskId });
  const task = await context.tasks.startAttempt(taskId, context.maxAttempts, context.lockLifetimeMs);
  if (!task) {
    log.info('task is no longer queued; job skipped');
    return;
  }
  const attempt = task.attempts;
  const started = Date.now();
  let lastWrite = 0;
  let lastStage = '';
  const writer = new LatestOnlyWriter<TaskProgress>(
    (progress) => context.tasks.reportProgress(taskId, attempt, progress, STAGE_MESSAGES[progress.stage]?.zh ?? progress.stage),
    (error) => log.warn({ err: error }, 'progress update failed'),
  );

  const onProgress = (p: { stage: string; gas: string | null; completedSteps: number; totalSteps: number; fraction: number }) => {
    const stage = apiStageName(p.stage);
    const now = Date.now();
    if (stage === lastStage && now - lastWrite < PROGRESS_INTERVAL_MS) return;
    lastStage = stage;
    lastWrite = now;
    // 100 % is the completed task's; the science's fraction never decreases, so neither does the percent.
    const done = Math.min(p.fraction, 0.999);
    const elapsed = (now - started) / 1000;
    writer.push({
      stage,
      gas: p.gas,
      completedSteps: p.completedSteps,
      totalSteps: p.totalSteps,
      percent: Math.round(done * 1000) / 10,
      estimatedTimeRemaining: done >= 0.05 ? Math.max(0, Math.round((elapsed * (1 - done)) / done)) : null,
    });
  };

  const inputPath = join(context.uploadFolder, task.input.path);
  const configYaml = task.config ? await readFile(join(context.uploadFolder, task.config.path), 'utf8') : null;
  const stopping = new AbortController();
  const run = runFluxWorker({ inputPath, configYaml, outputRoot: join(context.outputFolder, taskId) }, (message) => {
    if (message.type === 'progress') onProgress(message);
  }, { signal: stopping.signal, budget: context.budget });
  runs.add(taskId, attempt, async () => {
    stopping.abort();
    await run.catch(() => undefined);
    await rm(context.tasks.outputDirectory(taskId), { recursive: true, force: true });
    log.info({ attempt }, 'run stopped by a status change; its files removed');
  });
  // A second attempt beside a live one would restart the progress: the lock stays fresh while the flight runs.
  const outcome = await whileLocked(
    job,
    context.lockLifetimeMs,
    () =>
      run
        .catch((error: Error) => {
          if (error instanceof FluxRunStopped) return null;
          if (error instanceof FluxRunLimit) return overBudget(error, lastStage || 'data_loading');
          return { type: 'error' as const, expected: false, code: 'INTERNAL_ERROR', stage: 'processing', message: error.message, stack: error.stack ?? null };
        })
        .finally(() => runs.remove(taskId, attempt)),
    (error) => log.warn({ err: error }, 'job lock refresh failed'),
  );
  await writer.flush();

  if (outcome === null) return; // stopped: the status change that stopped it owns the task now
  if (outcome.type === 'done') {
    const results: TaskResultFile[] = outcome.files.map((f) => ({
      name: f.name,
      relPath: relative(context.outputFolder, f.path).split('\\').join('/'),
      size: f.size,
      type: RESULT_TYPES[f.type] ?? 'data',
      gas: f.gas,
    }));
    const runDirectory = relative(context.outputFolder, outcome.runDirectory).split('\\').join('/');
    const completed = await context.tasks.complete(taskId, attempt, runDirectory, results, outcome.flux);
    if (completed) log.info({ volumes_kg_h: Object.fromEntries(outcome.flux.gases.map((g) => [g.gas, g.fluxKgPerHour])) }, 'flux results');
  } else {
    await context.tasks.fail(taskId, attempt, {
      message: failureText(outcome.message),
      stage: outcome.expected ? apiStageName(outcome.stage) : outcome.stage,
      errorCode: outcome.code,
      traceback: outcome.stack,
    });
  }
}
