import { molarMass, MOLAR_MASSES } from '../config/molar-masses.js';
import type { ResolvedConfig } from '../config/types.js';
import { GasfluxError, type GasfluxWarning } from '../errors.js';
import type { Flight, RawTable } from '../table.js';
import { describeNonNumeric, numericCellValue } from './numeric-cell.js';
import { findTimestampDisorder } from './timestamps.js';

/** The background fit needs at least this many rows (the reference's own limit). */
export const MIN_ROWS = 20;
const HEIGHT_AGL = 'height_agl';
const TIMESTAMP = 'timestamp';

/**
 * Checks a table against the resolved config and extracts the numeric columns. In order: every required column
 * and every gas the user named must exist (all missing ones reported at once); the gases processed are the
 * configured ones present in the file (none is an error) and each needs a molar mass; `cut_ground` needs a
 * `height_agl` column; then each column, required ones first, must hold only finite numbers within its range;
 * finally at least MIN_ROWS rows. Timestamps out of order give a warning, never an error.
 *
 * When `cut_ground` comes from the defaults and the file has no `height_agl`, this turns
 * `resolved.config.ordinary_kriging_settings.cut_ground` off in place (so the written config says what ran)
 * and records a CUT_GROUND_SKIPPED warning.
 */
export function validateFlight(raw: RawTable, resolved: ResolvedConfig): Flight {
  const { config } = resolved;
  const present = new Set(raw.columns);
  const requiredColumns = Object.keys(config.required_cols);

  const missingRequired = requiredColumns.filter((c) => !present.has(c));
  const missingGases = resolved.requiredGases.filter((g) => !present.has(g) && !requiredColumns.includes(g));
  if (missingRequired.length + missingGases.length > 0) throw missingColumnsError(missingRequired, missingGases, raw);

  const configuredGases = Object.keys(config.gases);
  const gases = configuredGases.filter((g) => present.has(g));
  if (gases.length === 0) {
    throw new GasfluxError(
      'NO_GASES',
      'validation',
      `None of the configured gases (${configuredGases.join(', ')}) is a column in the file; at least one is needed`,
      { columns: configuredGases },
    );
  }
  for (const gas of gases) {
    if (molarMass(gas, config) === undefined) {
      throw new GasfluxError(
        'UNKNOWN_GAS',
        'validation',
        `Gas '${gas}' has no known molar mass (known: ${Object.keys(MOLAR_MASSES).join(', ')}); ` +
          `give it in the config as molar_masses: {${gas}: <g/mol>}`,
        { column: gas },
      );
    }
  }

  const warnings: GasfluxWarning[] = [];
  const hasHeightAgl = present.has(HEIGHT_AGL);
  if (config.ordinary_kriging_settings.cut_ground && !hasHeightAgl) {
    if (resolved.source === 'complete' || resolved.explicitCutGround) {
      throw new GasfluxError(
        'MISSING_HEIGHT_AGL',
        'validation',
        `The config sets ordinary_kriging_settings.cut_ground: true, which needs a '${HEIGHT_AGL}' column ` +
          `(height above ground level, m), but the file has none; add the column or set cut_ground: false`,
        { column: HEIGHT_AGL, key: 'ordinary_kriging_settings.cut_ground' },
      );
    }
    config.ordinary_kriging_settings.cut_ground = false;
    warnings.push({
      code: 'CUT_GROUND_SKIPPED',
      message: `The file has no '${HEIGHT_AGL}' column, so the kriging grid is not cut at ground level (cut_ground was turned off)`,
    });
  }

  const numeric: Record<string, Float64Array> = {};
  for (const column of requiredColumns) numeric[column] = numericColumn(raw, column, config.required_cols[column]);
  for (const gas of gases) numeric[gas] ??= numericColumn(raw, gas, config.gases[gas]);
  if (hasHeightAgl) numeric[HEIGHT_AGL] ??= numericColumn(raw, HEIGHT_AGL);

  if (raw.rowCount < MIN_ROWS) {
    throw new GasfluxError(
      'TOO_FEW_ROWS',
      'validation',
      `The file has ${raw.rowCount} data row${raw.rowCount === 1 ? '' : 's'}; at least ${MIN_ROWS} are needed for the background fit`,
    );
  }

  const timestamps = present.has(TIMESTAMP) ? raw.cells[TIMESTAMP].map((c) => (c === null ? '' : String(c))) : null;
  if (timestamps) {
    const disorder = findTimestampDisorder(raw.cells[TIMESTAMP]);
    if (disorder) {
      warnings.push({
        code: 'TIMESTAMPS_NOT_INCREASING',
        count: disorder.count,
        message:
          `Timestamps do not strictly increase: ${disorder.count} row${disorder.count === 1 ? ' has' : 's have'} ` +
          `a timestamp at or before the one above it, first at row ${raw.firstDataRow + disorder.firstIndex}; ` +
          'the background fit assumes rows are in time order',
      });
    }
  }

  return { raw, rowCount: raw.rowCount, numeric, timestamps, gases, warnings };
}

