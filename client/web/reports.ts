/**
 * The Reports section: the report list (GET /reports in GraphQL) with a status filter, sorting and cursor paging.
 * The connection pages forward (first/after); Previous goes back through the cursors already visited.
 */
import type { GasFluxClient } from '../sdk.js';
import type { ReportStatusFilter, SortOrder, TaskSortField } from '../generated/graphql.js';
import { byId, errorText, formatBytes, formatDuration, formatTime, h, showError } from './dom.js';
import type { ReportViewer } from './viewer.js';

type ReportPage = Awaited<ReturnType<GasFluxClient['reports']>>;
type Report = ReportPage['edges'][number]['node'];

const DEFAULT_PAGE_SIZE = 10;

export interface ReportsSection {
  reload(): Promise<void>;
}

export function initReports(client: GasFluxClient, viewer: ReportViewer): ReportsSection {
  const status = byId<HTMLSelectElement>('reports-status');
  const sort = byId<HTMLSelectElement>('reports-sort');
  const orderSelect = byId<HTMLSelectElement>('reports-order');
  const size = byId<HTMLInputElement>('reports-size');
  const body = byId('reports-body');
  const empty = byId('reports-empty');
  const error = byId('reports-error');
  const prev = byId<HTMLButtonElement>('reports-prev');
  const next = byId<HTMLButtonElement>('reports-next');
  const pageLabel = byId('reports-page');

  /** `after` of every page before the current one, and of the current one. */
  let history: Array<string | null> = [];
  let after: string | null = null;
  let endCursor: string | null = null;
  let loading = 0;

  const pageSize = () => {
    const value = Math.round(Number(size.value));
    return Number.isFinite(value) && value >= 1 ? Math.min(100, value) : DEFAULT_PAGE_SIZE;
  };

  function row(report: Report) {
    const main = report.mainReport;
    return h('tr', { 'data-task-id': report.taskId },
      h('td', { class: 'flight', 'data-label': 'Report' }, h('span', { class: 'name' }, report.reportName), h('span', { class: 'sub' }, report.taskId.slice(0, 8))),
      h('td', { 'data-label': 'Status' }, h('span', { class: `badge status-${report.status}` }, report.status)),
      h('td', { 'data-label': 'Created' }, formatTime(report.createdAt)),
      h('td', { class: 'num', 'data-label': 'Files' }, String(report.fileCount)),
      h('td', { class: 'num', 'data-label': 'Size' }, formatBytes(report.totalSize)),
      h('td', { class: 'num', 'data-label': 'Processing' }, formatDuration(report.processingTimeSeconds)),
      h('td', { class: 'actions', 'data-label': 'Open' },
        main
          ? h('button', {
              type: 'button',
              class: 'open-report',
              'aria-label': `Open the report ${report.reportName} (${report.taskId.slice(0, 8)})`,
              onclick: () => viewer.open(client.resultUrl(main), `Report: ${report.reportName}${main.gas ? ` (${main.gas})` : ''}`),
            }, 'Open')
          : '—',
        report.allFiles.length > 0
          ? h('details', { class: 'files' },
              h('summary', {}, 'Files'),
              h('ul', { class: 'links' }, ...report.allFiles.map((file) =>
                h('li', {}, h('a', { href: client.resultUrl(file), title: formatBytes(file.size), download: /\.html?$/i.test(file.name) ? null : file.name }, file.name)))))
          : null),
    );
  }

  async function load() {
    const ticket = ++loading;
    const perPage = pageSize();
    prev.disabled = true;
    next.disabled = true;
    try {
      const page = await client.reports({
        status: (status.value || null) as ReportStatusFilter | null,
        sortBy: sort.value as TaskSortField,
        sortOrder: orderSelect.value as SortOrder,
        first: perPage,
        after,
      });
      if (ticket !== loading) return;
      body.replaceChildren(...page.edges.map(({ node }) => row(node)));
      empty.hidden = page.edges.length > 0;
      endCursor = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
      const number = history.length + 1;
      const pages = Math.max(1, Math.ceil(page.totalCount / perPage));
      pageLabel.textContent = `Page ${number} of ${pages} · ${page.totalCount} report${page.totalCount === 1 ? '' : 's'}`;
      prev.disabled = history.length === 0;
      next.disabled = endCursor === null;
      showError(error, null);
    } catch (failure) {
      if (ticket !== loading) return;
      showError(error, `Could not load the reports: ${errorText(failure)}`);
      prev.disabled = history.length === 0;
    }
  }

  /** Back to the first page (after any change of filter, sort or size). */
  function restart() {
    size.value = String(pageSize());
    history = [];
    after = null;
    void load();
  }

  for (const control of [status, sort, orderSelect, size]) control.addEventListener('change', restart);
  byId('reports-controls').addEventListener('submit', (event) => {
    event.preventDefault();
    restart();
  });
  next.addEventListener('click', () => {
    if (endCursor === null) return;
    history.push(after);
    after = endCursor;
    void load();
  });
  prev.addEventListener('click', () => {
    if (history.length === 0) return;
    after = history.pop() ?? null;
    void load();
  });
  byId('reports-refresh').addEventListener('click', () => void load());

  return { reload: load };
}
