export type PhysicsMode = 'corrected' | 'gasflux-0.2.2';

export interface FastchromSettings {
  half_window?: number | null;
  threshold?: number | 'custom' | null;
  min_fwhm?: number | null;
  interp_half_window?: number | null;
  smooth_half_window?: number | null;
  weights?: null;
  max_iter?: number | null;
  min_length?: number | null;
}

export interface SemivariogramSettings {
  model: 'spherical' | 'exponential' | 'gaussian';
  estimator: 'cressie' | 'matheron';
  n_lags: number;
  bin_func: 'even';
  fit_method: 'lm';
  maxlag: number;
  tolerance: number;
  azimuth: number;
  bandwidth: number;
  /** Hidden reference option: restrict the variogram (not the kriging) to rows whose point flux exceeds it. */
  semivariogram_filter?: number | null;
  [extra: string]: unknown;
}

export interface KrigingSettings {
  min_points: number;
  max_points: number;
  grid_resolution: number;
  min_nodes: number;
  y_min: number | null;
  cut_ground: boolean;
}

/** The effective configuration (template keys + our own `physics` and `molar_masses`). Unknown keys are kept. */
export interface GasfluxConfig {
  output_dir?: string;
  physics: PhysicsMode;
  required_cols: Record<string, [number, number]>;
  gases: Record<string, [number, number]>;
  /** Optional g/mol per gas, overriding or extending the built-in table. */
  molar_masses?: Record<string, number>;
  /**
   * Logging rate (Hz) used when the timestamps cannot measure it (no timestamp column, or none readable as dates).
   * In `corrected` physics the template's windows, stated in samples at 1 Hz, are converted to the flight's rate.
   */
  sample_rate_hz?: number;
  strategies: {
    background: 'algorithm';
    sensor: 'insitu';
    spatial: 'curtain' | 'spiral';
    interpolation: 'kriging';
  };
  algorithmic_baseline_settings: {
    algorithm: 'fastchrom';
    fastchrom?: FastchromSettings | null;
    [other: string]: unknown;
  };
  semivariogram_settings: SemivariogramSettings;
  ordinary_kriging_settings: KrigingSettings;
  [extra: string]: unknown;
}

/** A config ready to run, plus what the resolver learnt about the user's intent. */
export interface ResolvedConfig {
  config: GasfluxConfig;
  /** Gases that must be present in the data (named by the user or in a complete config); the rest are optional. */
  requiredGases: string[];
  /** `defaults`: no user config; `merged`: user YAML over the template; `complete`: the user's config as-is. */
  source: 'defaults' | 'merged' | 'complete';
  /**
   * True when the user's own config says `ordinary_kriging_settings.cut_ground: true` (as opposed to
   * inheriting the template's value): a file without `height_agl` is then an error, not a warning.
   */
  explicitCutGround?: boolean;
  /**
   * The fastchrom windows (`SAMPLE_WINDOW_KEYS`) whose value comes from the built-in template rather than the
   * user's config: in `corrected` physics these are converted from the template's 1 Hz to the flight's rate; the
   * others are kept exactly as the user set them. Absent means none (every window as set).
   */
  templateWindows?: string[];
  /** True when the user's own config sets `sample_rate_hz` (a disagreement with the timestamps is then a warning). */
  explicitSampleRate?: boolean;
  warnings: import('../errors.js').GasfluxWarning[];
}