/** A column as numbers; the first non-number, then the first value outside `range`, is an error. */
function numericColumn(raw: RawTable, column: string, range?: readonly [number, number]): Float64Array {
  const cells = raw.cells[column];
  const values = new Float64Array(raw.rowCount);
  for (let i = 0; i < raw.rowCount; i++) {
    const value = numericCellValue(cells[i]);
    if (value === undefined) {
      const row = raw.firstDataRow + i;
      throw new GasfluxError(
        'INVALID_DATA_FORMAT',
        'validation',
        `Column '${column}' row ${row}: ${describeNonNumeric(cells[i])}`,
        { column, row, value: cells[i] },
      );
    }
    values[i] = value;
  }
  if (range) {
    const [min, max] = range;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value >= min && value <= max) continue;
      const row = raw.firstDataRow + i;
      const cell = cells[i];
      const written = typeof cell === 'string' ? cell.trim() : String(value);
      throw new GasfluxError(
        'OUT_OF_RANGE',
        'validation',
        `Column '${column}' row ${row}: value ${written} is outside the allowed range ${min} to ${max}`,
        { column, row, value, range: [min, max] },
      );
    }
  }
  return values;
}

function missingColumnsError(required: string[], gases: string[], raw: RawTable): GasfluxError {
  const missing = [...required, ...gases];
  const quote = (names: string[]) => names.map((n) => `'${n}'`).join(', ');
  const parts = [
    ...(required.length ? [`required column${required.length > 1 ? 's' : ''} ${quote(required)}`] : []),
    ...(gases.length ? [`gas column${gases.length > 1 ? 's' : ''} ${quote(gases)} named in the config`] : []),
  ];
  let message = `The file is missing ${parts.join(' and ')}`;

  const lowerCase = new Map(raw.columns.map((c) => [c.toLowerCase(), c]));
  const miscased = missing.map((m) => lowerCase.get(m.toLowerCase())).filter((c): c is string => c !== undefined);
  if (miscased.length) message += `; column names are case-sensitive and lower case (the file has ${quote(miscased)})`;
  const only = raw.columns.length === 1 ? raw.columns[0] : undefined;
  const separator = only?.includes(';') ? ';' : only?.includes('\t') ? 'a tab' : undefined;
  if (separator) message += `; the file seems to separate values with ${separator === ';' ? "';'" : separator}, but CSV must use commas`;
  else message += `. Columns in the file: ${listColumns(raw.columns)}`;

  return new GasfluxError('MISSING_COLUMNS', 'validation', message, { columns: missing });
}

function listColumns(columns: string[]): string {
  const shown = columns.slice(0, 30).join(', ');
  return columns.length > 30 ? `${shown}, ... (${columns.length} in all)` : shown;
}
