/**
 * The flights on which tools/reference runs the real gasflux 0.2.2, and from which
 * test/gasflux/real-reference-parity.test.ts regenerates the same input. A case is data only (generator options,
 * column edits, config), so the reference JSON can store it and the test can rebuild the exact CSV from it.
 *
 * Flights come from the seeded generator in test/helpers/synthetic-flight.ts. A case may join several generated
 * flights one after the other (to make a flight whose transect heights are not monotonic), add extra columns
 * (including names the reference overwrites or drops) and put the columns in another order.
 */
import { createHash } from 'node:crypto';
import { syntheticFlight, type SyntheticFlightOptions } from '../../test/helpers/synthetic-flight.ts';
import { tableToCsv } from '../../test/helpers/table-files.ts';
import type { CellValue, RawTable } from '../../src/gasflux/table.ts';

/** A column the generator does not write, filled deterministically from the row index or the row's own values. */
export type ExtraColumn =
  /** A numeric ramp from `from` (first row) to `to` (last row). */
  | { name: string; kind: 'ramp'; from: number; to: number }
  /** Whole numbers `start + row` (the reference reads such a column as int64; it is never validated). */
  | { name: string; kind: 'counter'; start: number }
  /** WKT `POINT (lon lat)` text of the row's own position, like the `geometry` column of gasflux's testdata.csv. */
  | { name: string; kind: 'wkt-point' }
  /** Text cycling through `values`; every `emptyEvery`-th row (1-based) is left empty. */
  | { name: string; kind: 'text'; values: string[]; emptyEvery?: number };

export interface CaseGenerator {
  /** Generated flights, joined in this order (each needs the same gases and the same height_agl setting). */
  flights: SyntheticFlightOptions[];
  extraColumns?: ExtraColumn[];
  /** Final column order: a permutation of the generated and extra columns. Default: generated, then extra. */
  columnOrder?: string[];
}

export interface CorpusCase {
  name: string;
  description: string;
  generator: CaseGenerator;
  /** The whole gasflux config (the reference does not merge with defaults). */
  config: Record<string, unknown>;
}

/** The flight table of a case, exactly as written to its CSV. */
export function buildCaseTable(generator: CaseGenerator): RawTable {
  if (generator.flights.length === 0) throw new RangeError('a case needs at least one flight');
  const parts = generator.flights.map((options) => syntheticFlight(options).table);
  const columns = [...parts[0].columns];
  for (const part of parts) {
    if (part.columns.join() !== columns.join()) throw new RangeError(`joined flights must have the same columns: ${part.columns} vs ${columns}`);
  }
  const rowCount = parts.reduce((sum, p) => sum + p.rowCount, 0);
  const cells: Record<string, CellValue[]> = {};
  for (const c of columns) cells[c] = parts.flatMap((p) => p.cells[c]);

  for (const extra of generator.extraColumns ?? []) {
    if (Object.hasOwn(cells, extra.name)) throw new RangeError(`extra column '${extra.name}' is already a column`);
    cells[extra.name] = Array.from({ length: rowCount }, (_, row): CellValue => {
      switch (extra.kind) {
        case 'ramp':
          return rowCount > 1 ? extra.from + ((extra.to - extra.from) * row) / (rowCount - 1) : extra.from;
        case 'counter':
          return extra.start + row;
        case 'wkt-point':
          return `POINT (${String(cells.longitude[row])} ${String(cells.latitude[row])})`;
        case 'text':
          if (extra.emptyEvery && (row + 1) % extra.emptyEvery === 0) return null;
          return extra.values[row % extra.values.length];
      }
    });
    columns.push(extra.name);
  }

  let order = columns;
  if (generator.columnOrder) {
    const wanted = [...generator.columnOrder].sort().join();
    if (wanted !== [...columns].sort().join()) {
      throw new RangeError(`columnOrder must be a permutation of ${columns.join(', ')}`);
    }
    order = [...generator.columnOrder];
  }
  return { columns: order, cells, rowCount, firstDataRow: 2 };
}

