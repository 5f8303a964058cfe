/**
 * Shows a task's progress while it runs. On a terminal: one bar redrawn in place,
 * `[#########-----------]  45% interpolation (ch4) ETA 12s`. Elsewhere (pipes, CI logs): one line per change,
 * `progress 45% stage=interpolation gas=ch4 eta=12s`, plus `status <status>` when the status changes.
 */
import type { Task } from '../sdk.js';
import { percent, seconds } from './format.js';

export interface ProgressOutput {
  write(text: string): void;
  /** Whether to redraw one line (a terminal) or append lines. */
  tty: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

const BAR_WIDTH = 20;

export function progressBar(task: Pick<Task, 'status' | 'progress'>, columns = 80): string {
  const p = task.progress;
  const value = p ? percent(p.percent) : task.status === 'completed' ? 100 : 0;
  const filled = Math.round((value / 100) * BAR_WIDTH);
  const label = p ? `${p.stage}${p.gas ? ` (${p.gas})` : ''}` : task.status;
  const eta = p?.estimatedTimeRemaining != null && task.status === 'processing' ? ` ETA ${seconds(p.estimatedTimeRemaining)}` : '';
  const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(value).padStart(3)}% ${label}${eta}`;
  // Cut to the terminal's width so the redraw stays on one line (a pseudo-terminal may report 0 columns).
  return columns > 20 && line.length >= columns ? line.slice(0, columns - 1) : line;
}

export function progressLine(task: Pick<Task, 'progress'>): string | null {
  const p = task.progress;
  if (!p) return null;
  const eta = p.estimatedTimeRemaining != null ? `${p.estimatedTimeRemaining}s` : '-';
  return `progress ${percent(p.percent)}% stage=${p.stage} gas=${p.gas ?? '-'} eta=${eta}`;
}

export class ProgressView {
  private lastLine: string | null = null;
  private lastStatus: string | null = null;
  private drawn = false;

  constructor(private readonly out: ProgressOutput) {}

  update(task: Task): void {
    if (this.out.tty) {
      const bar = progressBar(task, this.out.columns);
      if (bar === this.lastLine) return;
      this.lastLine = bar;
      this.out.write(`\r\x1b[2K${bar}`);
      this.drawn = true;
      return;
    }
    // A final status goes after the last progress line, any other before the progress it brings.
    const status = task.status !== this.lastStatus ? `status ${task.status}\n` : '';
    this.lastStatus = task.status;
    const finished = task.status === 'completed' || task.status === 'failed';
    if (!finished) this.out.write(status);
    const line = progressLine(task);
    if (line && line !== this.lastLine) {
      this.lastLine = line;
      this.out.write(`${line}\n`);
    }
    if (finished) this.out.write(status);
  }

  /** Ends the redrawn line so what follows starts on a new one. */
  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
