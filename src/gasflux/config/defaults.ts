import type { GasfluxConfig } from './types.js';

/**
 * The template configuration of gasflux 0.2.2 (`gasflux_config.yaml`), written out as data, plus our own
 * `physics` switch and the `sample_rate_hz` fallback (used only when the timestamps cannot measure the rate). Frozen: take a copy with `defaultConfig()` before changing anything.
 */
export const DEFAULT_CONFIG: Readonly<GasfluxConfig> = deepFreeze({
  output_dir: '~/gasflux_reports',
  required_cols: {
    latitude: [-90, 90],
    longitude: [-180, 180],
    height_ato: [-200, 500],
    windspeed: [0, 50],
    winddir: [0, 360],
    temperature: [-50, 60],
    pressure: [900, 1100],
  },
  gases: {
    ch4: [1.5, 500],
    co2: [300, 5000],
    c2h6: [-0.5, 10],
  },
  strategies: {
    background: 'algorithm',
    sensor: 'insitu',
    spatial: 'curtain',
    interpolation: 'kriging',
  },
  algorithmic_baseline_settings: {
    algorithm: 'fastchrom',
    fastchrom: {
      half_window: 6,
      threshold: 'custom',
      min_fwhm: null,
      interp_half_window: 3,
      smooth_half_window: 3,
      weights: null,
      max_iter: 100,
      min_length: 2,
    },
    fabc: { lam: 10000, scale: 10, diff_order: 2 },
    dietrich: { poly_order: 5, smooth_half_window: 5 },
    golotvin: { half_window: 2, sections: 10 },
  },
  semivariogram_settings: {
    model: 'spherical',
    estimator: 'cressie',
    n_lags: 20,
    bin_func: 'even',
    fit_method: 'lm',
    maxlag: 100,
    tolerance: 10,
    azimuth: 0,
    bandwidth: 20,
  },
  ordinary_kriging_settings: {
    min_points: 3,
    max_points: 100,
    grid_resolution: 500,
    min_nodes: 10,
    y_min: null,
    cut_ground: true,
  },
  physics: 'corrected',
  sample_rate_hz: 1,
} satisfies GasfluxConfig);

/** A fresh, mutable copy of the defaults. */
export function defaultConfig(): GasfluxConfig {
  return structuredClone(DEFAULT_CONFIG) as GasfluxConfig;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
