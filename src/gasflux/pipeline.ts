/**
 * The mass-balance pipeline over a validated flight: UTM → course → background per gas → curtain (or spiral)
 * projection and point flux → directional variogram, kriging and Simpson integration per gas → statistics.
 * Pure and deterministic: arrays in, numbers out.
 */
import type { GasfluxConfig, PhysicsMode } from './config/types.js';
import { molarMass } from './config/molar-masses.js';
import { GasfluxError, type GasfluxWarning } from './errors.js';
import type { Flight } from './table.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { projectToUtm, utmZoneForBounds, type UtmZone } from './stages/utm.js';
import { computeCourse } from './stages/course.js';
import { fastchrom } from './stages/fastchrom.js';
import { largestMonotonicRun, numberTransects } from './stages/transects.js';
import { normalWind, projectOntoCurtain } from './stages/curtain.js';
import { projectOntoCircle } from './stages/spiral.js';
import { gasDensity, mean, molarVolume, pointFlux } from './stages/flux.js';
import { experimentalVariograms, fitVariogram, type ExperimentalVariogram, type FittedVariogram } from './stages/variogram.js';
import { buildGrid, cutGround, groundProfile, type GroundProfile, type KrigingGrid } from './stages/kriging-grid.js';
import { krigeGrid, nearestNeighbours, uniquePoints } from './stages/ordinary-kriging.js';
import { integrateGrid } from './stages/simpson.js';
import { circularStd, sampleStd } from './stages/statistics.js';

export interface GasResult {
  gas: string;
  molarMass: number;
  /** Density of the pure gas at the flight's mean T and P (per the physics mode), kg/m³. */
  density: number;
  /** Emission rate, kg/h. */
  volume: number;
  volumepos: number;
  volumeneg: number;
  /** Integral of the kriging variance field; not a kg/h uncertainty. */
  volumeError: number;
  signalPoints: number;
  backgroundPoints: number;
  /** Sample std of the normalised concentration over the kept background rows, ppm; null with < 2 such rows. */
  backgroundStd: number | null;
  /** Every input row. */
  fit: Float64Array;
  normalised: Float64Array;
  signal: Uint8Array;
  /** Kept rows. */
  kgM3: Float64Array;
  kgHM2: Float64Array;
  variogram: Omit<FittedVariogram, 'gamma'>;
  field: Float64Array;
  variance: Float64Array;
  nanNodes: number;
  insufficientNeighbourNodes: number;
  groundMaskedNodes: number;
}

export interface GasfluxResult {
  physics: PhysicsMode;
  spatial: 'curtain' | 'spiral';
  config: GasfluxConfig;
  rowCount: number;
  utmZone: UtmZone;
  /** Every input row. */
  easting: Float64Array;
  northing: Float64Array;
  course: ReturnType<typeof computeCourse>;
  transectNumbers: Int32Array | null;
  /** 1 = kept by the curtain (or spiral) step. */
  kept: Uint8Array;
  keptRows: Int32Array;
  transectRange: [number, number] | null;
  planeAngle: number | null;
  /** Kept rows. */
  projection: {
    x: Float64Array;
    y: Float64Array;
    distanceFromFit: Float64Array | null;
    winddirRel: Float64Array | null;
    windspeedMeasured: Float64Array;
    windspeed: Float64Array;
    groundElevation: Float64Array | null;
  };
  meanTemperature: number;
  meanPressure: number;
  grid: KrigingGrid;
  ground: GroundProfile | null;
  gases: GasResult[];
  windspeedStd: number;
  winddirStd: number;
  warnings: GasfluxWarning[];
}

export interface ProcessOptions {
  onProgress?: ProgressListener;
  /** Steps the caller will add after processing (reports, files), so progress totals stay honest. */
  extraSteps?: number;
  tracker?: ProgressTracker;
}

/** Steps processFlight reports: course, background per gas, spatial, variogram, kriging, statistics. */
export function pipelineSteps(gasCount: number): number {
  return 5 + gasCount;
}

/** Indices where `keep` says yes. */
function rowsWhere(count: number, keep: (i: number) => boolean): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < count; i++) if (keep(i)) rows.push(i);
  return Int32Array.from(rows);
}

function subset(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]];
  return out;
}

/**
 * One fitted variogram per gas. Without a semivariogram_filter every gas shares one pair search; with it, each gas
 * keeps only its own rows above the filter.
 */
function fitVariograms(
  x: Float64Array,
  height: Float64Array,
  gases: { gas: string; values: Float64Array }[],
  config: GasfluxConfig,
  tracker: ProgressTracker,
): FittedVariogram[] {
  const settings = config.semivariogram_settings;
  const filter = settings.semivariogram_filter;
  let experimental: ExperimentalVariogram[];
  tracker.begin('variogram');
  if (typeof filter === 'number') {
    experimental = gases.map(({ values }) => {
      const rows = rowsWhere(values.length, (k) => values[k] > filter);
      return experimentalVariograms(subset(x, rows), subset(height, rows), [subset(values, rows)], settings)[0];
    });
  } else {
    experimental = experimentalVariograms(x, height, gases.map((g) => g.values), settings);
  }
  const fitted = experimental.map((e, g) => fitVariogram(e, settings.model, gases[g].gas));
  tracker.end();
  return fitted;
}

