/** Monitoring: GET /health, GET /stats, POST /stats/reset, GET /config. The rules live in src/domain/system-status.ts. */
import { Type } from 'fets';
import type { AppConfig } from '../../config.js';
import { serviceConfigReport } from '../../domain/service-config.js';
import { formatUptime, healthReport, statsReport } from '../../domain/system-status.js';
import { epochSeconds, reply, replyText } from './envelope.js';
import { message } from './messages.js';
import type { RestArea } from './route.js';
import { envelopeSchema, errorEnvelope } from './schemas.js';

const health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded')]),
  version: Type.String(),
  timestamp: Type.Number({ description: 'Seconds since the epoch' }),
  uptime: Type.String({ examples: ['2h 30m 15s'] }),
  storage: Type.Object({ uploads_writable: Type.Boolean(), outputs_writable: Type.Boolean(), database_reachable: Type.Boolean() }),
  tasks: Type.Object({
    active_count: Type.Integer(),
    total_tracked: Type.Integer(),
    total_processed: Type.Integer(),
    success_rate_percent: Type.Number(),
  }),
  performance: Type.Object({ requests_per_second: Type.Number(), avg_response_time_ms: Type.Number(), error_rate_percent: Type.Number() }),
  issues: Type.Optional(Type.Array(Type.String(), { description: 'Only when degraded' })),
});

const counts = Type.Record(Type.String(), Type.Integer());
const stats = Type.Object({
  summary: Type.Object({
    uptime_seconds: Type.Number(),
    uptime_formatted: Type.String(),
    requests_total: Type.Integer(),
    requests_per_second: Type.Number(),
    error_rate_percent: Type.Number(),
    active_tasks: Type.Integer(),
  }),
  requests: Type.Object({ by_method: counts, by_status: counts, top_endpoints: counts }),
  tasks: Type.Object({
    total_created: Type.Integer(),
    total_completed: Type.Integer(),
    total_failed: Type.Integer(),
    success_rate_percent: Type.Number(),
    by_status: counts,
  }),
  performance: Type.Object({ avg_response_time_ms: Type.Number(), max_response_time_ms: Type.Number(), min_response_time_ms: Type.Number() }),
  system: Type.Object({
    memory_usage_percent: Type.Number(),
    memory_used_gb: Type.Number(),
    memory_total_gb: Type.Number(),
    disk_usage_percent: Type.Number(),
    disk_used_gb: Type.Number(),
    disk_total_gb: Type.Number(),
  }),
  recent_tasks: Type.Array(Type.Object({ task_id: Type.String(), status: Type.String(), age_seconds: Type.Number(), message: Type.String() })),
});

const configuration = Type.Object({
  configuration: Type.Object({
    host: Type.String(),
    port: Type.Integer(),
    debug: Type.Boolean(),
    base_dir: Type.String(),
    upload_folder: Type.String(),
    output_folder: Type.String(),
    max_content_length: Type.Integer(),
    log_level: Type.String(),
    log_file: Type.Union([Type.String(), Type.Null()]),
    cors_origins: Type.Array(Type.String()),
    task_cleanup_interval: Type.Integer(),
    max_task_age: Type.Integer(),
    threads: Type.Integer(),
    connection_limit: Type.Integer(),
    channel_timeout: Type.Integer(),
  }),
  environment_variables: Type.Object({
    supported: Type.Array(Type.String()),
    current_values: Type.Record(Type.String(), Type.String(), { description: 'The supported variables that are set; passwords in MONGODB_URI are masked' }),
  }),
});

/** GET /config's data: the effective settings, and the variables that are set (AppConfig already masks secrets). */
/** The domain's config report in the web API's field names. */
export function configData(config: AppConfig) {
  const { configuration: c, environmentVariables } = serviceConfigReport(config);
  return {
    configuration: {
      host: c.host,
      port: c.port,
      debug: c.debug,
      base_dir: c.baseDir,
      upload_folder: c.uploadFolder,
      output_folder: c.outputFolder,
      max_content_length: c.maxContentLength,
      log_level: c.logLevel,
      log_file: c.logFile,
      cors_origins: c.corsOrigins,
      task_cleanup_interval: c.taskCleanupInterval,
      max_task_age: c.maxTaskAge,
      threads: c.threads,
      connection_limit: c.connectionLimit,
      channel_timeout: c.channelTimeout,
    },
    environment_variables: {
      supported: environmentVariables.map((v) => v.name),
      current_values: Object.fromEntries(environmentVariables.filter((v) => v.value !== null).map((v) => [v.name, v.value])),
    },
  };
}

