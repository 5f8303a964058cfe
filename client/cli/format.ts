/** Plain-text rendering for `gasflux-client`: tables, sizes, durations, and one line per download or subscription. */
import type { Task, Wis2Download, Wis2Subscription } from '../sdk.js';

/** Left-aligned columns separated by two spaces; the header row first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function bytes(n: number | null | undefined): string {
  if (n == null) return '-';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** 75 → `1m 15s`; 3725 → `1h 2m 5s`. */
export function seconds(total: number | null | undefined): string {
  if (total == null || !Number.isFinite(total)) return '-';
  const s = Math.max(0, Math.round(total));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h ? `${h}h` : '', h || m ? `${m}m` : '', `${s % 60}s`].filter(Boolean);
  return parts.join(' ');
}

/** ISO timestamps shortened to the second, in UTC: `2024-06-01 10:00:05Z`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Whole percent, never rounded up to 100 before the end. */
export const percent = (p: number) => Math.floor(Math.min(100, Math.max(0, p)));

/** `45% interpolation (ch4)`, or just the status when there is no progress yet. */
export function taskProgress(task: Pick<Task, 'status' | 'progress'>): string {
  const p = task.progress;
  if (!p) return task.status === 'completed' ? '100%' : '-';
  return `${percent(p.percent)}% ${p.stage}${p.gas ? ` (${p.gas})` : ''}`;
}

/** `ch4 5.012 kg/h, co2 not detected (corrected physics)`, or null when the task has no flux. */
export function fluxLine(task: Pick<Task, 'flux'>): string | null {
  const flux = task.flux;
  if (!flux || flux.gases.length === 0) return null;
  const gases = flux.gases.map((g) =>
    !g.detected
      ? `${g.gas} not detected`
      : `${g.gas} ${g.fluxKgPerHour === null ? '-' : g.fluxKgPerHour.toLocaleString('en', { maximumSignificantDigits: 4, useGrouping: false })} kg/h`,
  );
  return `${gases.join(', ')} (${flux.physics === 'corrected' ? 'corrected' : 'gasflux 0.2.2'} physics)`;
}

export function credentials(sub: Pick<Wis2Subscription, 'credentials'>): string {
  const c = sub.credentials;
  if (!c) return '-';
  return c.type === 'BASIC' ? `basic (username ${c.username ?? '?'})` : 'bearer token';
}

export function filterName(sub: Pick<Wis2Subscription, 'filter'>): string {
  const filter = sub.filter as { name?: unknown } | null;
  if (!filter || Object.keys(filter).length === 0) return 'default';
  return typeof filter.name === 'string' && filter.name ? filter.name : 'custom';
}

/** One subscription as `key  value` lines. */
export function subscriptionDetails(sub: Wis2Subscription): string {
  return table(
    ['id', sub.id],
    [
      ['topic', sub.topic],
      ['target', sub.target],
      ['queue', sub.queue.toLowerCase()],
      ['credentials', credentials(sub)],
      ['filter', filterName(sub)],
    ],
  );
}

/** One download outcome on one line: when, status, subscription, message, then where it went or why not. */
export function downloadLine(d: Wis2Download): string {
  const head = `${d.recordedAt} ${d.status.padEnd(7)} sub=${d.subscriptionId} msg=${d.messageId}`;
  const source = d.href || d.topic;
  if (d.status === 'SUCCESS') return `${head} ${source} -> ${d.path ?? '?'} (${bytes(d.size)}${d.overwrite ? ', replaced' : ''})`;
  const why = [d.errorClass, d.reason].filter(Boolean).join(': ');
  return `${head} ${source}${why ? ` ${why}` : ''}`;
}
