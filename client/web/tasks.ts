/**
 * The Tasks section: a table of tasks kept live over graphql-ws. `taskEvents` tells of every change of every task;
 * a task that is pending or processing is then followed with `followTask`, whose full states carry the ETA and, at
 * the end, the result files. Rows are updated in place.
 */
import { isNewerTask, type GasFluxClient, type ResultFile, type Task } from '../sdk.js';
import { TaskEventsSubscription } from '../operations/task.js';
import { byId, errorText, formatBytes, formatDuration, formatFlux, formatPercent, h, keepLive, showError } from './dom.js';
import type { ReportViewer } from './viewer.js';

const PAGE_SIZE = 25;
const ACTIVE = new Set(['pending', 'processing']);

const RESULT_LABELS: Record<ResultFile['type'], string> = { report: 'Report', data: 'Data (CSV)', config: 'Config', metadata: 'Metadata' };

export interface TasksSection {
  /** Shows a task the page just created and follows it. */
  add(task: Task): void;
  reload(): Promise<void>;
}

/** The percent a task shows: 100 once completed, 0 before any progress. */
export function shownPercent(task: Pick<Task, 'status' | 'progress'>): number {
  if (task.status === 'completed') return 100;
  return Math.min(100, Math.max(0, task.progress?.percent ?? 0));
}

function stageText(task: Task): string {
  const progress = task.progress;
  if (task.status === 'failed' && task.error) return task.error.stage.replaceAll('_', ' ');
  if (task.status === 'completed') return 'done';
  if (!progress || task.status === 'pending') return task.status === 'pending' ? 'queued' : '—';
  const stage = progress.stage.replaceAll('_', ' ');
  return progress.gas ? `${stage} (${progress.gas})` : stage;
}