export const opsRoutes: RestArea = (services) => [
  {
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    tags: ['monitoring'],
    description:
      'Health of the service: storage writable, at most 20 active tasks, server errors (5xx) at most 10 % of the requests of the last 5 minutes (judged from 20 requests on; client errors never count). 503 with `issues` when any check fails.',
    schemas: { responses: { 200: envelopeSchema(health), 503: envelopeSchema(health) } },
    async handle(call) {
      const report = await healthReport(services);
      const degraded = report.status === 'degraded';
      const data: Record<string, unknown> = {
        status: report.status,
        version: report.version,
        timestamp: report.timestamp,
        uptime: formatUptime(report.uptimeSeconds),
        storage: {
          uploads_writable: report.storage.uploadsWritable,
          outputs_writable: report.storage.outputsWritable,
          database_reachable: report.storage.databaseReachable,
        },
        tasks: {
          active_count: report.tasks.activeCount,
          total_tracked: report.tasks.totalTracked,
          total_processed: report.tasks.totalProcessed,
          success_rate_percent: report.tasks.successRatePercent,
        },
        performance: {
          requests_per_second: report.performance.requestsPerSecond,
          avg_response_time_ms: report.performance.avgResponseTimeMs,
          error_rate_percent: report.performance.errorRatePercent,
        },
      };
      if (degraded) data.issues = report.issues.map((issue) => issue[call.lang]);
      // Degraded is a state, not a failed request: the body is the health report, without a top-level `error`.
      return replyText(degraded ? 503 : 200, message(call.lang, degraded ? 'health_degraded' : 'health_ok'), data, { error: false });
    },
  },
  {
    method: 'GET',
    path: '/stats',
    operationId: 'getStats',
    tags: ['monitoring'],
    description: 'Request, task, performance and system statistics, and the 20 most recently updated tasks.',
    schemas: { responses: { 200: envelopeSchema(stats), 500: errorEnvelope } },
    async handle(call) {
      const report = await statsReport(services);
      return reply(call, 200, 'stats_ok', {
        summary: {
          uptime_seconds: report.uptimeSeconds,
          uptime_formatted: formatUptime(report.uptimeSeconds),
          requests_total: report.requests.total,
          requests_per_second: report.requests.perSecond,
          error_rate_percent: report.requests.errorRatePercent,
          active_tasks: report.tasks.active,
        },
        requests: {
          by_method: report.requests.byMethod,
          by_status: report.requests.byStatus,
          top_endpoints: report.requests.topEndpoints,
        },
        tasks: {
          total_created: report.tasks.totalCreated,
          total_completed: report.tasks.totalCompleted,
          total_failed: report.tasks.totalFailed,
          success_rate_percent: report.tasks.successRatePercent,
          by_status: report.tasks.byStatus,
        },
        performance: {
          avg_response_time_ms: report.performance.avgResponseTimeMs,
          max_response_time_ms: report.performance.maxResponseTimeMs,
          min_response_time_ms: report.performance.minResponseTimeMs,
        },
        system: {
          memory_usage_percent: report.system.memoryUsagePercent,
          memory_used_gb: report.system.memoryUsedGb,
          memory_total_gb: report.system.memoryTotalGb,
          disk_usage_percent: report.system.diskUsagePercent,
          disk_used_gb: report.system.diskUsedGb,
          disk_total_gb: report.system.diskTotalGb,
        },
        recent_tasks: report.recentTasks.map((t) => ({ task_id: t.taskId, status: t.status, age_seconds: t.ageSeconds, message: t.message })),
      });
    },
  },
  {
    method: 'POST',
    path: '/stats/reset',
    operationId: 'resetStats',
    tags: ['monitoring'],
    description: 'Resets the request statistics of this process (administrator function).',
    schemas: { responses: { 200: envelopeSchema(Type.Object({ timestamp: Type.Number() })) } },
    handle(call) {
      services.requestStats.reset();
      return reply(call, 200, 'stats_reset', { timestamp: epochSeconds(new Date()) });
    },
  },
  {
    method: 'GET',
    path: '/config',
    operationId: 'getConfig',
    tags: ['monitoring'],
    description: 'The effective configuration and the supported environment variables (secrets masked).',
    schemas: { responses: { 200: envelopeSchema(configuration) } },
    handle(call) {
      return reply(call, 200, 'config_ok', configData(services.config));
    },
  },
];
