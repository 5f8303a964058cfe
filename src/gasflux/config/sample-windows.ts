/**
 * Windows counted in samples, and their conversion to a flight's logging rate.
 *
 * The gasflux template states its background windows as sample counts tuned on 1 Hz data (`half_window: 6` is
 * a 13 s rolling window at 1 Hz but 2.6 s at 5 Hz, which then takes the plume for background). In `corrected`
 * physics the template's counts are read as counts at 1 Hz and converted to the flight's rate; a window the user
 * sets in their own config is kept exactly. `gasflux-0.2.2` physics keeps every window in samples.
 */
import { DEFAULT_CONFIG } from './defaults.js';
import type { FastchromSettings } from './types.js';

/** The rate (Hz) the template's sample counts were tuned for: gasflux's own data are logged at 1 Hz. */
export const TEMPLATE_RATE_HZ = 1;
/** Used when the timestamps cannot measure the rate and the config does not say. */
export const DEFAULT_SAMPLE_RATE_HZ = 1;
/** Highest `sample_rate_hz` accepted (and highest rate taken from timestamps): the windows grow with the rate. */
export const MAX_SAMPLE_RATE_HZ = 1_000;

/**
 * fastchrom settings the template states as sample counts. `min_fwhm` is null in the template (= 2·half_window),
 * so it follows `half_window`; `max_iter` counts repair passes, not samples.
 */
export const SAMPLE_WINDOW_KEYS = ['half_window', 'interp_half_window', 'smooth_half_window', 'min_length'] as const;
export type SampleWindowKey = (typeof SAMPLE_WINDOW_KEYS)[number];

/** Rows in the wind figure's rolling means: the reference's 5 samples (5 s at its 1 Hz). */
export const WIND_ROLLING_SAMPLES = 5;

/** A count of samples stated at the template's rate, at `rateHz`: rounded, and at least `minimum`. */
export function samplesAtRate(templateSamples: number, rateHz: number, minimum = 1): number {
  return Math.max(minimum, Math.round((templateSamples * rateHz) / TEMPLATE_RATE_HZ));
}

/**
 * The sample windows whose value comes from the template rather than from the user's config: all of them without
 * a user config, none for a config taken whole, and for a merged config the keys the user's
 * `algorithmic_baseline_settings.fastchrom` block does not set (none when the user sets the block to null, which
 * asks for pybaselines' own defaults).
 */
export function templateWindowKeys(user: unknown, source: 'defaults' | 'merged' | 'complete'): SampleWindowKey[] {
  if (source === 'complete') return [];
  if (source === 'defaults') return [...SAMPLE_WINDOW_KEYS];
  const baseline = isMapping(user) ? user.algorithmic_baseline_settings : undefined;
  const block = isMapping(baseline) && Object.hasOwn(baseline, 'fastchrom') ? baseline.fastchrom : undefined;
  if (block === null) return [];
  if (!isMapping(block)) return [...SAMPLE_WINDOW_KEYS];
  return SAMPLE_WINDOW_KEYS.filter((key) => !Object.hasOwn(block, key));
}

/**
 * Sets each template window in `settings` to the template's count converted to `rateHz` (always from the template's
 * value, so converting twice gives the same numbers). Returns the converted values.
 */
export function convertTemplateWindows(
  settings: FastchromSettings,
  keys: readonly SampleWindowKey[],
  rateHz: number,
): Partial<Record<SampleWindowKey, number>> {
  const template = DEFAULT_CONFIG.algorithmic_baseline_settings.fastchrom as Readonly<FastchromSettings>;
  const converted: Partial<Record<SampleWindowKey, number>> = {};
  for (const key of keys) {
    const value = template[key];
    if (typeof value !== 'number') continue;
    converted[key] = samplesAtRate(value, rateHz);
    settings[key] = converted[key];
  }
  return converted;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
