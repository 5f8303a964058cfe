/** Where in the pipeline a failure happened; the service reports it as `error_details.stage`. */
export type GasfluxStage =
  | 'input'
  | 'config'
  | 'validation'
  | 'background'
  | 'curtain'
  | 'spiral'
  | 'flux'
  | 'variogram'
  | 'kriging'
  | 'output';

export type GasfluxErrorCode =
  | 'UNSUPPORTED_FILE'
  | 'CORRUPT_FILE'
  | 'EMPTY_FILE'
  | 'TOO_MANY_ROWS'
  | 'MISSING_COLUMNS'
  | 'INVALID_DATA_FORMAT'
  | 'TOO_MANY_MISSING_VALUES'
  | 'OUT_OF_RANGE'
  | 'TOO_FEW_ROWS'
  | 'NO_TRANSECTS'
  | 'TOO_FEW_HEIGHTS'
  | 'NO_GASES'
  | 'UNKNOWN_GAS'
  | 'UNKNOWN_STRATEGY'
  | 'UNSUPPORTED_OPTION'
  | 'MISSING_HEIGHT_AGL'
  | 'INVALID_CONFIG'
  | 'VARIOGRAM_FIT_FAILED'
  | 'CIRCLE_FIT_FAILED'
  | 'SINGULAR_MATRIX';

export interface GasfluxErrorDetails {
  /** The offending column, when one column is at fault. */
  column?: string;
  /** Every missing column, for MISSING_COLUMNS. */
  columns?: string[];
  /** The row as numbered in the file (header = row 1, first data row = row 2). */
  row?: number;
  /** The offending value, as read. */
  value?: unknown;
  /** The config key path at fault, e.g. `ordinary_kriging_settings.min_points`. */
  key?: string;
  /** The allowed range, for OUT_OF_RANGE. */
  range?: [number, number];
  /** How many rows are at fault, for TOO_MANY_MISSING_VALUES. */
  count?: number;
  /** That count as a share of the flight's rows (0..1), for TOO_MANY_MISSING_VALUES. */
  share?: number;
}

/** An expected, user-caused failure: bad file, bad value, bad config. Carries a stable code and the stage. */
export class GasfluxError extends Error {
  readonly code: GasfluxErrorCode;
  readonly stage: GasfluxStage;
  readonly details: GasfluxErrorDetails;

  constructor(code: GasfluxErrorCode, stage: GasfluxStage, message: string, details: GasfluxErrorDetails = {}) {
    super(message);
    this.name = 'GasfluxError';
    this.code = code;
    this.stage = stage;
    this.details = details;
  }

  toJSON() {
    return { code: this.code, stage: this.stage, message: this.message, ...this.details };
  }
}

/** A recorded, non-fatal observation that ends up in the output variables. */
export interface GasfluxWarning {
  code: string;
  message: string;
  gas?: string;
  count?: number;
}
