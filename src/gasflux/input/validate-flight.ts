import { molarMass, MOLAR_MASSES } from '../config/molar-masses.js';
import type { ResolvedConfig } from '../config/types.js';
import { GasfluxError, type GasfluxWarning } from '../errors.js';
import type { Flight, RawTable } from '../table.js';
import { describeNonNumeric, isMissingCell, numericCellValue } from './numeric-cell.js';
import { applySampleRate } from './sample-rate.js';
import { findTimestampDisorder } from './timestamps.js';

/** The background fit needs at least this many rows (the reference's own limit). */
export const MIN_ROWS = 20;
/**
 * Rows with a missing value in a column the pipeline reads are taken as logger dropouts (a lost GPS fix, a skipped
 * analyser sample) and dropped, up to this share of the flight. Beyond it the file is rejected: so many gaps are not
 * dropouts but a broken column or logger, and the background fit (which takes rows as evenly spaced samples) and the
 * heading-based transect detection would run on a flight with holes. A guard against bad data, not a tuning knob,
 * so it is not a config key.
 */
export const MAX_DROPPED_ROW_SHARE = 0.05;
/** Rows listed in the ROWS_DROPPED warning and the error. */
const ROWS_SHOWN = 5;
const HEIGHT_AGL = 'height_agl';
const TIMESTAMP = 'timestamp';

/**
 * Checks a table against the resolved config and extracts the numeric columns. In order: every required column
 * and every gas the user named must exist (all missing ones reported at once); the gases processed are the
 * configured ones present in the file (none is an error) and each needs a molar mass; `cut_ground` needs a
 * `height_agl` column; then each column, required ones first, must hold only finite numbers within its range;
 * finally at least MIN_ROWS rows. Timestamps out of order give a warning, never an error.
 *
 * A missing value (empty, NaN, NA: see isMissingCell) in one of those columns drops its row, with a ROWS_DROPPED
 * warning, if at most MAX_DROPPED_ROW_SHARE of the rows are dropped (else TOO_MANY_MISSING_VALUES). The flight
 * returned holds the kept rows only (`raw` included), and `fileRows` numbers them as in the file. The same rule
 * applies in both physics modes: gasflux 0.2.2 rejects any NaN, so it has no number for such a file to reproduce,
 * and the kept rows are what it would process once the user deleted the dropouts.
 *
 * The logging rate is measured from the timestamps (or taken from `sample_rate_hz`); in `corrected` physics the
 * template's sample windows are converted to it in `resolved.config`, in place (see applySampleRate).
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
  // Per column, the (0-based) rows whose value is missing.
  const missing = new Map<string, number[]>();
  const read = (column: string, range?: readonly [number, number]) => {
    if (numeric[column]) return;
    const { values, missingRows } = numericColumn(raw, column, range);
    numeric[column] = values;
    if (missingRows.length > 0) missing.set(column, missingRows);
  };
  for (const column of requiredColumns) read(column, config.required_cols[column]);
  for (const gas of gases) read(gas, config.gases[gas]);
  if (hasHeightAgl) read(HEIGHT_AGL);

  const dropped = [...new Set([...missing.values()].flat())].sort((a, b) => a - b);
  if (dropped.length > MAX_DROPPED_ROW_SHARE * raw.rowCount) throw tooManyMissingError(missing, dropped.length, raw);
  let table = raw;
  let fileRows = Int32Array.from({ length: raw.rowCount }, (_, i) => raw.firstDataRow + i);
  if (dropped.length > 0) {
    const droppedSet = new Set(dropped);
    const keep = Int32Array.from({ length: raw.rowCount }, (_, i) => i).filter((i) => !droppedSet.has(i));
    table = {
      ...raw,
      cells: Object.fromEntries(raw.columns.map((c) => [c, Array.from(keep, (i) => raw.cells[c][i])])),
      rowCount: keep.length,
    };
    for (const column of Object.keys(numeric)) numeric[column] = Float64Array.from(keep, (i) => numeric[column][i]);
    fileRows = Int32Array.from(keep, (i) => raw.firstDataRow + i);
    warnings.push(rowsDroppedWarning(missing, dropped, raw));
  }

  if (table.rowCount < MIN_ROWS) {
    const after = dropped.length > 0 ? ` left after dropping ${dropped.length} with missing values` : '';
    throw new GasfluxError(
      'TOO_FEW_ROWS',
      'validation',
      `The file has ${table.rowCount} data row${table.rowCount === 1 ? '' : 's'}${after}; at least ${MIN_ROWS} are needed for the background fit`,
    );
  }

  // Timestamps of the kept rows; the order check and the logging rate read every row of the file, since a dropout
  // loses a reading, not the logger's clock.
  const timestamps = present.has(TIMESTAMP) ? table.cells[TIMESTAMP].map((c) => (c === null ? '' : String(c))) : null;
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

  const rate = applySampleRate(present.has(TIMESTAMP) ? raw.cells[TIMESTAMP] : undefined, resolved);
  warnings.push(...rate.warnings);

  return { raw: table, rowCount: table.rowCount, fileRows, numeric, timestamps, gases, sampling: rate.sampling, warnings };
}

/**
 * A column as numbers, missing cells as NaN (listed in `missingRows`); the first other non-number, then the first
 * value outside `range`, is an error.
 */
