/** Persistence of tasks in MongoDB (works on FerretDB v1: plain CRUD, `$group` with `$sum` only). */
import type { Collection, Db, Filter, Sort } from 'mongodb';
import { z } from 'zod';
import { TASK_PRIORITIES, TASK_STATUSES, type Task, type TaskStatus } from './task.js';

interface TaskDocument extends Omit<Task, 'id'> {
  _id: string;
}

const storedFile = z.object({ originalName: z.string(), path: z.string(), size: z.number(), sha256: z.string() });
const taskDocument = z.object({
  _id: z.string(),
  status: z.enum(TASK_STATUSES),
  message: z.string(),
  priority: z.enum(TASK_PRIORITIES),
  createdAt: z.date(),
  updatedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  processingTimeSeconds: z.number().nullable(),
  input: storedFile,
  config: storedFile.nullable(),
  reportName: z.string(),
  progress: z
    .object({
      stage: z.string(),
      gas: z.string().nullable(),
      completedSteps: z.number(),
      totalSteps: z.number(),
      percent: z.number(),
      estimatedTimeRemaining: z.number().nullable(),
    })
    .nullable(),
  results: z.array(
    z.object({ name: z.string(), relPath: z.string(), size: z.number(), type: z.enum(['report', 'data', 'config', 'metadata']), gas: z.string().nullable() }),
  ),
  flux: z
    .object({
      physics: z.enum(['corrected', 'gasflux-0.2.2']),
      spatial: z.enum(['curtain', 'spiral']),
      grid: z.object({ nx: z.number(), ny: z.number(), xCellSizeM: z.number(), yCellSizeM: z.number() }),
      gases: z.array(
        z.object({
          gas: z.string(),
          // Summaries stored before plume detection existed gave every gas a rate.
          detected: z.boolean().default(true),
          fluxKgPerHour: z.number().nullable(),
          positiveKgPerHour: z.number().nullable(),
          negativeKgPerHour: z.number().nullable(),
          signalPoints: z.number(),
          backgroundPoints: z.number(),
        }),
      ),
      warnings: z.array(z.object({ code: z.string(), message: z.string(), gas: z.string().nullable() })),
    })
    .nullable()
    .default(null),
  runDirectory: z.string().nullable(),
  totalSize: z.number(),
  error: z.object({ message: z.string(), stage: z.string(), errorCode: z.string(), traceback: z.string().nullable() }).nullable(),
  attempts: z.number(),
  // Documents written before tasks were versioned count as version 0.
  version: z.number().int().nonnegative().default(0),
});

function toTask(document: unknown): Task {
  const { _id, ...rest } = taskDocument.parse(document);
  return { id: _id, ...rest };
}

const MAX_WRITE_CONFLICTS = 50;

const versionIs = (version: number): Filter<TaskDocument> =>
  version === 0 ? { $or: [{ version: 0 }, { version: { $exists: false } }] } : { version };

export type TaskSortField = 'createdAt' | 'id' | 'totalSize' | 'processingTimeSeconds' | 'updatedAt';

export interface TaskQuery {
  statuses?: TaskStatus[];
  sortBy?: TaskSortField;
  sortOrder?: 'asc' | 'desc';
  skip?: number;
  limit?: number;
}

/** One start of a task: `_id` is `<task id>#<attempt>`, so the unique `_id` lets exactly one caller insert it. */
interface ClaimDocument {
  _id: string;
  taskId: string;
  attempt: number;
  claimedAt: Date;
}

const claimId = (taskId: string, attempt: number) => `${taskId}#${attempt}`;
const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

export class TaskStore {
  private readonly tasks: Collection<TaskDocument>;
  private readonly monitoredTasks: Collection<TaskDocument>;
  private readonly claims: Collection<ClaimDocument>;

  /** `monitorDb`: where the health counts are read (Database.monitorDb), so they never queue behind the writes. */
  constructor(db: Db, monitorDb: Db = db) {
    this.tasks = db.collection<TaskDocument>('tasks');
    this.monitoredTasks = monitorDb.collection<TaskDocument>('tasks');
    this.claims = db.collection<ClaimDocument>('task_claims');
  }

  /**
   * Claims attempt `attempt` of a task: true for exactly one caller, whatever the server (an insert on the unique
   * `_id` is atomic everywhere; FerretDB's conditional updates are not, across connections). Otherwise the time the
   * holder claimed it.
   */
  async claimAttempt(taskId: string, attempt: number, now = new Date()): Promise<true | Date> {
    try {
      await this.claims.insertOne({ _id: claimId(taskId, attempt), taskId, attempt, claimedAt: now });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return (await this.claimedAt(taskId, attempt)) ?? now;
    }
  }

