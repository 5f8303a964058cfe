/**
 * Health and statistics of the service: the rules of GET /health and GET /stats (and their GraphQL twins) in one
 * place. Storage must be writable, at most 20 active tasks, and at most 10 % server errors (5xx) among the requests
 * of the last five minutes, judged once there are at least 20 of them: client mistakes (404, 405, …) never degrade
 * the service, and neither do a few unlucky requests on an idle one. /stats keeps counting every status ≥ 400.
 */
import { access, constants, stat, statfs } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import type { Db } from 'mongodb';
import type { AppConfig } from '../config.js';
import type { RecentRequests, RequestStats } from '../infra/request-stats.js';
import type { TaskService } from './task-service.js';
import type { TaskStatus } from './task.js';

/** What the health checks look at (the app's services have it all, so callers pass them). */
export interface HealthSources {
  version: string;
  startedAt: Date;
  config: Pick<AppConfig, 'uploadFolder' | 'outputFolder'>;
  /** The connection of its own the database is probed on. */
  database: { monitorDb: Pick<Db, 'command'> };
  tasks: Pick<TaskService, 'countByStatus'>;
  requestStats: Pick<RequestStats, 'snapshot'>;
}

/** What the statistics are taken from. */
export interface StatsSources {
  startedAt: Date;
  config: Pick<AppConfig, 'outputFolder'>;
  tasks: Pick<TaskService, 'countByStatus' | 'list'>;
  requestStats: Pick<RequestStats, 'snapshot'>;
}

export const MAX_ACTIVE_TASKS = 20;
export const MAX_ERROR_RATE_PERCENT = 10;
/** Fewer recent requests than this say nothing about the service (and one prober could not tip the verdict). */
export const MIN_REQUESTS_FOR_ERROR_RATE = 20;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

