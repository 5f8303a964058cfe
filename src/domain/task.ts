/** A flux-processing task: what the REST API calls a job/task and GraphQL a Task. */
import type { FluxSummary } from '../gasflux/output/flux-summary.js';

export type { FluxSummary };

export const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['high', 'normal', 'low'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Result file kinds as the web API names them (output variables are "metadata"). */
export type ResultType = 'report' | 'data' | 'config' | 'metadata';

export interface TaskProgress {
  /** Stage in the web API's vocabulary (`data_validation`, `interpolation`, `report_generation`, …). */
  stage: string;
  gas: string | null;
  completedSteps: number;
  totalSteps: number;
  /** 0–100, including the share of the current stage already done. */
  percent: number;
  /** Seconds, from the pace so far; null until it can be estimated. */
  estimatedTimeRemaining: number | null;
}

export interface TaskResultFile {
  name: string;
  /** Relative to the output folder; the download path. */
  relPath: string;
  size: number;
  type: ResultType;
  gas: string | null;
}

export interface TaskError {
  message: string;
  stage: string;
  errorCode: string;
  traceback: string | null;
}

export interface StoredFile {
  originalName: string;
  /** Relative to the upload folder. */
  path: string;
  size: number;
  sha256: string;
}

export interface Task {
  id: string;
  status: TaskStatus;
  message: string;
  priority: TaskPriority;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  processingTimeSeconds: number | null;
  input: StoredFile;
  config: StoredFile | null;
  /** The input's name without extension, e.g. `08_34_01_5m`. */
  reportName: string;
  progress: TaskProgress | null;
  results: TaskResultFile[];
  /** Per-gas flux of the completed run (null until then). */
  flux: FluxSummary | null;
  /** Relative to the output folder. */
  runDirectory: string | null;
  totalSize: number;
  error: TaskError | null;
  /** How many times a worker has started this task (a crashed worker's run counts). */
  attempts: number;
  /**
   * Raised by one with every stored change, by whichever process writes it (a conditional write on the version it
   * read). A state with a lower version is older, whatever the clock or the order it arrives in.
   */
  version: number;
}

export const isFinished = (status: TaskStatus) => status === 'completed' || status === 'failed';
export const isActive = (status: TaskStatus) => status === 'pending' || status === 'processing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isTaskId = (id: string) => UUID.test(id);