export function caseCsv(generator: CaseGenerator): string {
  return tableToCsv(buildCaseTable(generator));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// ------------------------------------------------------------------------------------------------------------------
// Configs
// ------------------------------------------------------------------------------------------------------------------

type Plain = Record<string, any>;

/**
 * The settings of gasflux 0.2.2's template config (`gasflux_config.yaml`), as data. Deliberately a copy, not
 * DEFAULT_CONFIG: the corpus pins what was run through the real package, so a change to our defaults must not change
 * the corpus (the fixture's hashes would then no longer match the flights and configs rebuilt from it).
 */
const TEMPLATE: Plain = {
  output_dir: '~/gasflux_reports',
  required_cols: {
    latitude: [-90, 90],
    longitude: [-180, 180],
    height_ato: [-200, 500],
    windspeed: [0, 50],
    winddir: [0, 360],
    temperature: [-50, 60],
    pressure: [900, 1100],
  },
  gases: { ch4: [1.5, 500], co2: [300, 5000], c2h6: [-0.5, 10] },
  strategies: { background: 'algorithm', sensor: 'insitu', spatial: 'curtain', interpolation: 'kriging' },
  algorithmic_baseline_settings: {
    algorithm: 'fastchrom',
    fastchrom: {
      half_window: 6, threshold: 'custom', min_fwhm: null, interp_half_window: 3, smooth_half_window: 3, weights: null, max_iter: 100, min_length: 2,
    },
    fabc: { lam: 10000, scale: 10, diff_order: 2 },
    dietrich: { poly_order: 5, smooth_half_window: 5 },
    golotvin: { half_window: 2, sections: 10 },
  },
  semivariogram_settings: {
    model: 'spherical', estimator: 'cressie', n_lags: 20, bin_func: 'even', fit_method: 'lm', maxlag: 100, tolerance: 10, azimuth: 0, bandwidth: 20,
  },
  ordinary_kriging_settings: { min_points: 3, max_points: 100, grid_resolution: 500, min_nodes: 10, y_min: null, cut_ground: true },
};

/** The template config with `edit` applied. */
function template(edit: (config: Plain) => void = () => {}): Plain {
  const config = structuredClone(TEMPLATE);
  edit(config);
  return config;
}

/** The template with `cut_ground: false`. */
function templateNoGround(edit: (config: Plain) => void = () => {}): Plain {
  return template((c) => {
    c.ordinary_kriging_settings.cut_ground = false;
    edit(c);
  });
}

const START = '2024-06-01T10:00:00Z';

/** The time just after a flight of `rows` samples at `rateHz` that started at `start` (ISO text, UTC). */
function after(start: string, rows: number, rateHz: number): string {
  return new Date(Date.parse(start) + Math.round((rows * 1000) / rateHz)).toISOString();
}

// ------------------------------------------------------------------------------------------------------------------
// The corpus
// ------------------------------------------------------------------------------------------------------------------

const firstLegRows = syntheticFlight({ seed: 1301, latitude: 51.5, longitude: -0.6, windDirection: 250, transects: 8 }).truth.sampling.rows;
const shortLegRows = syntheticFlight({ seed: 1401, latitude: 35.7, longitude: 139.4, windDirection: 160, transects: 5, maxHeight: 50 }).truth.sampling.rows;

export const CORPUS: CorpusCase[] = [
  {
    name: 'nh-template-sw-wind',
    description: 'Netherlands, wind from 225°, 12 transects at 1 Hz, the template config as shipped (cut_ground on)',
    generator: { flights: [{ seed: 101 }] },
    config: template(),
  },
  {
    name: 'sh-wind-355-no-ground-cut',
    description: 'Sydney (UTM 56S), wind from 355° (direction noise crosses 0°/360°), 8 transects, cut_ground off',
    generator: { flights: [{ seed: 201, latitude: -33.87, longitude: 151.21, windDirection: 355, transects: 8 }] },
    config: templateNoGround(),
  },
  {
    name: 'sh-wind-5-descending',
    description: 'Patagonia (UTM 18S), wind from 5°, flown top-down, 10 transects, cold and low pressure',
    generator: {
      flights: [
        { seed: 301, latitude: -45.57, longitude: -72.07, windDirection: 5, transects: 10, descending: true, temperature: -4, pressure: 955 },
      ],
    },
    config: template(),
  },
  {
    name: 'norway-5hz-5-transects',
    description: 'Western Norway at 60.4°N 5.3°E (UTM 31N: PROJ has no 32V exception), wind from 358°, 5 Hz at 10 m/s, 5 transects',
    generator: {
      flights: [{ seed: 401, latitude: 60.39, longitude: 5.32, windDirection: 358, sampleRateHz: 5, speed: 10, transects: 5 }],
    },
    config: template(),
  },
  {
    name: 'colorado-25-transects',
    description: 'Colorado (UTM 13N), wind from 300°, 25 transects at 1 Hz, power-law wind profile',
    generator: {
      flights: [{ seed: 501, latitude: 40.01, longitude: -105.27, windDirection: 300, transects: 25, windProfile: 'power', pressure: 940 }],
    },
    config: template(),
  },
  {
    name: 'pybaselines-defaults-2hz',
    description: 'No fastchrom block (pybaselines defaults: optimised half-window, 15th-percentile threshold), 2 Hz, wind from 120°',
    generator: { flights: [{ seed: 601, latitude: 48.2, longitude: 16.4, windDirection: 120, sampleRateHz: 2, transects: 9 }] },
    config: templateNoGround((c) => {
      c.algorithmic_baseline_settings = { algorithm: 'fastchrom' };
    }),
  },
  {
    name: 'extra-and-reordered-columns',
    description:
      'Columns shuffled; extra columns x, geometry, transect_num (names the reference overwrites or drops), text with gaps; ' +
      'config lists co2 before ch4 and not c2h6 (its column is ignored)',
    generator: {
      flights: [{ seed: 701, latitude: 45.76, longitude: 4.84, windDirection: 200, transects: 9 }],
      extraColumns: [
        { name: 'x', kind: 'ramp', from: 50, to: 950 },
        { name: 'geometry', kind: 'wkt-point' },
        { name: 'transect_num', kind: 'counter', start: 7 },
        { name: 'battery_v', kind: 'ramp', from: 16.8, to: 14.9 },
        { name: 'note', kind: 'text', values: ['ok', 'gust', 'ok', 'turn'], emptyEvery: 7 },
      ],
      columnOrder: [
        'note', 'co2', 'pressure', 'x', 'longitude', 'timestamp', 'ch4', 'geometry', 'winddir', 'battery_v', 'height_agl',
        'latitude', 'c2h6', 'temperature', 'transect_num', 'windspeed', 'height_ato',
      ],
    },
    config: templateNoGround((c) => {
      c.gases = { co2: [300, 5000], ch4: [1.5, 500] };
    }),
  },
  {
    name: 'sloped-ground-cut',
    description: 'Ground rising 6 % along the curtain, cut_ground on (nodes below ground masked), wind from 80°',
    generator: { flights: [{ seed: 801, latitude: 46.95, longitude: 7.45, windDirection: 80, groundSlope: 0.06, transects: 11 }] },
    config: template(),
  },
  {
    name: 'exponential-matheron',
    description: 'Exponential model, Matheron estimator, 15 lags to 80 m, 12 m band, 20° tolerance; wind from 30°',
    generator: { flights: [{ seed: 901, latitude: 55.68, longitude: 12.57, windDirection: 30, transects: 10 }] },
    config: templateNoGround((c) => {
      Object.assign(c.semivariogram_settings, { model: 'exponential', estimator: 'matheron', n_lags: 15, maxlag: 80, bandwidth: 12, tolerance: 20 });
    }),
  },
  {
    name: 'relative-maxlag-offset-plume',
    description: 'maxlag 0.3 (a fraction of the largest pair distance); wind from 150°, curtain 40 m off the plume axis',
    generator: { flights: [{ seed: 1001, latitude: 41.39, longitude: 2.17, windDirection: 150, curtainOffset: 40, transects: 9 }] },
    config: templateNoGround((c) => {
      c.semivariogram_settings.maxlag = 0.3;
    }),
  },
  {
    name: 'kriging-settings',
    description: 'grid_resolution 300, min_nodes 12, max_points 30, min_points 5, y_min −5 m; wind from 275°, 2 Hz',
    generator: { flights: [{ seed: 1101, latitude: 53.35, longitude: -6.26, windDirection: 275, sampleRateHz: 2, transects: 7 }] },
    config: template((c) => {
      Object.assign(c.ordinary_kriging_settings, { grid_resolution: 300, min_nodes: 12, max_points: 30, min_points: 5, y_min: -5 });
    }),
  },
  {
    name: 'fastchrom-explicit-numbers',
    description: 'ch4 only; fastchrom half_window 8, threshold 0.004, min_fwhm 4, interp 1, no smoothing, max_iter 5, min_length 3',
    generator: { flights: [{ seed: 1201, gases: ['ch4'], latitude: 38.72, longitude: -9.14, windDirection: 340, transects: 8 }] },
    config: templateNoGround((c) => {
      c.gases = { ch4: [1.5, 500] };
      c.algorithmic_baseline_settings.fastchrom = {
        half_window: 8, threshold: 0.004, min_fwhm: 4, interp_half_window: 1, smooth_half_window: 0, weights: null, max_iter: 5, min_length: 3,
      };
    }),
  },
  {
    name: 'up-then-shorter-down',
    description: 'An 8-transect climb, then a 5-transect descent: the climb is the longest monotonic run and the descent is dropped',
    generator: {
      flights: [
        { seed: 1301, latitude: 51.5, longitude: -0.6, windDirection: 250, transects: 8, startTime: START },
        {
          seed: 1302, latitude: 51.5, longitude: -0.6, windDirection: 250, transects: 5, descending: true, maxHeight: 45,
          startTime: after(START, firstLegRows, 1),
        },
      ],
    },
    config: templateNoGround(),
  },
  {
    name: 'short-up-then-down',
    description: 'A 5-transect climb, then a 9-transect descent: the descent is kept (the descending run is longer)',
    generator: {
      flights: [
        { seed: 1401, latitude: 35.7, longitude: 139.4, windDirection: 160, transects: 5, maxHeight: 50, startTime: START },
        { seed: 1402, latitude: 35.7, longitude: 139.4, windDirection: 160, transects: 9, descending: true, startTime: after(START, shortLegRows, 1) },
      ],
    },
    config: template(),
  },
  {
    name: 'svalbard-zone-32',
    description: 'Svalbard at 78.2°N 10.5°E (UTM 32N: PROJ has no 33X exception), wind from 45°, urban dispersion class C',
    generator: {
      flights: [{ seed: 1501, latitude: 78.2, longitude: 10.5, windDirection: 45, stability: 'C', dispersion: 'urban', transects: 8, temperature: -12 }],
    },
    config: template(),
  },
  {
    name: 'equator-zone-edge',
    description:
      'Curtain crossing the equator and the 12°E zone edge (points in zones 32 and 33): the bounding-box centre picks 33N, ' +
      'so the southern points get negative northings',
    generator: { flights: [{ seed: 1601, latitude: 0.0004, longitude: 12.00272, windDirection: 95, transects: 7, temperature: 29, pressure: 1008 }] },
    config: templateNoGround(),
  },
  {
    name: 'position-noise-strong-wind',
    description: 'Position and height wobble (0.3 m / 0.2 m, so no two samples share an x), 8 m/s wind from 190°, 250 m downwind, stability C',
    generator: {
      flights: [
        {
          seed: 1701, latitude: 31.2, longitude: 121.5, windDirection: 190, windSpeed: 8, distance: 250, stability: 'C', transects: 8,
          positionNoiseStd: 0.3, heightNoiseStd: 0.2,
        },
      ],
    },
    config: template(),
  },
  {
    name: 'semivariogram-filter-zero',
    description: 'semivariogram_filter: 0 (falsy in Python, so the reference does not filter); wind from 10°, 900 rows',
    generator: { flights: [{ seed: 1801, latitude: -23.55, longitude: -46.63, windDirection: 10, transects: 9, rows: 900 }] },
    config: templateNoGround((c) => {
      c.semivariogram_settings.semivariogram_filter = 0;
    }),
  },
  {
    name: 'semivariogram-filter-positive',
    description: 'semivariogram_filter: 1e-6 kg/m²/h: the variogram (not the kriging) uses only rows above it; wind from 350°',
    generator: { flights: [{ seed: 1901, latitude: 64.15, longitude: -21.94, windDirection: 350, transects: 10 }] },
    config: templateNoGround((c) => {
      c.semivariogram_settings.semivariogram_filter = 0.000001;
    }),
  },
  {
    name: 'spiral-melbourne',
    description: 'Spiral strategy: six stacked circles of 150 m radius round the source near Melbourne (UTM 55S), wind from 20°',
    generator: {
      flights: [{ pattern: 'spiral', seed: 2001, latitude: -37.8, longitude: 144.9, windDirection: 20, transects: 6, distance: 150 }],
    },
    config: templateNoGround((c) => {
      c.strategies.spatial = 'spiral';
    }),
  },
];
