/**
 * The `tasks` and `reports` connections: tasks listed as GET /reports lists them (src/domain/task-listing.ts: which,
 * in which order), paged by Relay offset cursors; `first`/`last` above the page size bound are refused like per_page.
 */
import { GraphQLError } from 'graphql';
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import type { GraphqlContext } from './builder.js';
import { DEFAULT_PAGE_SIZE, DEFAULT_TASK_FILTER, MAX_PAGE_SIZE, countTasks, listTasks, type SortOrder, type TaskFilter, type TaskSortField } from '../src/domain/task-listing.js';
import type { TaskStatus } from '../src/domain/task.js';

export interface TaskListArgs {
  sortBy?: TaskSortField | null;
  sortOrder?: SortOrder | null;
  first?: number | null;
  last?: number | null;
  before?: string | null;
  after?: string | null;
}

/** Tasks with one of `statuses` (every task when none). */
export async function resolveTaskConnection(context: GraphqlContext, statuses: readonly TaskStatus[], args: TaskListArgs) {
  for (const key of ['first', 'last'] as const) {
    const value = args[key];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`Invalid parameter: ${key} must be between 0 and ${MAX_PAGE_SIZE}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
  }
  const filter: TaskFilter = { statuses, sortBy: args.sortBy ?? DEFAULT_TASK_FILTER.sortBy, sortOrder: args.sortOrder ?? DEFAULT_TASK_FILTER.sortOrder };
  const { tasks } = context.services;
  const totalCount = await countTasks(tasks, filter);
  return resolveOffsetConnection({ args, totalCount, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE }, (range) => listTasks(tasks, filter, range));
}