export function processFlight(flight: Flight, config: GasfluxConfig, options: ProcessOptions = {}): GasfluxResult {
  const physics = config.physics;
  const gases = flight.gases;
  const tracker =
    options.tracker ?? new ProgressTracker(pipelineSteps(gases.length) + (options.extraSteps ?? 0), options.onProgress);
  const warnings: GasfluxWarning[] = [...flight.warnings];
  const col = (name: string) => flight.numeric[name];

  tracker.begin('course');
  const utmZone = utmZoneForBounds(col('latitude'), col('longitude'));
  const { easting, northing } = projectToUtm(col('latitude'), col('longitude'), utmZone);
  const course = computeCourse(easting, northing, col('height_ato'));
  tracker.end();

  const baselines = gases.map((gas) => {
    tracker.begin('background', gas);
    const result = fastchrom(col(gas), config.algorithmic_baseline_settings.fastchrom ?? {});
    const normalised = new Float64Array(flight.rowCount);
    const signal = new Uint8Array(flight.rowCount);
    for (let i = 0; i < flight.rowCount; i++) {
      normalised[i] = col(gas)[i] - result.baseline[i];
      signal[i] = result.background[i] ? 0 : 1;
    }
    tracker.end();
    return { gas, fit: result.baseline, normalised, signal };
  });

  const spatial = config.strategies.spatial;
  tracker.begin(spatial);
  let kept = new Uint8Array(flight.rowCount).fill(1);
  let transectNumbers: Int32Array | null = null;
  let transectRange: [number, number] | null = null;
  let planeAngle: number | null = null;
  let keptRows: Int32Array;
  let x: Float64Array;
  let y: Float64Array;
  let distanceFromFit: Float64Array | null = null;
  let winddirRel: Float64Array | null = null;
  let windspeed: Float64Array;
  if (spatial === 'curtain') {
    transectNumbers = numberTransects(course.courseAzimuth);
    const run = largestMonotonicRun(transectNumbers, col('height_ato'));
    transectRange = [run.start, run.end];
    kept = new Uint8Array(flight.rowCount);
    for (let i = 0; i < flight.rowCount; i++) kept[i] = transectNumbers[i] >= run.start && transectNumbers[i] <= run.end ? 1 : 0;
    keptRows = rowsWhere(flight.rowCount, (i) => kept[i] === 1);
    const projection = projectOntoCurtain(subset(easting, keptRows), subset(northing, keptRows));
    planeAngle = projection.planeAngle;
    x = projection.x;
    y = projection.y;
    distanceFromFit = projection.distanceFromFit;
    const wind = normalWind(subset(col('windspeed'), keptRows), subset(col('winddir'), keptRows), planeAngle);
    winddirRel = wind.winddirRel;
    windspeed = wind.windspeedNormal;
  } else {
    keptRows = Int32Array.from({ length: flight.rowCount }, (_, i) => i);
    const reference = baselines.find((b) => b.gas === 'ch4') ?? baselines[0];
    if (reference.gas !== 'ch4') {
      warnings.push({
        code: 'SPIRAL_REFERENCE_GAS',
        message: `The spiral's zero azimuth is taken from the strongest '${reference.gas}' enhancement (there is no ch4 column)`,
      });
    }
    const circle = projectOntoCircle(easting, northing, reference.normalised);
    x = circle.x;
    y = circle.deviation;
    windspeed = Float64Array.from(col('windspeed'));
  }
  const windspeedMeasured = subset(col('windspeed'), keptRows);
  const height = subset(col('height_ato'), keptRows);
  const heightAgl = flight.numeric.height_agl ? subset(flight.numeric.height_agl, keptRows) : null;
  tracker.end();

  const meanTemperature = mean(subset(col('temperature'), keptRows));
  const meanPressure = mean(subset(col('pressure'), keptRows));
  const volumeM3 = molarVolume(meanTemperature, meanPressure, physics);

  const kriging = config.ordinary_kriging_settings;
  const cutsGround = kriging.cut_ground === true && heightAgl !== null;
  const grid = buildGrid(x, height, cutsGround ? heightAgl : null, kriging, physics);
  const ground = cutsGround ? groundProfile(x, height, heightAgl!) : null;
  let groundElevation: Float64Array | null = null;
  if (ground) groundElevation = Float64Array.from(x, (v) => ground.at(v));

  const unique = uniquePoints(x, height);
  const px = subset(x, unique);
  const py = subset(height, unique);
  const neighbours = nearestNeighbours(px, py, grid, kriging.max_points);
  let xMaxData = -Infinity;
  let yMaxData = -Infinity;
  for (let k = 0; k < x.length; k++) {
    xMaxData = Math.max(xMaxData, x[k]);
    yMaxData = Math.max(yMaxData, height[k]);
  }

  const fluxes = baselines.map((baseline) => {
    const { gas } = baseline;
    const mass = molarMass(gas, config);
    if (mass === undefined) {
      throw new GasfluxError('UNKNOWN_GAS', 'flux', `Gas '${gas}' has no known molar mass; add it under molar_masses`, { column: gas });
    }
    const density = gasDensity(mass, volumeM3);
    const normalisedKept = subset(baseline.normalised, keptRows);
    return { baseline, mass, density, normalisedKept, ...pointFlux(normalisedKept, windspeed, density) };
  });

  const variograms = fitVariograms(x, height, fluxes.map((f) => ({ gas: f.baseline.gas, values: f.kgHM2 })), config, tracker);

  tracker.begin('kriging');
  const kriged = krigeGrid(
    px,
    py,
    grid,
    neighbours,
    fluxes.map(({ baseline, kgHM2 }, g) => ({
      gas: baseline.gas,
      values: subset(kgHM2, unique),
      gamma: variograms[g].gamma,
      range: variograms[g].effectiveRange,
    })),
    kriging.min_points,
    (done, total) => tracker.advance(done / total),
  );
  tracker.end();

  const gasResults: GasResult[] = fluxes.map(({ baseline, mass, density, normalisedKept, kgM3, kgHM2 }, g) => {
    const { gas } = baseline;
    const variogram = variograms[g];
    const krig = kriged[g];
    const groundMaskedNodes = ground ? cutGround(krig.field, grid, ground, xMaxData, yMaxData) : 0;
    const integrate = (field: Float64Array, transform?: (v: number) => number) =>
      integrateGrid(field, grid.nx, grid.ny, grid.xCellSize, grid.yCellSize, transform);
    const volume = integrate(krig.field);
    const volumepos = integrate(krig.field, (v) => (v < 0 ? 0 : v));
    const volumeneg = integrate(krig.field, (v) => (v > 0 ? 0 : v));
    const volumeError = integrate(krig.variance);

    if (krig.insufficientNodes > 0) {
      warnings.push({
        code: 'INSUFFICIENT_NEIGHBOURS',
        gas,
        count: krig.insufficientNodes,
        message: `Gas '${gas}': ${krig.insufficientNodes} of ${grid.nx * grid.ny} grid nodes have fewer than ${kriging.min_points} data points within the variogram range (${variogram.effectiveRange.toPrecision(4)} m) and count as 0 in the integral`,
      });
    }
    let nanNodes = 0;
    for (const v of krig.field) if (Number.isNaN(v)) nanNodes += 1;
    let signalPoints = 0;
    for (const s of baseline.signal) signalPoints += s;
    const backgroundValues: number[] = [];
    for (let k = 0; k < keptRows.length; k++) if (!baseline.signal[keptRows[k]]) backgroundValues.push(normalisedKept[k]);
    const backgroundStd = sampleStd(backgroundValues);
    if (Number.isNaN(backgroundStd)) {
      warnings.push({ code: 'NO_BACKGROUND_STD', gas, message: `Gas '${gas}': fewer than two background rows, so its background std is undefined` });
    }
    const { gamma: _gamma, ...variogramData } = variogram;
    return {
      gas,
      molarMass: mass,
      density,
      volume,
      volumepos,
      volumeneg,
      volumeError,
      signalPoints,
      backgroundPoints: flight.rowCount - signalPoints,
      backgroundStd: Number.isNaN(backgroundStd) ? null : backgroundStd,
      fit: baseline.fit,
      normalised: baseline.normalised,
      signal: baseline.signal,
      kgM3,
      kgHM2,
      variogram: variogramData,
      field: krig.field,
      variance: krig.variance,
      nanNodes,
      insufficientNeighbourNodes: krig.insufficientNodes,
      groundMaskedNodes,
    };
  });

  tracker.begin('statistics');
  const windspeedStd = sampleStd(windspeed);
  const winddirStd = circularStd(subset(col('winddir'), keptRows));
  tracker.end();

  return {
    physics,
    spatial,
    config,
    rowCount: flight.rowCount,
    utmZone,
    easting,
    northing,
    course,
    transectNumbers,
    kept,
    keptRows,
    transectRange,
    planeAngle,
    projection: { x, y, distanceFromFit, winddirRel, windspeedMeasured, windspeed, groundElevation },
    meanTemperature,
    meanPressure,
    grid,
    ground,
    gases: gasResults,
    windspeedStd,
    winddirStd,
    warnings,
  };
}
