/**
 * The service itself: health (GET /health), statistics (GET /stats, POST /stats/reset) and configuration (GET /config).
 * The rules are in src/domain/system-status.ts and src/domain/service-config.ts; these types only present them.
 */
import { builder } from '../builder.js';
import { Task, TaskStatus } from './task.js';
import { formatUptime, healthReport, statsReport, type HealthReport, type StatsReport } from '../../src/domain/system-status.js';
import { serviceConfigReport, type ServiceConfigReport } from '../../src/domain/service-config.js';
import type { TaskStatus as TaskStatusValue } from '../../src/domain/task.js';

// ---- health ----

const HealthStatus = builder.enumType('HealthStatus', {
  description: '`healthy`: every check passed; `degraded`: see issues (REST answers 503).',
  values: ['healthy', 'degraded'] as const,
});

const HealthIssueCode = builder.enumType('HealthIssueCode', { values: ['storage', 'database', 'load', 'error_rate'] as const });

const StorageHealth = builder.objectRef<HealthReport['storage']>('StorageHealth').implement({
  fields: (t) => ({
    uploadsWritable: t.exposeBoolean('uploadsWritable'),
    outputsWritable: t.exposeBoolean('outputsWritable'),
    databaseReachable: t.exposeBoolean('databaseReachable'),
  }),
});

const TaskHealth = builder.objectRef<HealthReport['tasks']>('TaskHealth').implement({
  fields: (t) => ({
    activeCount: t.exposeInt('activeCount', { description: 'Pending or processing; over 20 degrades the service.' }),
    totalTracked: t.exposeInt('totalTracked'),
    totalProcessed: t.exposeInt('totalProcessed'),
    successRatePercent: t.exposeFloat('successRatePercent'),
  }),
});

const RequestPerformance = builder.objectRef<HealthReport['performance']>('RequestPerformance').implement({
  fields: (t) => ({
    requestsPerSecond: t.exposeFloat('requestsPerSecond'),
    avgResponseTimeMs: t.exposeFloat('avgResponseTimeMs'),
    errorRatePercent: t.exposeFloat('errorRatePercent', { description: 'Share of server errors (5xx) in the last 5 minutes; over 10 % (once 20 requests were seen) degrades the service. Client errors never do.' }),
  }),
});

const HealthIssue = builder.objectRef<HealthReport['issues'][number]>('HealthIssue').implement({
  fields: (t) => ({
    code: t.expose('code', { type: HealthIssueCode }),
    message: t.string({ description: "In the request's language.", resolve: (issue, _args, context) => issue[context.language] }),
  }),
});

const Health = builder.objectRef<HealthReport>('Health').implement({
  description: 'What GET /health reports.',
  fields: (t) => ({
    status: t.expose('status', { type: HealthStatus }),
    version: t.exposeString('version'),
    timestamp: t.field({ type: 'DateTime', resolve: (report) => new Date(report.timestamp * 1000) }),
    uptimeSeconds: t.exposeFloat('uptimeSeconds'),
    uptime: t.string({ description: 'e.g. `2h 30m 15s`.', resolve: (report) => formatUptime(report.uptimeSeconds) }),
    storage: t.expose('storage', { type: StorageHealth }),
    tasks: t.expose('tasks', { type: TaskHealth }),
    performance: t.expose('performance', { type: RequestPerformance }),
    issues: t.expose('issues', { type: [HealthIssue], description: 'Why the service is degraded; empty when healthy.' }),
  }),
});

// ---- stats ----

const Count = builder.objectRef<{ key: string; count: number }>('Count').implement({
  description: 'How many times a key (method, status code, endpoint) occurred.',
  fields: (t) => ({ key: t.exposeString('key'), count: t.exposeInt('count') }),
});

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

const RequestStatistics = builder.objectRef<StatsReport['requests']>('RequestStatistics').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    perSecond: t.exposeFloat('perSecond'),
    errorRatePercent: t.exposeFloat('errorRatePercent'),
    byMethod: t.field({ type: [Count], resolve: (requests) => counts(requests.byMethod) }),
    byStatus: t.field({ type: [Count], resolve: (requests) => counts(requests.byStatus) }),
    topEndpoints: t.field({ type: [Count], description: 'The 10 most requested paths.', resolve: (requests) => counts(requests.topEndpoints) }),
  }),
});

const ResponseTimes = builder.objectRef<StatsReport['performance']>('ResponseTimes').implement({
  fields: (t) => ({
    avgResponseTimeMs: t.exposeFloat('avgResponseTimeMs'),
    maxResponseTimeMs: t.exposeFloat('maxResponseTimeMs'),
    minResponseTimeMs: t.exposeFloat('minResponseTimeMs'),
  }),
});

const TaskStatusCounts = builder.objectRef<Record<TaskStatusValue, number>>('TaskStatusCounts').implement({
  fields: (t) => ({
    pending: t.exposeInt('pending'),
    processing: t.exposeInt('processing'),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
  }),
});

