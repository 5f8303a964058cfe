/**
 * How every Agenda job is declared: its name, the zod schema of its stored data, how many run at once per process,
 * how long a lock lasts, and a handler that only ever sees data the schema accepted.
 *
 * Stored data the schema refuses (written by another version, edited by hand, damaged) never reaches the handler: the
 * job fails with an InvalidJobData naming the job, the field and the reason (a handler that finds bad data further on,
 * in a document the job refers to, throws one too). It is logged and thrown to Agenda, which keeps the job in its
 * collection with that `failReason` and `failedAt` and does not run it again (a repeating job comes back at its next
 * time, and fails again until its data is put right). The worker goes on with the next job.
 */
import type { Agenda, Job } from 'agenda';
import type { z } from 'zod';
import type { Logger } from '../src/logger.js';

export interface JobSpec<Schema extends z.ZodType> {
  name: string;
  /** The schema of `job.attrs.data`. */
  data: Schema;
  /**
   * Jobs of this name one process runs at once. It locks no more, so queued ones stay in the database, where other
   * workers find them and priority changes apply.
   */
  concurrency: number;
  lockLifetime: number;
  /** One-off jobs are removed once they have succeeded. */
  removeOnComplete?: boolean;
  log?: Pick<Logger, 'error'>;
}

export interface JobDefinition {
  readonly name: string;
  /** Defines the job on `agenda`; call before agenda.start(). */
  defineOn(agenda: Agenda): void;
}

export type JobHandler<Schema extends z.ZodType> = (data: z.output<Schema>, job: Job) => Promise<void>;

/** One field of stored data a schema refused: `data.requests[2]`, and why. */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** The issues of a zod error, each with the path of its field below `root`. */
export function fieldIssues(error: z.ZodError, root = 'data'): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : `${path}.${String(key)}`), root),
    reason: issue.message,
  }));
}

export const describeIssues = (issues: FieldIssue[]) => issues.map(({ field, reason }) => `${field}: ${reason}`).join('; ');

export class InvalidJobData extends Error {
  override readonly name = 'InvalidJobData';
  readonly jobId: string;

  constructor(
    readonly jobName: string,
    job: Pick<Job, 'attrs'>,
    readonly issues: FieldIssue[],
  ) {
    const jobId = String(job.attrs._id);
    super(`job ${jobName} ${jobId} has invalid data, not run: ${describeIssues(issues)}`);
    this.jobId = jobId;
  }
}

export function defineJob<Schema extends z.ZodType>(spec: JobSpec<Schema>, handler: JobHandler<Schema>): JobDefinition {
  const run = async (job: Job) => {
    try {
      const parsed = spec.data.safeParse(job.attrs.data);
      if (!parsed.success) throw new InvalidJobData(spec.name, job, fieldIssues(parsed.error));
      await handler(parsed.data, job);
    } catch (error) {
      if (error instanceof InvalidJobData) spec.log?.error({ job: error.jobName, job_id: error.jobId, issues: error.issues }, error.message);
      throw error;
    }
  };
  return {
    name: spec.name,
    defineOn(agenda) {
      agenda.define(spec.name, run, {
        concurrency: spec.concurrency,
        lockLimit: spec.concurrency,
        lockLifetime: spec.lockLifetime,
        removeOnComplete: spec.removeOnComplete,
      });
    },
  };
}
