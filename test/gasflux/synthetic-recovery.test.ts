/**
 * Correctness on flights through a Gaussian plume of known emission rate: the default (corrected) physics must give
 * back the true rate. The generator is in test/helpers/synthetic-flight.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/gasflux/config/resolve-config.ts';
import { validateFlight } from '../../src/gasflux/input/validate-flight.ts';
import { processFlight } from '../../src/gasflux/pipeline.ts';
import { syntheticFlight, type SyntheticFlightOptions } from '../helpers/synthetic-flight.ts';

function recover(options: SyntheticFlightOptions, physics: 'corrected' | 'gasflux-0.2.2' = 'corrected') {
  const { table, truth } = syntheticFlight(options);
  const resolved = resolveConfig({ object: { physics } });
  const flight = validateFlight(table, resolved);
  const result = processFlight(flight, resolved.config);
  for (const gas of result.gases) assert.ok(gas.detection.detected, `${gas.gas}: a real plume is detected`);
  const ratios = Object.fromEntries(result.gases.map((g) => [g.gas, g.volume / truth.emissionRatesKgH[g.gas]]));
  return { result, truth, ratios };
}

describe('recovering a known emission rate with the default config (physics: corrected)', () => {
  const cases: { wind: number; emissions: Record<string, number>; seed: number }[] = [];
  for (const wind of [3, 5, 8]) {
    cases.push({ wind, emissions: { ch4: 5, co2: 50, c2h6: 0.5 }, seed: 11 + wind });
    cases.push({ wind, emissions: { ch4: 40, co2: 400, c2h6: 4 }, seed: 23 + wind });
  }
  for (const { wind, emissions, seed } of cases) {
    test(`wind ${wind} m/s, ch4 ${emissions.ch4} kg/h, co2 ${emissions.co2} kg/h, c2h6 ${emissions.c2h6} kg/h: every gas within 10 %`, (t) => {
      const { ratios, result } = recover({ windSpeed: wind, emissions, seed });
      t.diagnostic(`recovered/true: ${Object.entries(ratios).map(([g, r]) => `${g} ${r.toFixed(3)}`).join(', ')}`);
      assert.equal(result.physics, 'corrected');
      assert.equal(result.config.ordinary_kriging_settings.cut_ground, true, 'the generated flight has height_agl, so the grid reaches the ground');
      for (const [gas, ratio] of Object.entries(ratios)) {
        assert.ok(Math.abs(ratio - 1) <= 0.1, `${gas}: recovered ${ratio.toFixed(3)} of the true rate`);
      }
    });
  }

  test('a wind blowing from the other side of the curtain gives the same rate (the normal wind is a magnitude)', () => {
    const a = recover({ windDirection: 225, seed: 5 });
    const b = recover({ windDirection: 45, seed: 5 });
    for (const gas of Object.keys(a.ratios)) assert.ok(Math.abs(a.ratios[gas] - b.ratios[gas]) < 0.05);
  });
});

describe('physics modes', () => {
  test('gasflux-0.2.2 mode is low by exactly its two documented factors: the doubled Kelvin offset and the cell size', () => {
    const corrected = recover({ seed: 31 }).result;
    const legacy = recover({ seed: 31 }, 'gasflux-0.2.2').result;
    const t = legacy.meanTemperature;
    const { nx, ny } = legacy.grid;
    const expectedRatio = ((t + 273.15) / (t + 546.3)) * (((nx - 1) * (ny - 1)) / (nx * ny));
    assert.equal(legacy.physics, 'gasflux-0.2.2');
    for (let g = 0; g < corrected.gases.length; g++) {
      const ratio = legacy.gases[g].volume / corrected.gases[g].volume;
      assert.ok(Math.abs(ratio / expectedRatio - 1) < 1e-6, `${corrected.gases[g].gas}: ratio ${ratio} vs ${expectedRatio}`);
    }
  });

  test('the same flight and config give bit-identical results (deterministic)', () => {
    const a = recover({ seed: 8 }).result;
    const b = recover({ seed: 8 }).result;
    assert.deepEqual(
      a.gases.map((g) => [g.volume, g.volumepos, g.volumeneg, g.volumeError]),
      b.gases.map((g) => [g.volume, g.volumepos, g.volumeneg, g.volumeError]),
    );
  });
});
