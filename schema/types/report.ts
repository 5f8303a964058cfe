/** Report: the GET /reports view of a task (its files as a report listing), and the `reports` query. */
import { builder } from '../builder.js';
import { ReportStatusFilter, ResultFile, Task, TaskStatus, sortArgs } from './task.js';
import { resolveTaskConnection } from '../task-connection.js';
import { mainReport } from '../../src/domain/task-listing.js';
import type { Task as TaskShape } from '../../src/domain/task.js';

export const Report = builder.objectRef<TaskShape>('Report').implement({
  description: 'A task seen as a report, as GET /reports lists it.',
  fields: (t) => ({
    taskId: t.exposeID('id'),
    reportName: t.exposeString('reportName'),
    status: t.expose('status', { type: TaskStatus }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    fileCount: t.int({ resolve: (task) => task.results.length }),
    totalSize: t.exposeFloat('totalSize', { description: 'Bytes of all files.' }),
    processingTimeSeconds: t.exposeFloat('processingTimeSeconds', { nullable: true }),
    mainReport: t.field({
      type: ResultFile,
      nullable: true,
      description: 'The first HTML report; null when there is none.',
      resolve: (task) => mainReport(task),
    }),
    allFiles: t.expose('results', { type: [ResultFile] }),
    runDirectory: t.exposeString('runDirectory', { nullable: true }),
    task: t.field({ type: Task, description: 'The task behind the report.', resolve: (task) => task }),
  }),
});

builder.queryFields((t) => ({
  reports: t.connection(
    {
      type: Report,
      description: 'Reports, filtered and sorted like GET /reports (status, sort_by, sort_order); page with first/after (at most 100 per page).',
      args: {
        ...sortArgs,
        status: t.arg({ type: ReportStatusFilter, required: false, description: 'Only completed or only failed tasks (all tasks when absent).' }),
      },
      resolve: (_root, { status, ...args }, context) => resolveTaskConnection(context, status ? [status] : [], args),
    },
    {
      name: 'ReportConnection',
      fields: (c) => ({ totalCount: c.int({ description: 'Reports matching the filter.', resolve: (connection) => connection.totalCount }) }),
    },
    { name: 'ReportEdge' },
  ),
}));