const TaskStatistics = builder.objectRef<StatsReport['tasks']>('TaskStatistics').implement({
  fields: (t) => ({
    active: t.exposeInt('active', { description: 'Pending or processing.' }),
    totalCreated: t.exposeInt('totalCreated'),
    totalCompleted: t.exposeInt('totalCompleted'),
    totalFailed: t.exposeInt('totalFailed'),
    successRatePercent: t.exposeFloat('successRatePercent'),
    byStatus: t.expose('byStatus', { type: TaskStatusCounts }),
  }),
});

const SystemResources = builder.objectRef<StatsReport['system']>('SystemResources').implement({
  fields: (t) => ({
    memoryUsagePercent: t.exposeFloat('memoryUsagePercent'),
    memoryUsedGb: t.exposeFloat('memoryUsedGb'),
    memoryTotalGb: t.exposeFloat('memoryTotalGb'),
    diskUsagePercent: t.exposeFloat('diskUsagePercent', { description: 'Of the disk holding the output folder.' }),
    diskUsedGb: t.exposeFloat('diskUsedGb'),
    diskTotalGb: t.exposeFloat('diskTotalGb'),
  }),
});

const RecentTask = builder.objectRef<StatsReport['recentTasks'][number]>('RecentTask').implement({
  fields: (t) => ({
    taskId: t.exposeID('taskId'),
    status: t.expose('status', { type: TaskStatus }),
    ageSeconds: t.exposeFloat('ageSeconds'),
    message: t.exposeString('message'),
    task: t.field({
      type: Task,
      nullable: true,
      description: 'The task, unless it was deleted meanwhile.',
      resolve: (recent, _args, context) => context.services.tasks.get(recent.taskId),
    }),
  }),
});

const Stats = builder.objectRef<StatsReport>('Stats').implement({
  description: 'What GET /stats reports.',
  fields: (t) => ({
    uptimeSeconds: t.exposeFloat('uptimeSeconds'),
    uptimeFormatted: t.string({ resolve: (stats) => formatUptime(stats.uptimeSeconds) }),
    requests: t.expose('requests', { type: RequestStatistics }),
    performance: t.expose('performance', { type: ResponseTimes }),
    tasks: t.expose('tasks', { type: TaskStatistics }),
    system: t.expose('system', { type: SystemResources }),
    recentTasks: t.expose('recentTasks', { type: [RecentTask], description: 'The 20 most recently changed tasks.' }),
  }),
});

const ResetStatsPayload = builder.objectRef<{ resetAt: Date }>('ResetStatsPayload').implement({
  fields: (t) => ({ resetAt: t.expose('resetAt', { type: 'DateTime' }) }),
});

// ---- config ----

const ServiceSettings = builder.objectRef<ServiceConfigReport['configuration']>('ServiceSettings').implement({
  description: 'The effective settings (GET /config `configuration`).',
  fields: (t) => ({
    host: t.exposeString('host'),
    port: t.exposeInt('port'),
    debug: t.exposeBoolean('debug'),
    baseDir: t.exposeString('baseDir'),
    uploadFolder: t.exposeString('uploadFolder'),
    outputFolder: t.exposeString('outputFolder'),
    maxContentLength: t.exposeFloat('maxContentLength', { description: 'Bytes.' }),
    logLevel: t.exposeString('logLevel'),
    logFile: t.exposeString('logFile', { nullable: true }),
    corsOrigins: t.exposeStringList('corsOrigins'),
    taskCleanupInterval: t.exposeInt('taskCleanupInterval', { description: 'Seconds.' }),
    maxTaskAge: t.exposeInt('maxTaskAge', { description: 'Seconds.' }),
    threads: t.exposeInt('threads'),
    connectionLimit: t.exposeInt('connectionLimit'),
    channelTimeout: t.exposeInt('channelTimeout', { description: 'Seconds.' }),
  }),
});

const EnvironmentVariable = builder.objectRef<ServiceConfigReport['environmentVariables'][number]>('EnvironmentVariable').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    value: t.exposeString('value', { nullable: true, description: 'As set (secrets masked); null when not set.' }),
    defaultValue: t.exposeString('defaultValue'),
    documented: t.exposeBoolean('documented', { description: 'Listed in the REST API doc (the others are our own).' }),
  }),
});

const ServiceConfig = builder.objectRef<ServiceConfigReport>('ServiceConfig').implement({
  description: 'What GET /config reports.',
  fields: (t) => ({
    configuration: t.expose('configuration', { type: ServiceSettings }),
    environmentVariables: t.expose('environmentVariables', { type: [EnvironmentVariable], description: 'Every supported variable.' }),
  }),
});

builder.queryFields((t) => ({
  health: t.field({ type: Health, resolve: (_root, _args, context) => healthReport(context.services) }),
  stats: t.field({ type: Stats, resolve: (_root, _args, context) => statsReport(context.services) }),
  config: t.field({ type: ServiceConfig, resolve: (_root, _args, context) => serviceConfigReport(context.services.config) }),
}));

builder.mutationFields((t) => ({
  resetStats: t.field({
    type: ResetStatsPayload,
    description: 'Starts the request statistics afresh (REST: POST /stats/reset).',
    resolve: (_root, _args, context) => {
      context.services.requestStats.reset();
      return { resetAt: new Date() };
    },
  }),
}));
