/** `gasflux-client health`, `tasks`, `task <id>` and `reports`: the service's state and its tasks, as tables or JSON. */
import type { ReportStatusFilter, SortOrder, TaskSortField, TaskStatus } from '../generated/graphql.js';
import { limit, list, oneOf, printJson, str, type Command } from './command.js';
import { CliFailure, EXIT, usage } from './exit.js';
import { bytes, fluxLine, seconds, table, taskProgress, when } from './format.js';

const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const satisfies readonly TaskStatus[];
const REPORT_STATUSES = ['completed', 'failed'] as const satisfies readonly ReportStatusFilter[];
const SORT_FIELDS = ['created_at', 'file_size', 'processing_time', 'task_id'] as const satisfies readonly TaskSortField[];
const ORDERS = ['asc', 'desc'] as const satisfies readonly SortOrder[];

const yesNo = (ok: boolean) => (ok ? 'ok' : 'FAILING');

export const health: Command = {
  name: 'health',
  summary: 'the service status, version, uptime and storage checks (exit 1 unless healthy)',
  help: `Usage: gasflux-client health [--json]

Prints the service's status, version, uptime, storage checks and any issues. Exits 0 when healthy, 1 when degraded.`,
  options: {},
  async run(ctx, _values, positionals) {
    if (positionals.length) throw usage('health takes no arguments');
    const h = await ctx.client.health();
    if (ctx.json) printJson(ctx, h);
    else {
      const rows = [
        ['version', h.version],
        ['uptime', h.uptime],
        ['uploads', yesNo(h.storage.uploadsWritable)],
        ['outputs', yesNo(h.storage.outputsWritable)],
        ['database', yesNo(h.storage.databaseReachable)],
        ['tasks', `${h.tasks.activeCount} active, ${h.tasks.totalProcessed} processed, ${h.tasks.successRatePercent}% succeeded`],
        ...h.issues.map((issue) => ['issue', `${issue.code}: ${issue.message}`]),
      ];
      ctx.io.out(`${table(['status', h.status], rows)}\n`);
    }
    return h.status === 'healthy' ? EXIT.OK : EXIT.FAILED;
  },
};

export const tasks: Command = {
  name: 'tasks',
  summary: 'list tasks, newest first',
  help: `Usage: gasflux-client tasks [--status pending,processing,completed,failed] [--limit n] [--after cursor] [--json]

  --status, -s   only tasks in these states (repeat or separate with commas)
  --limit, -n    at most n tasks (1-100, default 20)
  --after        the cursor printed after a full page, for the next one`,
  options: {
    status: { type: 'string', short: 's', multiple: true },
    limit: { type: 'string', short: 'n' },
    after: { type: 'string' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw usage('tasks takes no arguments');
    const status = list(values.status).map((s) => oneOf('status', s, TASK_STATUSES));
    const connection = await ctx.client.tasks({
      ...(status.length ? { status } : {}),
      first: limit(values.limit, 20),
      ...(str(values.after) ? { after: str(values.after) } : {}),
    });
    const nodes = connection.edges.map((e) => e.node);
    if (ctx.json) {
      printJson(ctx, { totalCount: connection.totalCount, hasNextPage: connection.pageInfo.hasNextPage, endCursor: connection.pageInfo.endCursor, tasks: nodes });
      return EXIT.OK;
    }
    const rows = nodes.map((t) => [t.id, t.status, taskProgress(t), t.inputFileName ?? '-', when(t.createdAt)]);
    ctx.io.out(`${table(['ID', 'STATUS', 'PROGRESS', 'FILE', 'CREATED'], rows)}\n`);
    ctx.io.out(`${nodes.length} of ${connection.totalCount} tasks\n`);
    if (connection.pageInfo.hasNextPage) ctx.io.err(`more: --after ${connection.pageInfo.endCursor}\n`);
    return EXIT.OK;
  },
};

export const task: Command = {
  name: 'task',
  summary: 'one task: status, progress, error or result files',
  help: `Usage: gasflux-client task <id> [--json]

Exits 0 unless the task does not exist (1).`,
  options: {},
  async run(ctx, _values, positionals) {
    if (positionals.length !== 1) throw usage('task takes one task id');
    const t = await ctx.client.task(positionals[0]);
    if (!t) throw new CliFailure(`no task ${positionals[0]}`, EXIT.FAILED);
    if (ctx.json) {
      printJson(ctx, t);
      return EXIT.OK;
    }
    const rows = [
      ['status', t.status],
      ['message', t.message ?? '-'],
      ['progress', taskProgress(t)],
      ['file', `${t.inputFileName ?? '-'} (${bytes(t.inputSize)})`],
      ['priority', t.priority],
      ['created', when(t.createdAt)],
      ['finished', when(t.finishedAt)],
      ['time', seconds(t.processingTimeSeconds)],
      ...(t.error ? [['error', `[${t.error.stage}/${t.error.errorCode}] ${t.error.message}`]] : []),
      ...(fluxLine(t) ? [['flux', fluxLine(t)!]] : []),
      ...t.results.map((r) => ['result', `${r.name} (${r.type}${r.gas ? ` ${r.gas}` : ''}, ${bytes(r.size)}) ${ctx.client.resultUrl(r)}`]),
    ];
    ctx.io.out(`${table(['task', t.id], rows)}\n`);
    return EXIT.OK;
  },
};

export const reports: Command = {
  name: 'reports',
  summary: 'list finished runs and their reports',
  help: `Usage: gasflux-client reports [--status completed|failed] [--sort-by created_at|file_size|processing_time|task_id]
                              [--order asc|desc] [--limit n] [--after cursor] [--json]

  --status, -s   only completed or only failed runs (default both)
  --sort-by      created_at (default), file_size, processing_time or task_id
  --order        desc (default) or asc
  --limit, -n    at most n reports (1-100, default 20)
  --after        the cursor printed after a full page, for the next one`,
  options: {
    status: { type: 'string', short: 's' },
    'sort-by': { type: 'string' },
    order: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    after: { type: 'string' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw usage('reports takes no arguments');
    const connection = await ctx.client.reports({
      ...(values.status !== undefined ? { status: oneOf('status', str(values.status)!, REPORT_STATUSES) } : {}),
      ...(values['sort-by'] !== undefined ? { sortBy: oneOf('sort-by', str(values['sort-by'])!, SORT_FIELDS) } : {}),
      ...(values.order !== undefined ? { sortOrder: oneOf('order', str(values.order)!, ORDERS) } : {}),
      first: limit(values.limit, 20),
      ...(str(values.after) ? { after: str(values.after) } : {}),
    });
    const nodes = connection.edges.map((e) => e.node);
    if (ctx.json) {
      printJson(ctx, { totalCount: connection.totalCount, hasNextPage: connection.pageInfo.hasNextPage, endCursor: connection.pageInfo.endCursor, reports: nodes });
      return EXIT.OK;
    }
    const rows = nodes.map((r) => [
      r.taskId, r.status, r.reportName, String(r.fileCount), bytes(r.totalSize), seconds(r.processingTimeSeconds), when(r.createdAt),
    ]);
    ctx.io.out(`${table(['TASK', 'STATUS', 'REPORT', 'FILES', 'SIZE', 'TIME', 'CREATED'], rows)}\n`);
    ctx.io.out(`${nodes.length} of ${connection.totalCount} reports\n`);
    if (connection.pageInfo.hasNextPage) ctx.io.err(`more: --after ${connection.pageInfo.endCursor}\n`);
    return EXIT.OK;
  },
};