export function initTasks(client: GasFluxClient, viewer: ReportViewer): TasksSection {
  const body = byId('tasks-body');
  const empty = byId('tasks-empty');
  const error = byId('tasks-error');
  const live = byId('tasks-live');
  const more = byId<HTMLButtonElement>('tasks-more');
  const tasks = new Map<string, Task>();
  const rows = new Map<string, HTMLTableRowElement>();
  const following = new Set<string>();
  let nextCursor: string | null = null;

  /** A bar while the task can still move; a failed one says where it stopped instead of showing a frozen bar. */
  function progressCell(task: Task, percent: number) {
    const name = task.inputFileName;
    if (task.status === 'failed') {
      return h('td', { class: 'progress', 'data-label': 'Progress' },
        h('span', { class: 'sub failure' }, task.progress ? `stopped at ${formatPercent(task.progress.percent)}` : 'did not start'));
    }
    return h('td', { class: 'progress', 'data-label': 'Progress' },
      h('progress', { max: 100, value: percent, 'aria-label': `Progress of ${name}` }), h('span', { class: 'percent' }, formatPercent(percent)));
  }

  /** The per-gas flux of a completed task, with its parts and the physics mode on hover. */
  function fluxCell(task: Task) {
    const flux = task.flux;
    if (!flux || flux.gases.length === 0) return h('td', { class: 'flux', 'data-label': 'Flux' }, '—');
    const physics = flux.physics === 'corrected' ? 'corrected physics' : 'gasflux 0.2.2 physics';
    return h('td', { class: 'flux', 'data-label': 'Flux' },
      h('ul', { class: 'fluxes' }, ...flux.gases.map((gas) => gas.detected
        ? h('li', { title: `${gas.gas.toUpperCase()}: positive ${formatFlux(gas.positiveKgPerHour)}, negative ${formatFlux(gas.negativeKgPerHour)}; ${physics}, grid ${flux.grid.nx}×${flux.grid.ny}` },
          h('span', { class: 'gas' }, gas.gas.toUpperCase()), ' ', h('span', { class: 'value' }, formatFlux(gas.fluxKgPerHour)))
        : h('li', { title: `${gas.gas.toUpperCase()}: no plume above the sensor noise, so no emission rate (see the warnings)` },
          h('span', { class: 'gas' }, gas.gas.toUpperCase()), ' ', h('span', { class: 'value not-detected' }, 'not detected')))),
      flux.warnings.length > 0
        ? h('span', { class: 'sub warning', title: flux.warnings.map((w) => w.message).join('\n') }, `${flux.warnings.length} warning${flux.warnings.length === 1 ? '' : 's'}`)
        : null);
  }

  function cells(task: Task): HTMLTableCellElement[] {
    const name = task.inputFileName;
    const percent = shownPercent(task);
    const eta = task.status === 'processing' ? formatDuration(task.progress?.estimatedTimeRemaining) : '—';
    return [
      h('td', { class: 'flight', 'data-label': 'Flight' },
        h('span', { class: 'name' }, name),
        h('span', { class: 'sub' }, `${task.id.slice(0, 8)} · ${task.priority} · ${formatBytes(task.inputSize)}`)),
      h('td', { 'data-label': 'Status' },
        h('span', { class: `badge status-${task.status}` }, task.status),
        task.status === 'failed' && task.error ? h('span', { class: 'sub failure' }, task.error.message) : null),
      h('td', { class: 'stage', 'data-label': 'Stage' }, stageText(task),
        task.progress && task.status === 'processing' ? h('span', { class: 'sub' }, `step ${task.progress.completedSteps} of ${task.progress.totalSteps}`) : null),
      progressCell(task, percent),
      h('td', { class: 'eta', 'data-label': 'ETA' }, eta),
      fluxCell(task),
      h('td', { class: 'results', 'data-label': 'Results' },
        task.results.length === 0 ? '—' : h('ul', { class: 'links' }, ...task.results.map((file) => h('li', {}, ...resultLinks(task, file))))),
      h('td', { class: 'actions', 'data-label': 'Actions' },
        h('button', {
          type: 'button',
          class: 'danger',
          'aria-label': `Delete task ${name} (${task.id.slice(0, 8)})`,
          disabled: ACTIVE.has(task.status),
          title: ACTIVE.has(task.status) ? 'Only completed or failed tasks can be deleted' : null,
          onclick: () => void remove(task),
        }, 'Delete')),
    ];
  }

  /** A result file's download link; an HTML report also gets a button that shows it inline. */
  function resultLinks(task: Task, file: ResultFile) {
    const link = resultLink(file);
    if (file.type !== 'report') return [link];
    const which = file.gas ? `${file.gas} ` : '';
    return [
      link,
      h('button', {
        type: 'button',
        class: 'open-report small',
        'aria-label': `Show the ${which}report of ${task.inputFileName} here`,
        onclick: () => viewer.open(client.resultUrl(file), `Report: ${task.reportName}${file.gas ? ` (${file.gas})` : ''}`),
      }, 'View'),
    ];
  }

  function resultLink(file: ResultFile) {
    const label = `${RESULT_LABELS[file.type]}${file.gas ? ` (${file.gas})` : ''}`;
    const html = /\.html?$/i.test(file.name);
    return h('a', { href: client.resultUrl(file), title: `${file.name}, ${formatBytes(file.size)}`, download: html ? null : file.name, target: html ? '_blank' : null, rel: html ? 'noopener' : null }, label);
  }

  /** Puts the rows in order: newest first. */
  function order() {
    const sorted = [...tasks.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    sorted.forEach((task, index) => {
      const row = rows.get(task.id)!;
      if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null);
    });
    empty.hidden = tasks.size > 0;
  }

  /**
   * Adds or updates a task's row. The list, `taskEvents` and `followTask` all feed this, in whatever order their
   * answers arrive: a state that is not newer (by version) than the one shown is ignored.
   */
  function upsert(task: Task) {
    if (!isNewerTask(task, tasks.get(task.id))) return;
    tasks.set(task.id, task);
    let row = rows.get(task.id);
    const isNew = !row;
    if (!row) {
      row = h('tr', { 'data-task-id': task.id });
      rows.set(task.id, row);
    }
    row.dataset.status = task.status;
    row.replaceChildren(...cells(task));
    if (isNew) order();
  }

  function forget(id: string) {
    tasks.delete(id);
    rows.get(id)?.remove();
    rows.delete(id);
    empty.hidden = tasks.size > 0;
  }

  /** Follows an active task until it is completed or failed. */
  function follow(id: string) {
    if (following.has(id)) return;
    following.add(id);
    void (async () => {
      try {
        for await (const task of client.followTask(id)) upsert(task);
      } catch (failure) {
        // A task deleted meanwhile is no longer followed; anything else shows and the next event follows it again.
        if (tasks.has(id)) showError(error, `Live updates of task ${id.slice(0, 8)} stopped: ${errorText(failure)}`);
      } finally {
        following.delete(id);
      }
    })();
  }

  async function remove(task: Task) {
    if (!window.confirm(`Delete task ${task.inputFileName} (${task.id.slice(0, 8)}) and its result files?`)) return;
    try {
      await client.deleteTask(task.id);
      viewer.closeIf((url) => url.includes(`/download/${task.id}/`));
      forget(task.id);
      showError(error, null);
    } catch (failure) {
      showError(error, `Could not delete ${task.inputFileName}: ${errorText(failure)}`);
    }
  }

  async function loadPage(after: string | null) {
    const page = await client.tasks({ first: PAGE_SIZE, after });
    for (const { node } of page.edges) {
      upsert(node);
      if (ACTIVE.has(node.status)) follow(node.id);
    }
    nextCursor = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
    more.hidden = nextCursor === null;
  }

  async function reload() {
    try {
      await loadPage(null);
      showError(error, null);
    } catch (failure) {
      showError(error, `Could not load the tasks: ${errorText(failure)}`);
    }
  }

  async function onEvent(event: { id: string; status: string; version: number }) {
    if (following.has(event.id) || !isNewerTask(event, tasks.get(event.id))) return;
    if (ACTIVE.has(event.status)) {
      follow(event.id);
      return;
    }
    const task = await client.task(event.id);
    if (task) upsert(task);
    else forget(event.id);
  }

  keepLive(
    async (signal) => {
      const events = client.subscribe(TaskEventsSubscription, {});
      // (Re)load the list while the subscription starts: what changed while the page was not listening shows too,
      // and rows never go back to an older state (upsert compares versions).
      void reload();
      for await (const data of events) {
        if (signal.stopped) break;
        void onEvent(data.taskEvents).catch((failure) => showError(error, errorText(failure)));
      }
    },
    (state, failure) => {
      live.textContent = state === 'live' ? 'Live' : 'Reconnecting…';
      live.dataset.state = state;
      if (failure) showError(error, `Live updates interrupted: ${errorText(failure)}`);
      else if (error.textContent?.startsWith('Live updates interrupted')) showError(error, null);
    },
  );

  more.addEventListener('click', async () => {
    if (!nextCursor) return;
    more.disabled = true;
    try {
      await loadPage(nextCursor);
    } catch (failure) {
      showError(error, `Could not load more tasks: ${errorText(failure)}`);
    } finally {
      more.disabled = false;
    }
  });
  byId('tasks-refresh').addEventListener('click', () => void reload());

  return {
    add(task) {
      upsert(task);
      if (ACTIVE.has(task.status)) follow(task.id);
    },
    reload,
  };
}
