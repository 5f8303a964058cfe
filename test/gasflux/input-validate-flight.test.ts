import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as XLSX from 'xlsx';
import { resolveConfig } from '../../src/gasflux/config/resolve-config.js';
import { GasfluxError } from '../../src/gasflux/errors.js';
import { readTableBuffer, readTableFile } from '../../src/gasflux/input/read-table.js';
import { validateFlight } from '../../src/gasflux/input/validate-flight.js';
import type { RawTable } from '../../src/gasflux/table.js';
import { flightTable, mapColumn, withCell, withoutColumns, withTempDir, writeTemp } from '../helpers/bad-files.js';
import { tableToCsv, tableToWorkbookBuffer } from '../helpers/table-files.js';

/** The table written to a CSV file and read back, so every check runs on text cells as uploads have them. */
async function viaCsv(table: RawTable): Promise<RawTable> {
  return withTempDir(async (dir) => readTableFile(await writeTemp(dir, 'flight.csv', tableToCsv(table))));
}

function validationError(run: () => unknown, code: string): GasfluxError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GasfluxError, `expected a GasfluxError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('validating a flight', () => {
  test('a valid CSV gives numeric columns, timestamps, every gas and no error', async () => {
    const raw = await viaCsv(flightTable(30));
    const flight = validateFlight(raw, resolveConfig());
    assert.deepEqual(flight.gases, ['ch4', 'co2', 'c2h6']);
    assert.equal(flight.rowCount, 30);
    assert.ok(flight.numeric.pressure instanceof Float64Array);
    assert.equal(flight.numeric.latitude[3], flightTable(30).cells.latitude[3]);
    assert.equal(flight.timestamps?.[0], '2022-09-26 02:00:00');
    assert.deepEqual(Object.keys(flight.numeric).sort(), ['c2h6', 'ch4', 'co2', 'height_ato', 'latitude', 'longitude', 'pressure', 'temperature', 'winddir', 'windspeed']);
  });

  test('reports every missing column at once', async () => {
    const raw = await viaCsv(withoutColumns(flightTable(30), 'windspeed', 'pressure', 'latitude'));
    const error = validationError(() => validateFlight(raw, resolveConfig()), 'MISSING_COLUMNS');
    assert.equal(error.stage, 'validation');
    assert.deepEqual(error.details.columns, ['latitude', 'windspeed', 'pressure']);
    assert.match(error.message, /'latitude', 'windspeed', 'pressure'/);
  });

  test('points out column names written in the wrong case and semicolon-separated files', () => {
    const miscased = { ...flightTable(30), columns: ['timestamp', 'Latitude'] } as RawTable;
    assert.match(validationError(() => validateFlight(miscased, resolveConfig()), 'MISSING_COLUMNS').message, /case-sensitive.*'Latitude'/);
    const semicolons = readTableBuffer(Buffer.from('latitude;longitude;ch4\n1;2;3\n'), 's.csv');
    assert.match(validationError(() => validateFlight(semicolons, resolveConfig()), 'MISSING_COLUMNS').message, /';'.*commas/);
  });

  test('drops a row with an empty cell as a logger dropout, naming the column and the file row in a warning', async () => {
    const raw = await viaCsv(withCell(flightTable(30), 'temperature', 12, null));
    const flight = validateFlight(raw, resolveConfig());
    assert.equal(flight.rowCount, 29);
    assert.equal(flight.raw.rowCount, 29);
    assert.equal(flight.numeric.temperature.length, 29);
    assert.equal(flight.numeric.latitude[12], flightTable(30).cells.latitude[13], 'the rows after the gap move up');
    assert.equal(flight.timestamps?.[12], '2022-09-26 02:00:13');
    assert.deepEqual([flight.fileRows[11], flight.fileRows[12]], [13, 15], 'file rows still number the rows as in the file');
    const warning = flight.warnings.find((w) => w.code === 'ROWS_DROPPED');
    assert.equal(warning?.count, 1);
    assert.equal(
      warning?.message,
      "Dropped 1 of 30 rows (3.3 %) with a missing value (empty, NaN or NA), taken as logger dropouts: 'temperature' in 1 row (first at row 14); row 14. " +
        'The rows either side of a gap are processed as consecutive samples',
    );
  });

  test('rejects more missing values than the 5 % that can be dropped, naming the column, the count and the share', async () => {
    let table = flightTable(40);
    for (const i of [3, 9, 30]) table = withCell(table, 'latitude', i, '');
    table = withCell(table, 'ch4', 9, 'NaN');
    const error = validationError(() => validateFlight(table, resolveConfig()), 'TOO_MANY_MISSING_VALUES');
    assert.equal(error.stage, 'validation');
    assert.equal(
      error.message,
      "3 of 40 rows (7.5 %) have a missing value (empty, NaN or NA): 'latitude' in 3 rows (first at row 5), 'ch4' in 1 row (first at row 11). " +
        'At most 5.0 % of the rows are dropped as logger dropouts; fill or remove the gaps',
    );
    assert.deepEqual(error.details, { column: 'latitude', columns: ['latitude', 'ch4'], row: 5, count: 3, share: 3 / 40 });
    // Two of 40 rows (5 %) are still dropouts.
    assert.equal(validateFlight(withCell(withCell(flightTable(40), 'latitude', 3, ''), 'ch4', 9, 'NaN'), resolveConfig()).rowCount, 38);
  });

  test('needs 20 rows left after the dropouts', () => {
    const error = validationError(() => validateFlight(withCell(flightTable(20), 'winddir', 5, null), resolveConfig()), 'TOO_FEW_ROWS');
    assert.match(error.message, /19 data rows left after dropping 1 with missing values; at least 20/);
  });

  test('checks every value of a row that is dropped: text and out-of-range values stay errors', () => {
    const table = withCell(withCell(flightTable(30), 'ch4', 4, null), 'pressure', 4, 'abc');
    assert.equal(validationError(() => validateFlight(table, resolveConfig()), 'INVALID_DATA_FORMAT').details.column, 'pressure');
    const range = withCell(withCell(flightTable(30), 'ch4', 4, null), 'pressure', 4, 1200);
    assert.equal(validationError(() => validateFlight(range, resolveConfig()), 'OUT_OF_RANGE').details.row, 6);
  });

  test("reports text such as 'abc' as not a number", async () => {
    const raw = await viaCsv(withCell(flightTable(30), 'temperature', 12, 'abc'));
    const error = validationError(() => validateFlight(raw, resolveConfig()), 'INVALID_DATA_FORMAT');
    assert.equal(error.message, "Column 'temperature' row 14: value 'abc' is not a number");
    assert.deepEqual(error.details, { column: 'temperature', row: 14, value: 'abc' });
  });

  test('takes empty, NaN, NA and #N/A cells as dropouts', async () => {
    for (const missing of ['NaN', 'nan', 'NAN', 'NA', '#N/A', ' ', '']) {
      const raw = await viaCsv(withCell(flightTable(30), 'ch4', 4, missing));
      const flight = validateFlight(raw, resolveConfig());
      assert.equal(flight.rowCount, 29, JSON.stringify(missing));
      assert.match(flight.warnings.find((w) => w.code === 'ROWS_DROPPED')?.message ?? '', /'ch4' in 1 row \(first at row 6\)/);
    }
  });

  test('reports infinity, hexadecimal, decimal-comma and other text values as not numbers', async () => {
    for (const bad of ['inf', 'Infinity', '0x10', '1,5', '1.2.3', 'na', 'N/A', 'null', '-']) {
      const raw = await viaCsv(withCell(flightTable(30), 'ch4', 4, bad));
      const error = validationError(() => validateFlight(raw, resolveConfig()), 'INVALID_DATA_FORMAT');
      assert.equal(error.details.column, 'ch4', bad);
      assert.equal(error.details.row, 6, bad);
    }
  });

  test('reports a value out of range with its row, value and range', async () => {
    const raw = await viaCsv(withCell(flightTable(30), 'pressure', 5, 1200));
    const error = validationError(() => validateFlight(raw, resolveConfig()), 'OUT_OF_RANGE');
    assert.equal(error.message, "Column 'pressure' row 7: value 1200 is outside the allowed range 900 to 1100");
    assert.deepEqual(error.details, { column: 'pressure', row: 7, value: 1200, range: [900, 1100] });
  });

  test('accepts values exactly on the range bounds', async () => {
    const raw = await viaCsv(withCell(withCell(flightTable(30), 'winddir', 0, 0), 'winddir', 1, 360));
    assert.equal(validateFlight(raw, resolveConfig()).numeric.winddir[1], 360);
  });

  test('checks required columns before gases, in config order', async () => {
    const table = withCell(withCell(flightTable(30), 'ch4', 0, 'x'), 'pressure', 9, 'y');
    const error = validationError(() => validateFlight(readTableBuffer(Buffer.from(tableToCsv(table)), 'f.csv'), resolveConfig()), 'INVALID_DATA_FORMAT');
    assert.equal(error.details.column, 'pressure');
  });

  test('accepts integer-looking columns and exponent forms', async () => {
    const table = mapColumn(mapColumn(flightTable(30), 'pressure', () => '1000'), 'c2h6', (_, i) => `${i + 1}e-3`);
    const flight = validateFlight(await viaCsv(table), resolveConfig());
    assert.equal(flight.numeric.pressure[0], 1000);
    assert.equal(flight.numeric.c2h6[2], 0.003);
  });

  test('parses numbers with correct rounding', async () => {
    const raw = await viaCsv(withCell(flightTable(30), 'c2h6', 0, '1.1292820243772104e-05'));
    assert.equal(validateFlight(raw, resolveConfig()).numeric.c2h6[0], 1.1292820243772104e-5);
  });

  test('needs at least 20 rows', async () => {
    const error = validationError(() => validateFlight(flightTable(19), resolveConfig()), 'TOO_FEW_ROWS');
    assert.match(error.message, /19 data rows; at least 20/);
    assert.equal(validateFlight(await viaCsv(flightTable(20)), resolveConfig()).rowCount, 20);
  });

  test('reports a bad cell in an .xlsx with its sheet row and column', () => {
    const table = withCell(flightTable(30), 'windspeed', 20, 'fast');
    const raw = readTableBuffer(tableToWorkbookBuffer(table, 'xlsx'), 'f.xlsx');
    const error = validationError(() => validateFlight(raw, resolveConfig()), 'INVALID_DATA_FORMAT');
    assert.deepEqual(error.details, { column: 'windspeed', row: 22, value: 'fast' });
  });

  test('reports a bad cell in an .xls with its sheet row and column', () => {
    const table = withCell(flightTable(30), 'height_ato', 7, 600);
    const raw = readTableBuffer(tableToWorkbookBuffer(table, 'xls'), 'f.xls');
    const error = validationError(() => validateFlight(raw, resolveConfig()), 'OUT_OF_RANGE');
    assert.deepEqual(error.details, { column: 'height_ato', row: 9, value: 600, range: [-200, 500] });
  });

  test('counts rows from the sheet when the table does not start on the first row', () => {
    const table = withCell(flightTable(30), 'pressure', 0, 5);
    const aoa = [[], ...tableToWorkbookAoa(table)];
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(aoa), 'Sheet1');
    const raw = readTableBuffer(XLSX.write(book, { bookType: 'xlsx', type: 'buffer' }), 'f.xlsx');
    assert.equal(validationError(() => validateFlight(raw, resolveConfig()), 'OUT_OF_RANGE').details.row, 3);
  });

  test('warns, and does not fail, when timestamps do not increase', async () => {
    let table = withCell(flightTable(30), 'timestamp', 10, '2022-09-26 02:00:05');
    table = withCell(table, 'timestamp', 20, 'not a time');
    const flight = validateFlight(await viaCsv(table), resolveConfig());
    const warning = flight.warnings.find((w) => w.code === 'TIMESTAMPS_NOT_INCREASING');
    assert.ok(warning);
    assert.equal(warning.count, 1);
    assert.match(warning.message, /first at row 12/);
  });

  test('works without a timestamp column, and ignores a geometry column', async () => {
    const table = withoutColumns(flightTable(30), 'timestamp');
    table.columns.push('geometry');
    table.cells.geometry = table.cells.latitude.map(() => 'POINT (1 2)');
    const flight = validateFlight(await viaCsv(table), resolveConfig());
    assert.equal(flight.timestamps, null);
    assert.equal(flight.numeric.geometry, undefined);
  });
});

describe('choosing the gases', () => {
  test('with the defaults, the documented columns plus only ch4 process ch4 and skip cut_ground with a warning', async () => {
    const resolved = resolveConfig();
    const flight = validateFlight(await viaCsv(flightTable(30, ['ch4'])), resolved);
    assert.deepEqual(flight.gases, ['ch4']);
    assert.deepEqual(flight.warnings.map((w) => w.code), ['CUT_GROUND_SKIPPED']);
    assert.equal(resolved.config.ordinary_kriging_settings.cut_ground, false);
  });

  test('no configured gas in the file is NO_GASES, naming the configured gases', async () => {
    const error = validationError(() => validateFlight(flightTable(30, []), resolveConfig()), 'NO_GASES');
    assert.equal(error.stage, 'validation');
    assert.match(error.message, /ch4, co2, c2h6/);
  });

  test('a gas named in the user YAML but absent from the data is a missing column', async () => {
    const resolved = resolveConfig({ yaml: 'gases:\n  co2: [300, 5000]\n  n2o: [0.2, 2]\n' });
    const error = validationError(() => validateFlight(flightTable(30, ['ch4', 'co2']), resolved), 'MISSING_COLUMNS');
    assert.deepEqual(error.details.columns, ['n2o']);
    assert.match(error.message, /'n2o' named in the config/);
  });

  test('a configured gas with no known molar mass is UNKNOWN_GAS', () => {
    const resolved = resolveConfig({ yaml: 'gases:\n  hcl: [0, 10]\nordinary_kriging_settings:\n  cut_ground: false\n' });
    const error = validationError(() => validateFlight(flightTable(30, ['hcl']), resolved), 'UNKNOWN_GAS');
    assert.equal(error.details.column, 'hcl');
    assert.match(error.message, /'hcl'.*molar_masses/);
  });

  test('a molar mass given in the config makes a new gas usable, and the user\'s gases come first', () => {
    const resolved = resolveConfig({ yaml: 'gases:\n  hcl: [0, 10]\nmolar_masses:\n  hcl: 36.46\n' });
    assert.deepEqual(validateFlight(flightTable(30, ['ch4', 'hcl']), resolved).gases, ['hcl', 'ch4']);
  });
});

describe('cut_ground and height_agl', () => {
  test('a user who sets cut_ground true needs a height_agl column', () => {
    const resolved = resolveConfig({ yaml: 'ordinary_kriging_settings:\n  cut_ground: yes\n' });
    const error = validationError(() => validateFlight(flightTable(30), resolved), 'MISSING_HEIGHT_AGL');
    assert.equal(error.stage, 'validation');
    assert.match(error.message, /needs a 'height_agl' column/);
  });

  test('a complete config with cut_ground true needs a height_agl column', () => {
    const yaml = completeYaml({ cut_ground: 'True' });
    validationError(() => validateFlight(flightTable(30), resolveConfig({ yaml, complete: true })), 'MISSING_HEIGHT_AGL');
  });

  test('a height_agl column is validated and kept, and cut_ground stays on', async () => {
    const table = flightTable(30);
    table.columns.push('height_agl');
    table.cells.height_agl = table.cells.height_ato.map((h) => (h as number) + 12.5);
    const resolved = resolveConfig();
    const flight = validateFlight(await viaCsv(table), resolved);
    assert.equal(flight.numeric.height_agl[0], 2.5);
    assert.equal(resolved.config.ordinary_kriging_settings.cut_ground, true);
    assert.deepEqual(flight.warnings, []);

    const bad = withCell(table, 'height_agl', 3, 'ground');
    assert.equal(validationError(() => validateFlight(bad, resolveConfig()), 'INVALID_DATA_FORMAT').details.column, 'height_agl');
  });
});

function tableToWorkbookAoa(table: RawTable): unknown[][] {
  return [table.columns, ...Array.from({ length: table.rowCount }, (_, r) => table.columns.map((c) => table.cells[c][r]))];
}

function completeYaml({ cut_ground }: { cut_ground: string }): string {
  return `required_cols:
  latitude: [-90, 90]
  longitude: [-180, 180]
  height_ato: [-200, 500]
  windspeed: [0, 50]
  winddir: [0, 360]
  temperature: [-50, 60]
  pressure: [900, 1100]
gases:
  ch4: [1.5, 500]
strategies: {background: algorithm, sensor: insitu, spatial: curtain, interpolation: kriging}
algorithmic_baseline_settings: {algorithm: fastchrom}
semivariogram_settings: {model: spherical, estimator: cressie, n_lags: 20, bin_func: even, fit_method: lm, maxlag: 100, tolerance: 10, azimuth: 0, bandwidth: 20}
ordinary_kriging_settings: {min_points: 3, max_points: 100, grid_resolution: 500, min_nodes: 10, y_min: ~, cut_ground: ${cut_ground}}
`;
}
