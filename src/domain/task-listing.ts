/**
 * Listing tasks, for GET /reports and the GraphQL `tasks` and `reports` connections alike: which tasks (by status;
 * every task when none is given, pending and processing ones too, as the doc says: "不指定: 显示所有任务"), in which
 * order, how many, and a slice of them; REST's page numbers are a slice too. Also which file is a task's main report.
 */
import type { TaskService } from './task-service.js';
import type { TaskSortField as StoreSortField } from './task-store.js';
import type { Task, TaskResultFile, TaskStatus } from './task.js';

export const TASK_SORT_FIELDS = ['created_at', 'task_id', 'file_size', 'processing_time'] as const;
export type TaskSortField = (typeof TASK_SORT_FIELDS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];
/** The statuses GET /reports (and the `reports` connection) filter on. */
export const REPORT_STATUS_FILTERS = ['completed', 'failed'] as const;
export type ReportStatusFilter = (typeof REPORT_STATUS_FILTERS)[number];

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Which tasks, in which order. */
export interface TaskFilter {
  /** Empty: every task. */
  statuses: readonly TaskStatus[];
  sortBy: TaskSortField;
  sortOrder: SortOrder;
}

export const DEFAULT_TASK_FILTER: TaskFilter = { statuses: [], sortBy: 'created_at', sortOrder: 'desc' };

type Source = Pick<TaskService, 'list' | 'count'>;

const STORE_SORT_FIELDS: Record<TaskSortField, StoreSortField> = {
  created_at: 'createdAt',
  task_id: 'id',
  file_size: 'totalSize',
  processing_time: 'processingTimeSeconds',
};

const storeQuery = (filter: TaskFilter) => ({
  statuses: filter.statuses.length > 0 ? [...filter.statuses] : undefined,
  sortBy: STORE_SORT_FIELDS[filter.sortBy],
  sortOrder: filter.sortOrder,
});

export function countTasks(tasks: Source, filter: TaskFilter): Promise<number> {
  return tasks.count({ statuses: storeQuery(filter).statuses });
}

/** The `limit` tasks after the first `offset`, in the filter's order. */
export function listTasks(tasks: Source, filter: TaskFilter, range: { offset: number; limit: number }): Promise<Task[]> {
  return tasks.list({ ...storeQuery(filter), skip: range.offset, limit: range.limit });
}

// ---- GET /reports: page numbers and its parameters as text ----

export interface ReportQuery {
  page: number;
  perPage: number;
  sortBy: TaskSortField;
  sortOrder: SortOrder;
  status: ReportStatusFilter | null;
}

/** Each value as given (a query string's text); undefined or null means "not given". */
export interface ReportQueryInput {
  page?: string | null;
  perPage?: string | null;
  sortBy?: string | null;
  sortOrder?: string | null;
  status?: string | null;
}

export type ReportQueryCheck =
  | { ok: true; query: ReportQuery }
  | { ok: false; reason: 'page' | 'per_page' | 'sort_by' | 'sort_order' | 'status' };

function integer(value: string): number | null {
  const text = value.trim();
  return /^\+?\d{1,15}$/.test(text) ? Number(text) : null;
}

/** The first invalid parameter, in the order page, per_page, sort_by, sort_order, status; else the query with defaults. */
export function checkReportQuery(input: ReportQueryInput): ReportQueryCheck {
  const page = input.page == null ? 1 : integer(input.page);
  if (page === null || page < 1) return { ok: false, reason: 'page' };
  const perPage = input.perPage == null ? DEFAULT_PAGE_SIZE : integer(input.perPage);
  if (perPage === null || perPage < 1 || perPage > MAX_PAGE_SIZE) return { ok: false, reason: 'per_page' };
  const sortBy = input.sortBy ?? DEFAULT_TASK_FILTER.sortBy;
  if (!(TASK_SORT_FIELDS as readonly string[]).includes(sortBy)) return { ok: false, reason: 'sort_by' };
  const sortOrder = input.sortOrder ?? DEFAULT_TASK_FILTER.sortOrder;
  if (!(SORT_ORDERS as readonly string[]).includes(sortOrder)) return { ok: false, reason: 'sort_order' };
  const status = input.status ?? null;
  if (status !== null && !(REPORT_STATUS_FILTERS as readonly string[]).includes(status)) return { ok: false, reason: 'status' };
  return {
    ok: true,
    query: { page, perPage, sortBy: sortBy as TaskSortField, sortOrder: sortOrder as SortOrder, status: status as ReportStatusFilter | null },
  };
}

export interface ReportPage {
  tasks: Task[];
  total: number;
  totalPages: number;
  hasNext: boolean;
  hasPrev: boolean;
}

export async function reportPage(tasks: Source, query: ReportQuery): Promise<ReportPage> {
  const filter: TaskFilter = { statuses: query.status ? [query.status] : [], sortBy: query.sortBy, sortOrder: query.sortOrder };
  const [page, total] = await Promise.all([
    listTasks(tasks, filter, { offset: (query.page - 1) * query.perPage, limit: query.perPage }),
    countTasks(tasks, filter),
  ]);
  const totalPages = Math.ceil(total / query.perPage);
  return { tasks: page, total, totalPages, hasNext: query.page < totalPages, hasPrev: query.page > 1 };
}

/** The task's main report: its first HTML report (one per gas), or null when it has none. */
export function mainReport(task: Task): TaskResultFile | null {
  return task.results.find((r) => r.type === 'report') ?? null;
}
