import { TEMPLATE_RATE_HZ } from '../config/sample-windows.js';
import type { GasfluxResult } from '../pipeline.js';

/** Strict JSON: non-finite numbers become null (the reference writes bare NaN tokens). */
const finite = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/**
 * The output variables: the reference's `krig_parameters` and `std` keys (including its `windddir` spelling, so
 * existing scripts keep working), plus the physics mode, logging rate and windows, grid, transects, plane angle
 * and warnings.
 */
export function outputVariables(result: GasfluxResult, meta: { inputFile: string; processedAt: string; version: string }) {
  const krigParameters: Record<string, unknown> = {};
  const std: Record<string, number | null> = {
    windspeed: finite(result.windspeedStd),
    windddir: finite(result.winddirStd),
  };
  for (const gas of result.gases) {
    krigParameters[gas.gas] = {
      gas: gas.gas,
      volume: finite(gas.volume),
      volumepos: finite(gas.volumepos),
      volumeneg: finite(gas.volumeneg),
      volume_error: finite(gas.volumeError),
      signal_points: gas.signalPoints,
      background_points: gas.backgroundPoints,
      nan_nodes: gas.nanNodes,
      insufficient_neighbour_nodes: gas.insufficientNeighbourNodes,
      ground_masked_nodes: gas.groundMaskedNodes,
      // The detection rule of stages/detection.ts; `volume` above is kept either way, for the expert.
      plume_detection: {
        detected: gas.detection.detected,
        checked: gas.detection.checked,
        background_std: finite(gas.detection.backgroundStd),
        threshold: finite(gas.detection.threshold),
        peak_enhancement: finite(gas.detection.peakEnhancement),
        longest_run_rows: gas.detection.longestRun,
        required_run_rows: gas.detection.requiredRun,
        signal_share: finite(gas.detection.signalShare),
      },
      molar_mass_g_mol: gas.molarMass,
      gas_density_kg_m3: finite(gas.density),
      variogram: {
        model: gas.variogram.model,
        effective_range: finite(gas.variogram.effectiveRange),
        sill: finite(gas.variogram.sill),
        nugget: 0,
        max_lag: finite(gas.variogram.maxLag),
        bins: Array.from(gas.variogram.bins, finite),
        experimental: Array.from(gas.variogram.experimental, finite),
        pair_counts: Array.from(gas.variogram.pairCounts),
      },
    };
    std[`${gas.gas}_background`] = finite(gas.backgroundStd);
  }
  const { sampling } = result;
  const fastchromWindows = Object.fromEntries(
    result.gases.map(({ gas, backgroundWindows: w }) => [
      gas,
      {
        half_window: w.halfWindow,
        min_fwhm: w.minFwhm,
        interp_half_window: w.interpHalfWindow,
        smooth_half_window: w.smoothHalfWindow,
        min_length: w.minLength,
      },
    ]),
  );
  return {
    gasflux_api_version: meta.version,
    input_file: meta.inputFile,
    processed_at: meta.processedAt,
    physics: result.physics,
    spatial_strategy: result.spatial,
    rows_in: result.rowCount,
    rows_used: result.keptRows.length,
    sampling: {
      rate_hz: finite(sampling.rateHz),
      rate_source: sampling.source,
      timestamp_step_s: finite(sampling.stepS),
      template_rate_hz: TEMPLATE_RATE_HZ,
      windows_converted: sampling.windowsConverted,
      window_sources: sampling.windowSources,
      effective_windows: {
        transect_switch_lag: sampling.transectSwitchLag,
        wind_rolling_mean: sampling.windRollingMean,
        fastchrom: fastchromWindows,
      },
    },
    transect_range: result.transectRange,
    // Where the drone stays put (file rows, inclusive); `excluded` from the curtain in corrected physics.
    hover_segments: result.hovers.map((h) => ({ file_rows: h.fileRows, duration_s: finite(h.durationS), excluded: h.excluded })),
    plane_angle: finite(result.planeAngle),
    utm_epsg: result.utmZone.epsg,
    mean_temperature_c: finite(result.meanTemperature),
    mean_pressure_hpa: finite(result.meanPressure),
    grid: {
      nodes_x: result.grid.nx,
      nodes_y: result.grid.ny,
      x_cell_size: finite(result.grid.xCellSize),
      y_cell_size: finite(result.grid.yCellSize),
      x_min: finite(result.grid.xMin),
      x_max: finite(result.grid.xMax),
      y_min: finite(result.grid.yMin),
      y_max: finite(result.grid.yMax),
    },
    krig_parameters: krigParameters,
    std,
    warnings: result.warnings,
  };
}
