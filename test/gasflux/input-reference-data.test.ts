import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultConfig } from '../../src/gasflux/config/defaults.js';
import { resolveConfig } from '../../src/gasflux/config/resolve-config.js';
import { GasfluxError } from '../../src/gasflux/errors.js';
import { readTableFile } from '../../src/gasflux/input/read-table.js';
import { validateFlight } from '../../src/gasflux/input/validate-flight.js';
import { gasfluxDataDir, needsSharedData } from '../helpers/shared-data.js';

// Read in place from the shared folder: the reference files are AGPL and never copied into this repository.
describe('the reference fixtures', { skip: needsSharedData(gasfluxDataDir) }, () => {
  const file = (name: string) => `${gasfluxDataDir}${name}`;

  test('the template config, taken whole, is exactly our defaults', () => {
    const yaml = readFileSync(file('gasflux_config.yaml'), 'utf8');
    assert.deepEqual(resolveConfig({ yaml, complete: true }).config, defaultConfig());
  });

  test('exampledata.csv validates with the defaults: 1000 rows, three gases, cut_ground skipped', async () => {
    const raw = await readTableFile(file('exampledata.csv'));
    const resolved = resolveConfig();
    const flight = validateFlight(raw, resolved);
    assert.equal(flight.rowCount, 1000);
    assert.deepEqual(flight.gases, ['ch4', 'co2', 'c2h6']);
    assert.deepEqual(flight.warnings.map((w) => w.code), ['CUT_GROUND_SKIPPED']);
    assert.equal(flight.timestamps?.[0], '2022-09-26 02:03:00');
    assert.equal(flight.numeric.ch4[0], 1.9500281451845713);
    assert.equal(flight.numeric.c2h6[0], 1.1292820243772104e-5);
  });

  test('testdata.csv validates with testconfig.yaml as a complete config', async () => {
    const raw = await readTableFile(file('testdata.csv'));
    const resolved = resolveConfig({ yaml: readFileSync(file('testconfig.yaml'), 'utf8'), complete: true });
    assert.equal(resolved.config.algorithmic_baseline_settings.fastchrom, undefined);
    const flight = validateFlight(raw, resolved);
    assert.equal(flight.rowCount, 1000);
    assert.deepEqual(flight.gases, ['ch4', 'co2', 'c2h6']);
    assert.deepEqual(flight.warnings, []);
    assert.equal(flight.numeric.geometry, undefined);
  });

  test('the template taken whole needs height_agl, which exampledata.csv lacks', async () => {
    const raw = await readTableFile(file('exampledata.csv'));
    const resolved = resolveConfig({ yaml: readFileSync(file('gasflux_config.yaml'), 'utf8'), complete: true });
    assert.throws(() => validateFlight(raw, resolved), (e: GasfluxError) => e.code === 'MISSING_HEIGHT_AGL');
  });
});