function numericColumn(raw: RawTable, column: string, range?: readonly [number, number]): { values: Float64Array; missingRows: number[] } {
  const cells = raw.cells[column];
  const values = new Float64Array(raw.rowCount);
  const missingRows: number[] = [];
  for (let i = 0; i < raw.rowCount; i++) {
    const value = numericCellValue(cells[i]);
    if (value === undefined && isMissingCell(cells[i])) {
      values[i] = NaN;
      missingRows.push(i);
      continue;
    }
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
      if ((value >= min && value <= max) || Number.isNaN(value)) continue;
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
  return { values, missingRows };
}

const percent = (share: number) => `${(100 * share).toFixed(1)} %`;
const rowList = (rows: number[], raw: RawTable) =>
  rows.slice(0, ROWS_SHOWN).map((i) => raw.firstDataRow + i).join(', ') + (rows.length > ROWS_SHOWN ? ', ...' : '');
const byColumn = (missing: Map<string, number[]>, raw: RawTable) =>
  [...missing].map(([column, rows]) => `'${column}' in ${rows.length} row${rows.length === 1 ? '' : 's'} (first at row ${raw.firstDataRow + rows[0]})`).join(', ');
const MISSING_FORMS = 'empty, NaN or NA';

function rowsDroppedWarning(missing: Map<string, number[]>, dropped: number[], raw: RawTable): GasfluxWarning {
  return {
    code: 'ROWS_DROPPED',
    count: dropped.length,
    message:
      `Dropped ${dropped.length} of ${raw.rowCount} rows (${percent(dropped.length / raw.rowCount)}) with a missing value ` +
      `(${MISSING_FORMS}), taken as logger dropouts: ${byColumn(missing, raw)}; ${dropped.length === 1 ? 'row' : 'rows'} ${rowList(dropped, raw)}. ` +
      'The rows either side of a gap are processed as consecutive samples',
  };
}

function tooManyMissingError(missing: Map<string, number[]>, droppedCount: number, raw: RawTable): GasfluxError {
  const [column, rows] = [...missing].reduce((worst, entry) => (entry[1].length > worst[1].length ? entry : worst));
  const share = droppedCount / raw.rowCount;
  return new GasfluxError(
    'TOO_MANY_MISSING_VALUES',
    'validation',
    `${droppedCount} of ${raw.rowCount} rows (${percent(share)}) have a missing value (${MISSING_FORMS}): ${byColumn(missing, raw)}. ` +
      `At most ${percent(MAX_DROPPED_ROW_SHARE)} of the rows are dropped as logger dropouts; ` +
      `fill or remove the gaps${missing.size === 1 ? `, or check column '${column}'` : ''}`,
    { column, columns: [...missing.keys()], row: raw.firstDataRow + rows[0], count: droppedCount, share },
  );
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
