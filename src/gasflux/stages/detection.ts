/**
 * Plume detection: whether a gas's enhancement stands out of the sensor noise, so that its flux is a measurement
 * and not an integral of noise.
 *
 * Rule: a gas's plume is detected when its enhancement (`<gas>_normalised`, ppm above the fitted background) is
 * above DETECTION_SIGMA × σ_bg on at least `max(DETECTION_MIN_RUN_SAMPLES, DETECTION_MIN_RUN_S × rate)`
 * consecutive curtain rows (rows the curtain or spiral step kept, in file order; a row it left out ends a run).
 * σ_bg is the sample std of the enhancement over the curtain's background rows, the `std.<gas>_background` of the
 * output variables.
 *
 * Why this shape: a plume crossing is a run of many consecutive high samples (a few seconds to a minute of flight),
 * noise is not. fastchrom picks its background rows by a low rolling std, so σ_bg is the noise of the quietest
 * stretches and underestimates the noise elsewhere: on synthetic flights with no source, single samples reach
 * 5–7 σ_bg, but none stayed above 5 σ_bg for two samples in a row (40 flights × 3 gases at 1, 5 and 10 Hz). The
 * plumes of the synthetic recovery tests (and of the example flight) stay above it for 18 s or more; faint plumes
 * that peak at 7 σ_bg or more are mostly detected, those under 5 σ_bg never. A peak-only rule would pass sensor
 * spikes, and a share-of-signal-rows rule says nothing, because fastchrom marks 20–80 % of a noise-only flight as
 * signal. The 1 s floor keeps the rule from passing correlated noise at high logging rates, where three samples are
 * a fraction of a second.
 */
import { sampleStd } from './statistics.js';

/** Enhancement threshold, in background standard deviations. */
export const DETECTION_SIGMA = 5;
/** Consecutive curtain rows that must all exceed the threshold: at least this many samples ... */
export const DETECTION_MIN_RUN_SAMPLES = 3;
/** ... and at least this long (s) at the logging rate. */
export const DETECTION_MIN_RUN_S = 1;

export interface PlumeDetection {
  /** False only when the rule was applied and failed; true when it passed or could not be applied. */
  detected: boolean;
  /** False when σ_bg is undefined (fewer than two background rows on the curtain): the rule could not be applied. */
  checked: boolean;
  /** σ_bg, ppm; null when undefined. */
  backgroundStd: number | null;
  /** DETECTION_SIGMA × σ_bg, ppm; null when σ_bg is undefined. */
  threshold: number | null;
  /** Largest enhancement on the curtain rows, ppm. */
  peakEnhancement: number;
  /** Longest run of consecutive curtain rows above the threshold. */
  longestRun: number;
  /** The run the rule asks for, in rows. */
  requiredRun: number;
  /** Share of the curtain rows fastchrom marked as signal (0..1). */
  signalShare: number;
}

/** The run of consecutive rows the rule asks for at a logging rate (Hz). */
export function requiredRun(rateHz: number): number {
  return Math.max(DETECTION_MIN_RUN_SAMPLES, Math.ceil(DETECTION_MIN_RUN_S * rateHz));
}

/**
 * Applies the rule to one gas. `normalised` and `signal` cover every row of the flight; `kept` marks the curtain
 * (or spiral) rows with 1.
 */
export function detectPlume(normalised: Float64Array, signal: Uint8Array, kept: Uint8Array, rateHz: number): PlumeDetection {
  let peak = -Infinity;
  let keptCount = 0;
  let signalCount = 0;
  const background: number[] = [];
  for (let i = 0; i < normalised.length; i++) {
    if (!kept[i]) continue;
    keptCount++;
    if (normalised[i] > peak) peak = normalised[i];
    if (signal[i]) signalCount++;
    else background.push(normalised[i]);
  }
  const std = sampleStd(background);
  const needed = requiredRun(rateHz);
  const signalShare = keptCount > 0 ? signalCount / keptCount : 0;
  if (!Number.isFinite(std)) {
    return { detected: true, checked: false, backgroundStd: null, threshold: null, peakEnhancement: peak, longestRun: 0, requiredRun: needed, signalShare };
  }
  const threshold = DETECTION_SIGMA * std;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < normalised.length; i++) {
    run = kept[i] && normalised[i] > threshold ? run + 1 : 0;
    if (run > longestRun) longestRun = run;
  }
  return { detected: longestRun >= needed, checked: true, backgroundStd: std, threshold, peakEnhancement: peak, longestRun, requiredRun: needed, signalShare };
}