  /** When attempt `attempt` of the task was claimed; null when it never was (or the task predates claims). */
  async claimedAt(taskId: string, attempt: number): Promise<Date | null> {
    return (await this.claims.findOne({ _id: claimId(taskId, attempt) }))?.claimedAt ?? null;
  }

  async ensureIndexes(): Promise<void> {
    await this.tasks.createIndex({ status: 1, createdAt: -1 });
    await this.tasks.createIndex({ updatedAt: -1 });
  }

  async insert(task: Task): Promise<void> {
    const { id, ...rest } = task;
    await this.tasks.insertOne({ _id: id, ...rest });
  }

  async get(id: string): Promise<Task | null> {
    const document = await this.tasks.findOne({ _id: id });
    return document ? toTask(document) : null;
  }

  /**
   * One versioned write: `decide` sees the task as stored and returns the changes to make, or null to leave it. The
   * write is conditional on the version `decide` saw and raises it by one, so concurrent writers never interleave a
   * stale decision and every stored state has a version no earlier state had (given an atomic conditional update:
   * MongoDB's, or FerretDB's within one connection). `guess` (e.g. the cached state) saves the first read; when it
   * turns out stale, the task is read again and `decide` asked again.
   * Returns the task as stored after the write; null when it is gone or `decide` declined on its stored state.
   */
  async change(id: string, decide: (task: Task) => Partial<Omit<Task, 'id' | 'version'>> | null, guess?: () => Task | undefined): Promise<Task | null> {
    let base = guess?.();
    let current = base ?? (await this.get(id));
    for (let tries = 0; tries < MAX_WRITE_CONFLICTS; tries++) {
      if (!current) return null;
      const changes = decide(current);
      if (changes) {
        const version = current.version + 1;
        const result = await this.tasks.updateOne({ _id: id, ...versionIs(current.version) }, { $set: { ...changes, version } });
        if (result.matchedCount === 1) return { ...current, ...changes, version };
      } else if (current !== base) {
        return null;
      }
      current = await this.get(id);
      base = undefined;
    }
    throw new Error(`task ${id}: changed by others ${MAX_WRITE_CONFLICTS} times in a row during one write`);
  }

  /** Deletes the task and its claims (`attempts` claims at most: deleted by `_id`, which every server finds fast). */
  async delete(id: string, attempts = 0): Promise<boolean> {
    const result = await this.tasks.deleteOne({ _id: id });
    for (let attempt = 1; attempt <= attempts + 1; attempt++) await this.claims.deleteOne({ _id: claimId(id, attempt) });
    return result.deletedCount === 1;
  }

  private filter(query: TaskQuery): Filter<TaskDocument> {
    return query.statuses && query.statuses.length > 0 ? { status: { $in: query.statuses } } : {};
  }

  async list(query: TaskQuery = {}): Promise<Task[]> {
    const field = query.sortBy === 'id' ? '_id' : (query.sortBy ?? 'createdAt');
    const direction = query.sortOrder === 'asc' ? 1 : -1;
    const sort: Sort = field === '_id' ? { _id: direction } : { [field]: direction, _id: direction };
    let cursor = this.tasks.find(this.filter(query)).sort(sort);
    if (query.skip) cursor = cursor.skip(query.skip);
    if (query.limit) cursor = cursor.limit(query.limit);
    return (await cursor.toArray()).map(toTask);
  }

  count(query: TaskQuery = {}): Promise<number> {
    return this.tasks.countDocuments(this.filter(query));
  }

  async countByStatus(): Promise<Record<TaskStatus, number>> {
    const counts: Record<TaskStatus, number> = { pending: 0, processing: 0, completed: 0, failed: 0 };
    const rows = await this.monitoredTasks.aggregate<{ _id: TaskStatus; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
    for (const row of rows) if (row._id in counts) counts[row._id] = row.n;
    return counts;
  }

  /** Finished tasks last changed before `cutoff`. */
  async finishedBefore(cutoff: Date): Promise<Task[]> {
    return (await this.tasks.find({ status: { $in: ['completed', 'failed'] }, updatedAt: { $lt: cutoff } }).toArray()).map(toTask);
  }
}