/** A folder files can be written to: it exists, is a folder (not a file put in its place) and is writable. */
async function writable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
    await access(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function taskCounts(tasks: Pick<TaskService, 'countByStatus'>) {
  const byStatus = await tasks.countByStatus();
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const finished = byStatus.completed + byStatus.failed;
  return {
    byStatus,
    total,
    active: byStatus.pending + byStatus.processing,
    finished,
    successRatePercent: finished ? round((byStatus.completed / finished) * 100) : 100,
  };
}

function requestFigures(requestStats: Pick<RequestStats, 'snapshot'>) {
  const snapshot = requestStats.snapshot();
  const seconds = Math.max((Date.now() - snapshot.since.getTime()) / 1000, 1e-3);
  return {
    snapshot,
    requestsPerSecond: round(snapshot.total / seconds),
    errorRatePercent: snapshot.total ? round((snapshot.errors / snapshot.total) * 100) : 0,
  };
}

/** The health verdict on recent traffic: its server error rate, and whether that rate degrades the service. */
export function serverErrorRate(recent: RecentRequests): { percent: number; tooHigh: boolean } {
  const percent = recent.total ? round((recent.serverErrors / recent.total) * 100) : 0;
  return { percent, tooHigh: recent.total >= MIN_REQUESTS_FOR_ERROR_RATE && percent > MAX_ERROR_RATE_PERCENT };
}

export interface HealthReport {
  status: 'healthy' | 'degraded';
  version: string;
  timestamp: number;
  uptimeSeconds: number;
  storage: { uploadsWritable: boolean; outputsWritable: boolean; databaseReachable: boolean };
  tasks: { activeCount: number; totalTracked: number; totalProcessed: number; successRatePercent: number };
  /** `errorRatePercent` is the rate the verdict judges: 5xx among the recent requests (see serverErrorRate). */
  performance: { requestsPerSecond: number; avgResponseTimeMs: number; errorRatePercent: number };
  /** Why the service is degraded (in the web API's words); empty when healthy. */
  issues: { code: 'storage' | 'database' | 'load' | 'error_rate'; zh: string; en: string }[];
}

export async function healthReport(sources: HealthSources): Promise<HealthReport> {
  // All at once: under load each waits on the database, and an operator's probe should cost one wait, not three.
  const [uploadsWritable, outputsWritable, databaseReachable, counted] = await Promise.all([
    writable(sources.config.uploadFolder),
    writable(sources.config.outputFolder),
    sources.database.monitorDb.command({ ping: 1 }).then(() => true, () => false),
    taskCounts(sources.tasks).catch(() => null),
  ]);
  const tasks = databaseReachable ? counted : null;
  const requests = requestFigures(sources.requestStats);
  const errorRate = serverErrorRate(requests.snapshot.recent);
  const issues: HealthReport['issues'] = [];
  if (!uploadsWritable || !outputsWritable) {
    const which = [!uploadsWritable && 'uploads', !outputsWritable && 'outputs'].filter(Boolean).join(', ');
    issues.push({ code: 'storage', zh: `存储不可写 (${which})`, en: `Storage not writable (${which})` });
  }
  if (!databaseReachable) issues.push({ code: 'database', zh: '数据库不可用', en: 'Database unreachable' });
  if (errorRate.tooHigh) {
    issues.push({ code: 'error_rate', zh: `错误率过高 (${errorRate.percent}%)`, en: `Error rate too high (${errorRate.percent}%)` });
  }
  if (tasks && tasks.active > MAX_ACTIVE_TASKS) {
    issues.push({ code: 'load', zh: `活跃任务数量过多 (${tasks.active})`, en: `Too many active tasks (${tasks.active})` });
  }
  return {
    status: issues.length ? 'degraded' : 'healthy',
    version: sources.version,
    timestamp: Date.now() / 1000,
    uptimeSeconds: (Date.now() - sources.startedAt.getTime()) / 1000,
    storage: { uploadsWritable, outputsWritable, databaseReachable },
    tasks: {
      activeCount: tasks?.active ?? 0,
      totalTracked: tasks?.total ?? 0,
      totalProcessed: tasks?.finished ?? 0,
      successRatePercent: tasks?.successRatePercent ?? 100,
    },
    performance: {
      requestsPerSecond: requests.requestsPerSecond,
      avgResponseTimeMs: round(requests.snapshot.avgMs),
      errorRatePercent: errorRate.percent,
    },
    issues,
  };
}

export interface StatsReport {
  uptimeSeconds: number;
  requests: {
    total: number;
    perSecond: number;
    errorRatePercent: number;
    byMethod: Record<string, number>;
    byStatus: Record<string, number>;
    topEndpoints: Record<string, number>;
  };
  performance: { avgResponseTimeMs: number; maxResponseTimeMs: number; minResponseTimeMs: number };
  tasks: {
    active: number;
    totalCreated: number;
    totalCompleted: number;
    totalFailed: number;
    successRatePercent: number;
    byStatus: Record<TaskStatus, number>;
  };
  system: {
    memoryUsagePercent: number;
    memoryUsedGb: number;
    memoryTotalGb: number;
    diskUsagePercent: number;
    diskUsedGb: number;
    diskTotalGb: number;
  };
  recentTasks: { taskId: string; status: TaskStatus; ageSeconds: number; message: string }[];
}

const GB = 1024 ** 3;

export async function statsReport(sources: StatsSources): Promise<StatsReport> {
  const tasks = await taskCounts(sources.tasks);
  const requests = requestFigures(sources.requestStats);
  const disk = await statfs(sources.config.outputFolder);
  const diskTotal = disk.blocks * disk.bsize;
  const diskUsed = (disk.blocks - disk.bfree) * disk.bsize;
  const memoryTotal = totalmem();
  const memoryUsed = memoryTotal - freemem();
  const now = Date.now();
  const recent = await sources.tasks.list({ sortBy: 'updatedAt', sortOrder: 'desc', limit: 20 });
  return {
    uptimeSeconds: round((now - sources.startedAt.getTime()) / 1000, 1),
    requests: {
      total: requests.snapshot.total,
      perSecond: requests.requestsPerSecond,
      errorRatePercent: requests.errorRatePercent,
      byMethod: requests.snapshot.byMethod,
      byStatus: requests.snapshot.byStatus,
      topEndpoints: requests.snapshot.topEndpoints,
    },
    performance: {
      avgResponseTimeMs: round(requests.snapshot.avgMs),
      maxResponseTimeMs: round(requests.snapshot.maxMs),
      minResponseTimeMs: round(requests.snapshot.minMs),
    },
    tasks: {
      active: tasks.active,
      totalCreated: tasks.total,
      totalCompleted: tasks.byStatus.completed,
      totalFailed: tasks.byStatus.failed,
      successRatePercent: tasks.successRatePercent,
      byStatus: tasks.byStatus,
    },
    system: {
      memoryUsagePercent: round((memoryUsed / memoryTotal) * 100, 1),
      memoryUsedGb: round(memoryUsed / GB, 1),
      memoryTotalGb: round(memoryTotal / GB, 1),
      diskUsagePercent: round((diskUsed / diskTotal) * 100, 1),
      diskUsedGb: round(diskUsed / GB, 1),
      diskTotalGb: round(diskTotal / GB, 1),
    },
    recentTasks: recent.map((t) => ({ taskId: t.id, status: t.status, ageSeconds: round((now - t.createdAt.getTime()) / 1000, 1), message: t.message })),
  };
}
