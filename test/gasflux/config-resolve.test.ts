import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import { DEFAULT_CONFIG } from '../../src/gasflux/config/defaults.js';
import { molarMass } from '../../src/gasflux/config/molar-masses.js';
import { dumpConfigYaml, resolveConfig } from '../../src/gasflux/config/resolve-config.js';
import { GasfluxError } from '../../src/gasflux/errors.js';

function configError(run: () => unknown, code = 'INVALID_CONFIG'): GasfluxError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GasfluxError, `expected a GasfluxError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.stage, 'config');
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** A whole config in the reference's shape, without the template's optional fastchrom block. */
const COMPLETE_YAML = `output_dir: ~/gasflux_reports
required_cols:
  latitude: [-90, 90]
  longitude: [-180, 180]
  height_ato: [-100, 500]
  windspeed: [0, 30]
  winddir: [0, 360]
  temperature: [-50, 60]
  pressure: [900, 1100]
gases:
  ch4: [1.95, 10.0]
  co2: [380.0, 500.0]
strategies:
  background: "algorithm"
  sensor: "insitu"
  spatial: "curtain"
  interpolation: "kriging"
algorithmic_baseline_settings:
  algorithm: fastchrom
semivariogram_settings:
  model: spherical
  estimator: cressie
  n_lags: 20
  bin_func: even
  fit_method: lm
  maxlag: 100
  tolerance: 10
  azimuth: 0
  bandwidth: 20
ordinary_kriging_settings:
  min_points: 3
  max_points: 100
  grid_resolution: 500
  min_nodes: 10
  cut_ground: False
  y_min: ~
filters:
  course_filter:
    azimuth_filter: 10
