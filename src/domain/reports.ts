/**
 * The report listing (GET /reports): which tasks are reports, how they page and sort, and which file is a task's main
 * report. Without a status filter every task is listed, pending and processing ones too (the doc: "不指定: 显示所有任务").
 */
import type { TaskService } from './task-service.js';
import type { TaskSortField } from './task-store.js';
import type { Task, TaskResultFile } from './task.js';

export const REPORT_SORT_FIELDS = ['created_at', 'task_id', 'file_size', 'processing_time'] as const;
export type ReportSortField = (typeof REPORT_SORT_FIELDS)[number];
export const REPORT_SORT_ORDERS = ['asc', 'desc'] as const;
export type ReportSortOrder = (typeof REPORT_SORT_ORDERS)[number];
export const REPORT_STATUS_FILTERS = ['completed', 'failed'] as const;
export type ReportStatusFilter = (typeof REPORT_STATUS_FILTERS)[number];

export const DEFAULT_REPORTS_PER_PAGE = 20;
export const MAX_REPORTS_PER_PAGE = 100;

export interface ReportQuery {
  page: number;
  perPage: number;
  sortBy: ReportSortField;
  sortOrder: ReportSortOrder;
  status: ReportStatusFilter | null;
}

/** Each value as given (a query string's text, or a number from a typed API); undefined or null means "not given". */
export interface ReportQueryInput {
  page?: string | number | null;
  perPage?: string | number | null;
  sortBy?: string | null;
  sortOrder?: string | null;
  status?: string | null;
}

export type ReportQueryCheck =
  | { ok: true; query: ReportQuery }
  | { ok: false; parameter: 'page' | 'per_page' | 'sort_by' | 'sort_order' | 'status' };

function integer(value: string | number): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  const text = value.trim();
  return /^\+?\d{1,15}$/.test(text) ? Number(text) : null;
}

/** The first invalid parameter, in the order page, per_page, sort_by, sort_order, status; else the query with defaults. */
export function checkReportQuery(input: ReportQueryInput): ReportQueryCheck {
  const page = input.page == null ? 1 : integer(input.page);
  if (page === null || page < 1) return { ok: false, parameter: 'page' };
  const perPage = input.perPage == null ? DEFAULT_REPORTS_PER_PAGE : integer(input.perPage);
  if (perPage === null || perPage < 1 || perPage > MAX_REPORTS_PER_PAGE) return { ok: false, parameter: 'per_page' };
  const sortBy = input.sortBy ?? 'created_at';
  if (!(REPORT_SORT_FIELDS as readonly string[]).includes(sortBy)) return { ok: false, parameter: 'sort_by' };
  const sortOrder = input.sortOrder ?? 'desc';
  if (!(REPORT_SORT_ORDERS as readonly string[]).includes(sortOrder)) return { ok: false, parameter: 'sort_order' };
  const status = input.status ?? null;
  if (status !== null && !(REPORT_STATUS_FILTERS as readonly string[]).includes(status)) return { ok: false, parameter: 'status' };
  return {
    ok: true,
    query: { page, perPage, sortBy: sortBy as ReportSortField, sortOrder: sortOrder as ReportSortOrder, status: status as ReportStatusFilter | null },
  };
}

const SORT_FIELDS: Record<ReportSortField, TaskSortField> = {
  created_at: 'createdAt',
  task_id: 'id',
  file_size: 'totalSize',
  processing_time: 'processingTimeSeconds',
};

export interface ReportPage {
  tasks: Task[];
  total: number;
  totalPages: number;
  hasNext: boolean;
  hasPrev: boolean;
}

export async function listReports(tasks: TaskService, query: ReportQuery): Promise<ReportPage> {
  const statuses = query.status ? [query.status] : undefined;
  const [page, total] = await Promise.all([
    tasks.list({
      statuses,
      sortBy: SORT_FIELDS[query.sortBy],
      sortOrder: query.sortOrder,
      skip: (query.page - 1) * query.perPage,
      limit: query.perPage,
    }),
    tasks.count({ statuses }),
  ]);
  const totalPages = Math.ceil(total / query.perPage);
  return { tasks: page, total, totalPages, hasNext: query.page < totalPages, hasPrev: query.page > 1 };
}

/** The task's main report: its first HTML report (one per gas), or null when it has none. */
export function mainReport(task: Task): TaskResultFile | null {
  return task.results.find((r) => r.type === 'report') ?? null;
}
