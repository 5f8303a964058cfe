/** GET /reports: the paged report listing; which tasks, their order and the pages are src/domain/task-listing.ts's. */
import { Type } from 'fets';
import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_TASK_FILTER,
  MAX_PAGE_SIZE,
  REPORT_STATUS_FILTERS,
  SORT_ORDERS,
  TASK_SORT_FIELDS,
  checkReportQuery,
  mainReport,
  reportPage,
  type ReportQueryCheck,
} from '../../domain/task-listing.js';
import { resultFileUrl } from '../../domain/result-files.js';
import type { Task, TaskResultFile } from '../../domain/task.js';
import { epochSeconds, reply } from './envelope.js';
import { refuse, type Refusals } from './refusals.js';
import type { RestArea } from './route.js';
import { envelopeSchema, errorEnvelope } from './schemas.js';

const REFUSALS: Refusals<Extract<ReportQueryCheck, { ok: false }>> = {
  page: { status: 400, key: 'reports_bad_page' },
  per_page: { status: 400, key: 'reports_bad_per_page' },
  sort_by: { status: 400, key: 'reports_bad_sort_by' },
  sort_order: { status: 400, key: 'reports_bad_sort_order' },
  status: { status: 400, key: 'reports_bad_status' },
};

const fileData = (file: TaskResultFile) => ({ name: file.name, size: file.size, type: file.type, download_url: resultFileUrl(file.relPath) });

function reportData(task: Task) {
  const main = mainReport(task);
  return {
    task_id: task.id,
    report_name: task.reportName,
    status: task.status,
    created_at: epochSeconds(task.createdAt),
    file_count: task.results.length,
    total_size: task.totalSize,
    processing_time_seconds: task.processingTimeSeconds === null ? null : Math.round(task.processingTimeSeconds * 100) / 100,
    main_report: main ? fileData(main) : null,
    all_files: task.results.map(fileData),
    run_directory: task.runDirectory,
  };
}

const fileSchema = Type.Object({ name: Type.String(), size: Type.Integer(), type: Type.String(), download_url: Type.String() });
const reportsSchema = Type.Object({
  reports: Type.Array(
    Type.Object({
      task_id: Type.String(),
      report_name: Type.String(),
      status: Type.String(),
      created_at: Type.Number(),
      file_count: Type.Integer(),
      total_size: Type.Integer(),
      processing_time_seconds: Type.Union([Type.Number(), Type.Null()]),
      main_report: Type.Union([fileSchema, Type.Null()]),
      all_files: Type.Array(fileSchema),
      run_directory: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  pagination: Type.Object({
    page: Type.Integer(),
    per_page: Type.Integer(),
    total_reports: Type.Integer(),
    total_pages: Type.Integer(),
    has_next: Type.Boolean(),
    has_prev: Type.Boolean(),
  }),
  filters: Type.Object({ sort_by: Type.String(), sort_order: Type.String(), status: Type.Union([Type.String(), Type.Null()]) }),
});

const text = (description: string, extra: Record<string, unknown> = {}) => Type.Optional(Type.String({ description, ...extra }));

export const reportRoutes: RestArea = (services) => [
  {
    method: 'GET',
    path: '/reports',
    operationId: 'listReports',
    tags: ['reports'],
    description: 'Tasks and their report files, paged and sorted. Without `status`, every task is listed (pending and processing ones too).',
    schemas: {
      request: {
        // Strings, so the handler answers bad values with the documented messages.
        query: Type.Object({
          page: text('Page number, from 1', { default: '1' }),
          per_page: text(`Reports per page, 1 to ${MAX_PAGE_SIZE}`, { default: String(DEFAULT_PAGE_SIZE) }),
          sort_by: text(`One of ${TASK_SORT_FIELDS.join(', ')}`, { default: DEFAULT_TASK_FILTER.sortBy }),
          sort_order: text(`One of ${SORT_ORDERS.join(', ')}`, { default: DEFAULT_TASK_FILTER.sortOrder }),
          status: text(`One of ${REPORT_STATUS_FILTERS.join(', ')}; absent: every task`),
        }),
      },
      responses: { 200: envelopeSchema(reportsSchema), 400: errorEnvelope },
    },
    async handle(call) {
      const q = call.query;
      const checked = checkReportQuery({
        page: q.get('page'),
        perPage: q.get('per_page'),
        sortBy: q.get('sort_by'),
        sortOrder: q.get('sort_order'),
        status: q.get('status'),
      });
      if (!checked.ok) return refuse(call, REFUSALS, checked);
      const query = checked.query;
      const page = await reportPage(services.tasks, query);
      return reply(call, 200, 'reports_ok', {
        reports: page.tasks.map(reportData),
        pagination: {
          page: query.page,
          per_page: query.perPage,
          total_reports: page.total,
          total_pages: page.totalPages,
          has_next: page.hasNext,
          has_prev: page.hasPrev,
        },
        filters: { sort_by: query.sortBy, sort_order: query.sortOrder, status: query.status },
      });
    },
  },
];