`;

describe('the default config', () => {
  test('holds the template values plus physics: corrected', () => {
    const { config, source, requiredGases, explicitCutGround } = resolveConfig();
    assert.equal(source, 'defaults');
    assert.deepEqual(requiredGases, []);
    assert.equal(explicitCutGround, false);
    assert.equal(config.physics, 'corrected');
    assert.deepEqual(config.gases, { ch4: [1.5, 500], co2: [300, 5000], c2h6: [-0.5, 10] });
    assert.deepEqual(config.required_cols.pressure, [900, 1100]);
    assert.deepEqual(config.algorithmic_baseline_settings.fastchrom, {
      half_window: 6, threshold: 'custom', min_fwhm: null, interp_half_window: 3, smooth_half_window: 3, weights: null, max_iter: 100, min_length: 2,
    });
    assert.equal(config.ordinary_kriging_settings.cut_ground, true);
    assert.equal(config.ordinary_kriging_settings.y_min, null);
  });

  test('is a fresh copy every time, so a run may change it', () => {
    const first = resolveConfig();
    first.config.ordinary_kriging_settings.cut_ground = false;
    assert.equal(resolveConfig().config.ordinary_kriging_settings.cut_ground, true);
    assert.equal(DEFAULT_CONFIG.ordinary_kriging_settings.cut_ground, true);
  });
});

describe('merging a user config over the defaults', () => {
  test('replaces only the keys the user gives and keeps the template fastchrom block', () => {
    const { config, source } = resolveConfig({
      yaml: 'algorithmic_baseline_settings:\n  algorithm: fastchrom\nsemivariogram_settings:\n  n_lags: 12\nrequired_cols:\n  pressure: [800, 1100]\n',
    });
    assert.equal(source, 'merged');
    assert.equal(config.algorithmic_baseline_settings.fastchrom?.half_window, 6);
    assert.equal(config.semivariogram_settings.n_lags, 12);
    assert.equal(config.semivariogram_settings.model, 'spherical');
    assert.deepEqual(config.required_cols.pressure, [800, 1100]);
    assert.deepEqual(config.required_cols.latitude, [-90, 90]);
  });

  test('lists replace rather than merge, and fastchrom: null asks for the library defaults', () => {
    const { config } = resolveConfig({ yaml: 'gases:\n  ch4: [2, 3]\nalgorithmic_baseline_settings:\n  fastchrom: ~\n' });
    assert.deepEqual(config.gases.ch4, [2, 3]);
    assert.equal(config.algorithmic_baseline_settings.fastchrom, null);
  });

  test('requires exactly the gases the user names', () => {
    assert.deepEqual(resolveConfig({ yaml: 'gases:\n  co2: [300, 600]\n' }).requiredGases, ['co2']);
    assert.deepEqual(resolveConfig({ yaml: 'physics: gasflux-0.2.2\n' }).requiredGases, []);
  });

  test("accepts 'algorithmic' as the background strategy and stores 'algorithm'", () => {
    assert.equal(resolveConfig({ yaml: 'strategies:\n  background: algorithmic\n' }).config.strategies.background, 'algorithm');
  });

  test('reads YAML 1.1 booleans such as True, no and ON for boolean keys, and records an explicit cut_ground', () => {
    for (const [text, value] of [['True', true], ['False', false], ['yes', true], ['no', false], ['ON', true], ['Off', false]] as const) {
      const resolved = resolveConfig({ yaml: `ordinary_kriging_settings:\n  cut_ground: ${text}\n` });
      assert.equal(resolved.config.ordinary_kriging_settings.cut_ground, value, text);
      assert.equal(resolved.explicitCutGround, value, text);
    }
  });

  test('keeps unknown keys, which the written config reports back', () => {
    const { config } = resolveConfig({ yaml: 'my_note: flight 7\nsemivariogram_settings:\n  fit_sigma: linear\n' });
    assert.equal(config.my_note, 'flight 7');
    assert.equal(config.semivariogram_settings.fit_sigma, 'linear');
  });

  test('accepts an already-parsed object the same way', () => {
    const resolved = resolveConfig({ object: { strategies: { spatial: 'spiral' }, molar_masses: { hcl: 36.46 } } });
    assert.equal(resolved.config.strategies.spatial, 'spiral');
    assert.equal(molarMass('hcl', resolved.config), 36.46);
    assert.equal(molarMass('ch4', resolved.config), 16.042504);
    assert.equal(molarMass('hcl', DEFAULT_CONFIG), undefined);
  });
});

describe('a complete config', () => {
  test('is used as given: an absent fastchrom block stays absent', () => {
    const resolved = resolveConfig({ yaml: COMPLETE_YAML, complete: true });
    assert.equal(resolved.source, 'complete');
    assert.equal('fastchrom' in resolved.config.algorithmic_baseline_settings, false);
    assert.deepEqual(resolved.config.gases, { ch4: [1.95, 10], co2: [380, 500] });
    assert.deepEqual(resolved.requiredGases, ['ch4', 'co2']);
    assert.equal(resolved.config.physics, 'corrected');
    assert.equal(resolved.config.ordinary_kriging_settings.cut_ground, false);
    assert.deepEqual(resolved.config.filters, { course_filter: { azimuth_filter: 10 } });
  });

  test('names every key the pipeline needs that is missing', () => {
    const yaml = COMPLETE_YAML.replace('  n_lags: 20\n', '').replace('  y_min: ~\n', '').replace('  pressure: [900, 1100]\n', '');
    const error = configError(() => resolveConfig({ yaml, complete: true }));
    assert.match(error.message, /3 problems/);
    assert.match(error.message, /required_cols: must include 'pressure'/);
    assert.match(error.message, /semivariogram_settings\.n_lags: is missing/);
    assert.match(error.message, /ordinary_kriging_settings\.y_min: is missing/);
  });
});

describe('rejecting bad configs', () => {
  test('wrong types are INVALID_CONFIG naming each key, all at once', () => {
    const error = configError(() =>
      resolveConfig({
        yaml: [
          'gases:\n  ch4: [500, 1.5]\n  CO2: [1, 2]',
          'required_cols:\n  pressure: "900 to 1100"',
          'semivariogram_settings:\n  n_lags: 2.5\n  maxlag: 0\n  tolerance: 400',
          'ordinary_kriging_settings:\n  min_points: 5\n  max_points: 4\n  cut_ground: maybe\n  y_min: low',
          'molar_masses:\n  hcl: -1',
        ].join('\n'),
      }),
    );
    for (const key of [
      'gases.ch4', 'gases.CO2', 'required_cols.pressure', 'semivariogram_settings.n_lags', 'semivariogram_settings.maxlag',
      'semivariogram_settings.tolerance', 'ordinary_kriging_settings.max_points', 'ordinary_kriging_settings.cut_ground',
      'ordinary_kriging_settings.y_min', 'molar_masses.hcl',
    ]) {
      assert.match(error.message, new RegExp(`${key.replace('.', '\\.')}: `), key);
    }
    assert.match(error.message, /gases\.ch4: must be a \[min, max\] pair of numbers with min <= max, got \[500, 1\.5\]/);
    assert.equal(error.details.key, 'required_cols.pressure', 'the first problem in config order');
  });

  test('an unknown strategy is UNKNOWN_STRATEGY naming the key, the value and the allowed values', () => {
    const error = configError(() => resolveConfig({ yaml: 'strategies:\n  spatial: helix\n' }), 'UNKNOWN_STRATEGY');
    assert.equal(error.message, "Invalid config: strategies.spatial: unknown strategy 'helix'; allowed: 'curtain', 'spiral'");
    assert.equal(error.details.key, 'strategies.spatial');
  });

  test('another pybaselines method than fastchrom is UNSUPPORTED_OPTION', () => {
    for (const algorithm of ['dietrich', 'golotvin', 'std_distribution', 'cwt_br', 'fabc', 'rubberband']) {
      const error = configError(() => resolveConfig({ yaml: `algorithmic_baseline_settings:\n  algorithm: ${algorithm}\n` }), 'UNSUPPORTED_OPTION');
      assert.match(error.message, /only 'fastchrom' is implemented/);
    }
  });

  test('variogram options we do not implement are UNSUPPORTED_OPTION', () => {
    const error = configError(
      () => resolveConfig({ yaml: 'semivariogram_settings:\n  model: matern\n  estimator: dowd\n  bin_func: kmeans\n  fit_method: trf\n' }),
      'UNSUPPORTED_OPTION',
    );
    assert.match(error.message, /4 problems/);
    assert.match(error.message, /model: unsupported variogram model 'matern'/);
  });

  test('bad fastchrom settings are named, including unknown options', () => {
    const error = configError(() =>
      resolveConfig({ yaml: 'algorithmic_baseline_settings:\n  fastchrom:\n    half_window: 0\n    threshold: high\n    speed: 3\n' }),
    );
    assert.match(error.message, /fastchrom\.half_window: must be an integer >= 1, or null, got 0/);
    assert.match(error.message, /fastchrom\.threshold: must be a number, 'custom' or null, got 'high'/);
    assert.match(error.message, /unknown fastchrom option 'speed'/);
  });

  test('problems of different kinds together are INVALID_CONFIG', () => {
    const error = configError(() => resolveConfig({ yaml: 'strategies:\n  sensor: remote\nsemivariogram_settings:\n  n_lags: 0\n' }));
    assert.match(error.message, /strategies\.sensor: unknown strategy 'remote'.*n_lags/);
  });

  test('an unknown physics mode is INVALID_CONFIG', () => {
    assert.match(configError(() => resolveConfig({ yaml: 'physics: exact\n' })).message, /'corrected', 'gasflux-0\.2\.2'/);
  });

  test('YAML that is not a mapping is INVALID_CONFIG', () => {
    for (const yaml of ['- a\n- b\n', 'just text', '42', '', '# only a comment\n']) {
      configError(() => resolveConfig({ yaml }));
    }
    assert.match(configError(() => resolveConfig({ yaml: '- a\n' })).message, /must be a mapping/);
  });

  test('broken YAML is INVALID_CONFIG with the line', () => {
    assert.match(configError(() => resolveConfig({ yaml: 'gases:\n  ch4: [1, 2\n' })).message, /not valid YAML.*line/);
  });

  test('YAML over 256 kB is INVALID_CONFIG', () => {
    const yaml = `# ${'x'.repeat(300 * 1024)}\ngases:\n  ch4: [1, 2]\n`;
    assert.match(configError(() => resolveConfig({ yaml })).message, /at most 256 kB/);
  });

  test('a billion-laughs YAML bomb is rejected fast', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const start = performance.now();
    const error = configError(() => resolveConfig({ yaml: levels.join('\n') }));
    assert.ok(performance.now() - start < 500);
    assert.match(error.message, /too large|aliases/);
  });

  test('more than 100 aliases is INVALID_CONFIG', () => {
    const yaml = `x: &x 1\nlist: [${Array(101).fill('*x').join(', ')}]\n`;
    assert.match(configError(() => resolveConfig({ yaml })).message, /more than 100 aliases/);
  });

  test('a recursive alias is INVALID_CONFIG', () => {
    assert.match(configError(() => resolveConfig({ yaml: 'a: &x [*x]\n' })).message, /recursive alias/);
  });

  test('custom tags and __proto__ keys are refused', () => {
    configError(() => resolveConfig({ yaml: 'a: !!js/function "x"\n' }));
    assert.match(configError(() => resolveConfig({ yaml: '__proto__:\n  polluted: 1\n' })).message, /__proto__/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('writing the effective config', () => {
  test('dumps YAML with keys sorted at every level that loads back to the same data', () => {
    const { config } = resolveConfig({ yaml: 'zeta: 1\nnote: "yes"\ngases:\n  co2: [300, 600]\n  ch4: [1.5, 500]\n' });
    const text = dumpConfigYaml(config);
    assert.deepEqual(load(text), JSON.parse(JSON.stringify(config)));
    const topKeys = text.split('\n').filter((l) => /^[a-z_]+:/.test(l)).map((l) => l.split(':')[0]);
    assert.deepEqual(topKeys, [...topKeys].sort());
    assert.ok(text.indexOf('  c2h6:') < text.indexOf('  ch4:') && text.indexOf('  ch4:') < text.indexOf('  co2:'));
    assert.match(text, /note: 'yes'/);
    assert.doesNotMatch(text, /[{}]|&|\*/);
  });

  test('reads back through resolveConfig as the same config', () => {
    const { config } = resolveConfig();
    assert.deepEqual(resolveConfig({ yaml: dumpConfigYaml(config), complete: true }).config, config);
  });
});

test('values that set the amount of work are bounded, each refusal naming the key and the bound', () => {
  for (const [yaml, key, bound] of [
    ['ordinary_kriging_settings:\n  grid_resolution: 2000000\n', 'ordinary_kriging_settings.grid_resolution', '200,000'],
    ['ordinary_kriging_settings:\n  max_points: 5000\n', 'ordinary_kriging_settings.max_points', '500'],
    ['ordinary_kriging_settings:\n  min_nodes: 100000\n', 'ordinary_kriging_settings.min_nodes', '2,000'],
    ['semivariogram_settings:\n  n_lags: 1000000\n', 'semivariogram_settings.n_lags', '1,000'],
    ['algorithmic_baseline_settings:\n  fastchrom:\n    max_iter: 100000000\n', 'algorithmic_baseline_settings.fastchrom.max_iter', '10,000'],
  ] as const) {
    const error = configError(() => resolveConfig({ yaml }));
    assert.ok(error.message.includes(key), error.message);
    assert.ok(error.message.includes(`at most ${bound}`), error.message);
  }
  assert.equal(resolveConfig({ yaml: 'ordinary_kriging_settings:\n  grid_resolution: 200000\n' }).config.ordinary_kriging_settings.grid_resolution, 200_000);
});
