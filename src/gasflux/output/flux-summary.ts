import type { PhysicsMode } from '../config/types.js';
import type { GasfluxResult } from '../pipeline.js';

/**
 * One gas's emission rate and its parts, kg/h: null where the run gave no finite number, and null when the plume was
 * not detected above the sensor noise (the integral of the noise stays in the output variables).
 */
export interface GasFlux {
  gas: string;
  /** False when the enhancement does not stand out of the sensor noise (stages/detection.ts): no rate is given. */
  detected: boolean;
  fluxKgPerHour: number | null;
  positiveKgPerHour: number | null;
  negativeKgPerHour: number | null;
  signalPoints: number;
  backgroundPoints: number;
}

/** What a run found, small enough to travel in every task answer: the numbers a user came for, without the files. */
export interface FluxSummary {
  physics: PhysicsMode;
  spatial: 'curtain' | 'spiral';
  grid: { nx: number; ny: number; xCellSizeM: number; yCellSizeM: number };
  gases: GasFlux[];
  warnings: { code: string; message: string; gas: string | null }[];
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export function summariseFlux(result: GasfluxResult): FluxSummary {
  return {
    physics: result.physics,
    spatial: result.spatial,
    grid: { nx: result.grid.nx, ny: result.grid.ny, xCellSizeM: result.grid.xCellSize, yCellSizeM: result.grid.yCellSize },
    gases: result.gases.map((gas) => {
      const rate = (v: number) => (gas.detection.detected ? finite(v) : null);
      return {
        gas: gas.gas,
        detected: gas.detection.detected,
        fluxKgPerHour: rate(gas.volume),
        positiveKgPerHour: rate(gas.volumepos),
        negativeKgPerHour: rate(gas.volumeneg),
        signalPoints: gas.signalPoints,
        backgroundPoints: gas.backgroundPoints,
      };
    }),
    warnings: result.warnings.map((w) => ({ code: w.code, message: w.message, gas: w.gas ?? null })),
  };
}
