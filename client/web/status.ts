/** The System section: the service's health and statistics, refreshed while the section is shown. */
import type { GasFluxClient } from '../sdk.js';
import { byId, errorText, formatDuration, formatPercent, formatTime, h, replace, showError } from './dom.js';

const REFRESH_MS = 15_000;

type Row = [label: string, value: Node | string];

function list(rows: Row[]) {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

const yesNo = (ok: boolean) => h('span', { class: ok ? 'ok' : 'bad' }, ok ? 'yes' : 'no');
const ms = (value: number) => `${Math.round(value * 10) / 10} ms`;
const gb = (used: number, total: number, percent: number) => `${used.toFixed(1)} of ${total.toFixed(1)} GB (${formatPercent(percent)})`;

export interface SystemSection {
  /** Loads now and every 15 s until `stop()`. */
  start(): void;
  stop(): void;
}

export function initSystem(client: GasFluxClient): SystemSection {
  const healthBody = byId('health-body');
  const statsBody = byId('stats-body');
  const error = byId('system-error');
  let timer: ReturnType<typeof setInterval> | null = null;

  async function load() {
    try {
      const [health, stats] = await Promise.all([client.health(), client.stats()]);
      replace(healthBody,
        list([
          ['Status', h('span', { class: `badge health-${health.status}` }, health.status)],
          ['Version', health.version],
          ['Uptime', health.uptime],
          ['Checked', formatTime(health.timestamp)],
          ['Uploads writable', yesNo(health.storage.uploadsWritable)],
          ['Outputs writable', yesNo(health.storage.outputsWritable)],
          ['Database reachable', yesNo(health.storage.databaseReachable)],
          ['Active tasks', String(health.tasks.activeCount)],
          ['Tasks processed', `${health.tasks.totalProcessed} of ${health.tasks.totalTracked} (${formatPercent(health.tasks.successRatePercent)} succeeded)`],
          ['Requests', `${health.performance.requestsPerSecond.toFixed(2)}/s, ${ms(health.performance.avgResponseTimeMs)} on average, ${formatPercent(health.performance.errorRatePercent)} errors`],
        ]),
        health.issues.length
          ? h('ul', { class: 'issues', 'aria-label': 'Issues' }, ...health.issues.map((issue) => h('li', {}, h('strong', {}, issue.code), ': ', issue.message)))
          : h('p', { class: 'ok' }, 'No issues.'));
      const byStatus = stats.tasks.byStatus;
      replace(statsBody,
        list([
          ['Uptime', stats.uptimeFormatted || formatDuration(stats.uptimeSeconds)],
          ['Requests', `${stats.requests.total} (${stats.requests.perSecond.toFixed(2)}/s, ${formatPercent(stats.requests.errorRatePercent)} errors)`],
          ['Response times', `${ms(stats.performance.avgResponseTimeMs)} average, ${ms(stats.performance.minResponseTimeMs)} – ${ms(stats.performance.maxResponseTimeMs)}`],
          ['Tasks created', String(stats.tasks.totalCreated)],
          ['By status', `${byStatus.pending} pending, ${byStatus.processing} processing, ${byStatus.completed} completed, ${byStatus.failed} failed`],
          ['Success rate', formatPercent(stats.tasks.successRatePercent)],
          ['Memory', gb(stats.system.memoryUsedGb, stats.system.memoryTotalGb, stats.system.memoryUsagePercent)],
          ['Disk', gb(stats.system.diskUsedGb, stats.system.diskTotalGb, stats.system.diskUsagePercent)],
        ]),
        stats.requests.topEndpoints.length
          ? h('div', {},
              h('h4', {}, 'Most requested'),
              h('ol', { class: 'endpoints' }, ...stats.requests.topEndpoints.map((entry) => h('li', {}, h('code', {}, entry.key), ` ${entry.count}`))))
          : null);
      showError(error, null);
    } catch (failure) {
      showError(error, `Could not load the service's status: ${errorText(failure)}`);
    }
  }

  byId('system-refresh').addEventListener('click', () => void load());
  return {
    start() {
      void load();
      timer ??= setInterval(() => void load(), REFRESH_MS);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
