import type { GasfluxResult } from '../pipeline.js';

/** Strict JSON: non-finite numbers become null (the reference writes bare NaN tokens). */
const finite = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/**
 * The output variables: the reference's `krig_parameters` and `std` keys (including its `windddir` spelling, so
 * existing scripts keep working), plus the physics mode, grid, transects, plane angle and warnings.
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
  return {
    gasflux_api_version: meta.version,
    input_file: meta.inputFile,
    processed_at: meta.processedAt,
    physics: result.physics,
    spatial_strategy: result.spatial,
    rows_in: result.rowCount,
    rows_used: result.keptRows.length,
    transect_range: result.transectRange,
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
