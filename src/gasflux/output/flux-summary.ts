import type { PhysicsMode } from '../config/types.js';
import type { GasfluxResult } from '../pipeline.js';

/** One gas's emission rate and its parts, kg/h (null where the run gave no finite number). */
export interface GasFlux {
  gas: string;
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
    gases: result.gases.map((gas) => ({
      gas: gas.gas,
      fluxKgPerHour: finite(gas.volume),
      positiveKgPerHour: finite(gas.volumepos),
      negativeKgPerHour: finite(gas.volumeneg),
      signalPoints: gas.signalPoints,
      backgroundPoints: gas.backgroundPoints,
    })),
    warnings: result.warnings.map((w) => ({ code: w.code, message: w.message, gas: w.gas ?? null })),
  };
}
