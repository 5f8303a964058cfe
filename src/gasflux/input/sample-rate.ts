/**
 * The flight's logging rate, and the template's sample windows converted to it (`corrected` physics).
 *
 * The rate is measured from the timestamps: one over the median step between consecutive rows whose timestamp
 * reads as a date and time. Without such timestamps the config's `sample_rate_hz` is used (default 1 Hz, with a
 * warning). gasflux 0.2.2 assumes 1 Hz throughout; `gasflux-0.2.2` physics still measures the rate, for the
 * record, but converts nothing.
 */
import {
  DEFAULT_SAMPLE_RATE_HZ,
  MAX_SAMPLE_RATE_HZ,
  SAMPLE_WINDOW_KEYS,
  TEMPLATE_RATE_HZ,
  convertTemplateWindows,
  type SampleWindowKey,
} from '../config/sample-windows.js';
import type { ResolvedConfig } from '../config/types.js';
import type { GasfluxWarning } from '../errors.js';
import type { CellValue } from '../table.js';
import { parseTimestamp } from './timestamps.js';

/** Share of repeated timestamps beyond which they are taken as coarser than the sampling (whole seconds at 5 Hz). */
const MAX_REPEATED_SHARE = 0.05;
/** A `sample_rate_hz` the user set that differs from the timestamps' rate by more than this gets a warning. */
const RATE_TOLERANCE = 0.05;

export interface FlightSampling {
  /** The logging rate used, Hz. */
  rateHz: number;
  /** `timestamps`: measured; `config`: the user's `sample_rate_hz`; `default`: assumed 1 Hz. */
  source: 'timestamps' | 'config' | 'default';
  /** Median step between consecutive readable timestamps (s), or the mean step when they repeat; null without them. */
  stepS: number | null;
  /** True in `corrected` physics: windows stated at the template's 1 Hz are converted to `rateHz`. */
  windowsConverted: boolean;
  /** Where each fastchrom sample window came from: the template (converted when windowsConverted) or the user. */
  windowSources: Record<SampleWindowKey, 'template' | 'config'>;
}

export type MeasuredRate = { rateHz: number; stepS: number; repeated: number; steps: number } | { reason: string };

/**
 * The rate from timestamp cells: 1 / median step over consecutive readable rows (a step across unreadable rows
 * is divided by the rows it spans). If more than 5 % of the steps are zero, the labels are coarser than the
 * sampling and the rate comes from the whole span instead. Plain numbers have no known unit and are not used.
 */
export function measureSampleRate(cells: readonly CellValue[] | undefined): MeasuredRate {
  if (!cells) return { reason: 'the file has no timestamp column' };
  const rows: number[] = [];
  const times: number[] = [];
  let numbers = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell === 'number') numbers++;
    if (typeof cell !== 'string') continue;
    const t = parseTimestamp(cell);
    if (t === undefined) continue;
    rows.push(i);
    times.push(t);
  }
  if (times.length < 2) {
    return {
      reason:
        numbers > 0 && times.length === 0
          ? 'the timestamps are plain numbers, whose unit is unknown'
          : 'fewer than two timestamps read as a date and time (YYYY-MM-DD HH:MM:SS)',
    };
  }
  const steps = new Float64Array(times.length - 1);
  let repeated = 0;
  for (let k = 1; k < times.length; k++) {
    steps[k - 1] = (times[k] - times[k - 1]) / (rows[k] - rows[k - 1]);
    if (steps[k - 1] === 0) repeated++;
  }
  let stepMs = median(steps);
  if (!(stepMs > 0) || repeated > MAX_REPEATED_SHARE * steps.length) {
    const span = times[times.length - 1] - times[0];
    stepMs = span / (rows[rows.length - 1] - rows[0]);
  }
  if (!(stepMs > 0)) return { reason: 'the timestamps do not advance' };
  const rateHz = Number((1000 / stepMs).toPrecision(6));
  if (rateHz > MAX_SAMPLE_RATE_HZ) {
    return { reason: `the timestamps step by ${stepMs} ms, a rate above ${MAX_SAMPLE_RATE_HZ.toLocaleString('en-US')} Hz` };
  }
  return { rateHz, stepS: stepMs / 1000, repeated, steps: steps.length };
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Decides the flight's rate and, in `corrected` physics, converts the template's sample windows to it in place in
 * `resolved.config` (so the written config says what ran) and records the rate used as `sample_rate_hz`.
 */
export function applySampleRate(
  timestampCells: readonly CellValue[] | undefined,
  resolved: ResolvedConfig,
): { sampling: FlightSampling; warnings: GasfluxWarning[] } {
  const { config } = resolved;
  const corrected = config.physics === 'corrected';
  const templateKeys = new Set(resolved.templateWindows ?? []);
  const configuredRate = config.sample_rate_hz ?? DEFAULT_SAMPLE_RATE_HZ;
  const warnings: GasfluxWarning[] = [];
  const measured = measureSampleRate(timestampCells);

  let rateHz: number;
  let source: FlightSampling['source'];
  let stepS: number | null = null;
  if ('rateHz' in measured) {
    ({ rateHz, stepS } = measured);
    source = 'timestamps';
    if (measured.repeated > MAX_REPEATED_SHARE * measured.steps) {
      warnings.push({
        code: 'TIMESTAMPS_COARSE',
        count: measured.repeated,
        message:
          `${measured.repeated} of ${measured.steps} timestamp steps are zero (the timestamps are coarser than the ` +
          `sampling), so the logging rate, ${rateHz} Hz, is taken from their whole span`,
      });
    }
    if (resolved.explicitSampleRate && Math.abs(configuredRate / rateHz - 1) > RATE_TOLERANCE) {
      warnings.push({
        code: 'SAMPLE_RATE_CONFLICT',
        message: `sample_rate_hz: ${configuredRate} in the config disagrees with the timestamps (${rateHz} Hz); the timestamps' rate is used`,
      });
    }
  } else {
    rateHz = configuredRate;
    source = resolved.explicitSampleRate ? 'config' : 'default';
    if (corrected && source === 'default') {
      warnings.push({
        code: 'SAMPLE_RATE_ASSUMED',
        message:
          `The logging rate could not be measured (${measured.reason}), so ${rateHz} Hz is assumed; ` +
          'if the analyser logs faster, set sample_rate_hz in the config, or the background windows are too short',
      });
    }
  }

  const fastchrom = config.algorithmic_baseline_settings.fastchrom;
  const windowSources = Object.fromEntries(
    SAMPLE_WINDOW_KEYS.map((key) => [key, fastchrom && templateKeys.has(key) ? 'template' : 'config']),
  ) as FlightSampling['windowSources'];
  const templateInUse = SAMPLE_WINDOW_KEYS.filter((key) => windowSources[key] === 'template');
  if (corrected) {
    if (fastchrom) convertTemplateWindows(fastchrom, templateInUse, rateHz);
    config.sample_rate_hz = rateHz;
  } else if (templateInUse.length > 0 && source === 'timestamps' && Math.abs(rateHz / TEMPLATE_RATE_HZ - 1) > RATE_TOLERANCE) {
    warnings.push({
      code: 'WINDOWS_IN_SAMPLES',
      message:
        `The flight is logged at ${rateHz} Hz, but gasflux-0.2.2 physics keeps the template's background windows in ` +
        `samples (tuned for ${TEMPLATE_RATE_HZ} Hz; ${templateInUse.join(', ')}), which can split the plume into ` +
        'background and underestimate the flux; physics: corrected converts them to the logging rate',
    });
  }
  return { sampling: { rateHz, source, stepS, windowsConverted: corrected, windowSources }, warnings };
}
