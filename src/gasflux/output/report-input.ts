import type { Flight } from '../table.js';
import type { GasResult, GasfluxResult } from '../pipeline.js';
import type { ReportInput } from '../report/report-input.js';

/** What one gas's report shows, taken from the flight and the pipeline result. */
export function reportInput(flight: Flight, result: GasfluxResult, gas: GasResult, fileName: string, generatedAt: string): ReportInput {
  const curtainNormalised = Float64Array.from(result.keptRows, (row) => gas.normalised[row]);
  return {
    gas: gas.gas,
    fileName,
    generatedAt,
    physics: result.physics,
    summary: {
      volume: gas.volume,
      volumepos: gas.volumepos,
      volumeneg: gas.volumeneg,
      volumeError: gas.volumeError,
      backgroundStd: gas.backgroundStd,
      signalPoints: gas.signalPoints,
      backgroundPoints: gas.backgroundPoints,
      nx: result.grid.nx,
      ny: result.grid.ny,
      xCellSize: result.grid.xCellSize,
      yCellSize: result.grid.yCellSize,
      transectRange: result.transectRange,
      planeAngle: result.planeAngle,
      meanTemperature: result.meanTemperature,
      meanPressure: result.meanPressure,
      warnings: result.warnings.filter((w) => !w.gas || w.gas === gas.gas).map((w) => w.message),
      detected: gas.detection.detected,
    },
    flight: {
      timestamps: flight.timestamps,
      easting: result.easting,
      northing: result.northing,
      heightAto: flight.numeric.height_ato,
      windspeed: flight.numeric.windspeed,
      winddir: flight.numeric.winddir,
      gas: flight.numeric[gas.gas],
      fit: gas.fit,
      normalised: gas.normalised,
      signal: gas.signal,
      kept: result.kept,
      rollingWindow: result.sampling.windRollingMean,
    },
    curtain: {
      x: result.projection.x,
      heightAto: Float64Array.from(result.keptRows, (row) => flight.numeric.height_ato[row]),
      normalised: curtainNormalised,
    },
    grid: {
      xs: result.grid.xs,
      ys: result.grid.ys,
      field: gas.field,
      ground: result.ground ? { x: result.ground.x, y: result.ground.y } : null,
    },
  };
}
