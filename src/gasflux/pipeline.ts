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
import {
  largestMonotonicRun,
  numberTransects,
  numberTransectsSkipping,
  requireSeveralHeights,
  requireSpiralHeights,
  SWITCH_LAG,
} from './stages/transects.js';
import { findHoverSegments, holdOverRows, hoverWarning, spreadOverRows, type HoverSegment } from './stages/hover.js';
import { detectPlume, DETECTION_SIGMA, type PlumeDetection } from './stages/detection.js';
import { normalWind, projectOntoCurtain } from './stages/curtain.js';
import { projectOntoCircle } from './stages/spiral.js';
import { gasDensity, mean, molarVolume, pointFlux } from './stages/flux.js';
import { experimentalVariograms, fitVariogram, type ExperimentalVariogram, type FittedVariogram } from './stages/variogram.js';
import { buildGrid, cutGround, groundProfile, type GroundProfile, type KrigingGrid } from './stages/kriging-grid.js';
import { krigeGrid, nearestNeighbours, uniquePoints } from './stages/ordinary-kriging.js';
import { integrateGrid } from './stages/simpson.js';
import { circularStd, sampleStd } from './stages/statistics.js';
import { samplesAtRate, WIND_ROLLING_SAMPLES } from './config/sample-windows.js';
import type { FlightSampling } from './input/sample-rate.js';
import { MIN_ROWS } from './input/validate-flight.js';

/** fastchrom's windows as run, in samples. */
export interface BackgroundWindows {
  halfWindow: number;
  minFwhm: number;
  interpHalfWindow: number;
  smoothHalfWindow: number;
  minLength: number;
}

/** The flight's logging rate and the windows counted in samples that ran with it. */
export interface SamplingResult extends FlightSampling {
  /** Heading lag (samples) of the transect detector; null for the spiral strategy. */
  transectSwitchLag: number | null;
  /** Rows in the wind figure's rolling means. */
  windRollingMean: number;
}

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
  /** Whether the plume stands out of the noise (stages/detection.ts); the flux summary reports no rate without. */
  detection: PlumeDetection;
  /** The background windows used, in samples. */
  backgroundWindows: BackgroundWindows;
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
  sampling: SamplingResult;
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
  /**
   * Stretches where the drone stays put (stages/hover.ts), with their file rows and duration; `excluded`: corrected
   * physics left their rows after the first out of the transect detection and the curtain.
   */
  hovers: (HoverSegment & { fileRows: [number, number]; durationS: number; excluded: boolean })[];
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
 * keeps only its own rows above the filter. A gas whose plume was not detected (`undetected`) may fit a flat
 * (noise) variogram without failing the run, as every gas may in gasflux-0.2.2 physics.
 */
function fitVariograms(
  x: Float64Array,
  height: Float64Array,
  gases: { gas: string; values: Float64Array; undetected?: boolean }[],
  config: GasfluxConfig,
  tracker: ProgressTracker,
): FittedVariogram[] {
  const settings = config.semivariogram_settings;
  const filter = settings.semivariogram_filter;
  const parity = config.physics === 'gasflux-0.2.2';
  let experimental: ExperimentalVariogram[];
  tracker.begin('variogram');
  // gasflux 0.2.2 tests the filter for truthiness, so there `semivariogram_filter: 0` filters nothing.
  if (typeof filter === 'number' && !(parity && filter === 0)) {
    experimental = gases.map(({ values }) => {
      const rows = rowsWhere(values.length, (k) => values[k] > filter);
      return experimentalVariograms(subset(x, rows), subset(height, rows), [subset(values, rows)], settings)[0];
    });
  } else {
    experimental = experimentalVariograms(x, height, gases.map((g) => g.values), settings);
  }
  const fitted = experimental.map((e, g) =>
    fitVariogram(e, settings.model, gases[g].gas, { acceptNonPositive: parity || gases[g].undetected === true }),
  );
  tracker.end();
  return fitted;
}

const ppm = (v: number) => `${Number(v.toPrecision(3))} ppm`;

function notDetectedWarning(gas: string, d: PlumeDetection, volume: number): GasfluxWarning {
  const threshold = `${DETECTION_SIGMA} × the background std (${DETECTION_SIGMA} × ${ppm(d.backgroundStd!)} = ${ppm(d.threshold!)})`;
  const above =
    d.longestRun === 0
      ? `never exceeds ${threshold}`
      : `exceeds ${threshold} on at most ${d.longestRun} consecutive curtain row${d.longestRun === 1 ? '' : 's'}`;
  return {
    code: 'PLUME_NOT_DETECTED',
    gas,
    message:
      `Gas '${gas}': no plume detected above the sensor noise. The enhancement ${above}, and a plume needs ${d.requiredRun}; ` +
      `its peak is ${ppm(d.peakEnhancement)}${d.backgroundStd! > 0 ? ` (${(d.peakEnhancement / d.backgroundStd!).toFixed(1)} × the background std)` : ''}. ` +
      `The flux summary reports the gas as not detected; the integral of the noise, ${Number(volume.toPrecision(3))} kg/h, ` +
      `is only in the output variables (krig_parameters.${gas}.volume)`,
  };
}

/** What every step of one run reads: the flight, its config, and where progress and warnings go. */
interface Run {
  flight: Flight;
  config: GasfluxConfig;
  physics: PhysicsMode;
  tracker: ProgressTracker;
  warnings: GasfluxWarning[];
  col: (name: string) => Float64Array;
  /** Counts of samples the reference states at 1 Hz; corrected physics takes them as seconds at the logging rate. */
  atRate: (samples: number) => number;
}

interface Motion {
  utmZone: UtmZone;
  easting: Float64Array;
  northing: Float64Array;
  course: ReturnType<typeof computeCourse>;
  hovers: HoverSegment[];
  /** 1 on the rows of a hover after its first, which corrected physics leaves out; undefined when it leaves none out. */
  stationary: Uint8Array | undefined;
  /** The rows not left out; null when none are. */
  movingRows: Int32Array | null;
}

interface Baseline {
  gas: string;
  fit: Float64Array;
  normalised: Float64Array;
  signal: Uint8Array;
  windows: BackgroundWindows;
}

/** The rows the curtain (or spiral) keeps, in its plane. */
interface Plane {
  kept: Uint8Array;
  keptRows: Int32Array;
  transectNumbers: Int32Array | null;
  transectRange: [number, number] | null;
  planeAngle: number | null;
  transectSwitchLag: number | null;
  x: Float64Array;
  y: Float64Array;
  distanceFromFit: Float64Array | null;
  winddirRel: Float64Array | null;
  windspeed: Float64Array;
}

/** A plane's kept rows with what the steps after it read of them. */
interface KeptRows extends Plane {
  windspeedMeasured: Float64Array;
  height: Float64Array;
  heightAgl: Float64Array | null;
}

interface GridLayout {
  grid: KrigingGrid;
  ground: GroundProfile | null;
  groundElevation: Float64Array | null;
  /** The distinct data points the kriging uses, and their neighbours per node. */
  unique: Int32Array;
  px: Float64Array;
  py: Float64Array;
  neighbours: ReturnType<typeof nearestNeighbours>;
  xMaxData: number;
  yMaxData: number;
}

interface GasFlux extends ReturnType<typeof pointFlux> {
  baseline: Baseline;
  mass: number;
  density: number;
  normalisedKept: Float64Array;
}

export function processFlight(flight: Flight, config: GasfluxConfig, options: ProcessOptions = {}): GasfluxResult {
  const run = startRun(flight, config, options);
  const motion = followCourse(run);
  const baselines = fitBackgrounds(run, motion);
  const rows = projectFlight(run, motion, baselines);
  const meanTemperature = mean(subset(run.col('temperature'), rows.keptRows));
  const meanPressure = mean(subset(run.col('pressure'), rows.keptRows));
  const layout = layOutGrid(run, rows);
  const fluxes = pointFluxes(run, baselines, rows, molarVolume(meanTemperature, meanPressure, run.physics));
  const detections = fluxes.map(({ baseline }) => detectPlume(baseline.normalised, baseline.signal, rows.kept, flight.sampling.rateHz));
  const variograms = fitGasVariograms(run, rows, fluxes, detections);
  const kriged = krige(run, layout, fluxes, variograms);
  const gases = fluxes.map((flux, g) => integrateGas(run, rows, layout, flux, variograms[g], kriged[g], detections[g]));
  const wind = windStatistics(run, rows);
  return {
    physics: run.physics,
    spatial: config.strategies.spatial,
    config,
    rowCount: flight.rowCount,
    sampling: { ...flight.sampling, transectSwitchLag: rows.transectSwitchLag, windRollingMean: run.atRate(WIND_ROLLING_SAMPLES) },
    utmZone: motion.utmZone,
    easting: motion.easting,
    northing: motion.northing,
    course: motion.course,
    transectNumbers: rows.transectNumbers,
    kept: rows.kept,
    keptRows: rows.keptRows,
    transectRange: rows.transectRange,
    planeAngle: rows.planeAngle,
    hovers: motion.hovers.map((h) => ({
      ...h,
      fileRows: [flight.fileRows[h.start], flight.fileRows[h.end]],
      durationS: (h.end - h.start + 1) / flight.sampling.rateHz,
      excluded: motion.stationary !== undefined,
    })),
    projection: {
      x: rows.x,
      y: rows.y,
      distanceFromFit: rows.distanceFromFit,
      winddirRel: rows.winddirRel,
      windspeedMeasured: rows.windspeedMeasured,
      windspeed: rows.windspeed,
      groundElevation: layout.groundElevation,
    },
    meanTemperature,
    meanPressure,
    grid: layout.grid,
    ground: layout.ground,
    gases,
    ...wind,
    warnings: run.warnings,
  };
}

function startRun(flight: Flight, config: GasfluxConfig, options: ProcessOptions): Run {
  const tracker =
    options.tracker ?? new ProgressTracker(pipelineSteps(flight.gases.length) + (options.extraSteps ?? 0), options.onProgress);
  const { sampling } = flight;
  return {
    flight,
    config,
    physics: config.physics,
    tracker,
    warnings: [...flight.warnings],
    col: (name) => flight.numeric[name],
    atRate: (samples) => (sampling.windowsConverted ? samplesAtRate(samples, sampling.rateHz) : samples),
  };
}

/** UTM positions, course, and where the drone hovers. */
function followCourse({ flight, physics, tracker, warnings, col }: Run): Motion {
  const { sampling } = flight;
  tracker.begin('course');
  const utmZone = utmZoneForBounds(col('latitude'), col('longitude'));
  const { easting, northing } = projectToUtm(col('latitude'), col('longitude'), utmZone);
  const course = computeCourse(easting, northing, col('height_ato'));
  // Hover segments are a warning in both modes. Corrected physics also leaves their rows after the arrival out of
  // the background fit (a hover inside the plume is a long flat stretch that fastchrom takes for background), the
  // transect detection and the curtain (or spiral); gasflux-0.2.2 physics keeps them, as gasflux does.
  const hovers = findHoverSegments(easting, northing, sampling.rateHz);
  const stationary = physics === 'corrected' && hovers.length > 0 ? new Uint8Array(flight.rowCount) : undefined;
  if (stationary) for (const h of hovers) stationary.fill(1, h.start + 1, h.end + 1);
  const movingRows = stationary ? rowsWhere(flight.rowCount, (i) => !stationary[i]) : null;
  if (movingRows && movingRows.length < MIN_ROWS) {
    throw new GasfluxError(
      'TOO_FEW_ROWS',
      'background',
      `The drone hovers for all but ${movingRows.length} of the ${flight.rowCount} rows; at least ${MIN_ROWS} rows of flying are needed for the background fit`,
    );
  }
  const hovering = hoverWarning(hovers, { fileRows: flight.fileRows, timestamps: flight.timestamps, height: col('height_ato'), rateHz: sampling.rateHz }, stationary !== undefined);
  if (hovering) warnings.push(hovering);
  tracker.end();
  return { utmZone, easting, northing, course, hovers, stationary, movingRows };
}

/** fastchrom's background per gas, and each row's enhancement over it. */
function fitBackgrounds({ flight, config, tracker, col }: Run, { movingRows }: Motion): Baseline[] {
  return flight.gases.map((gas) => {
    tracker.begin('background', gas);
    const settings = config.algorithmic_baseline_settings.fastchrom ?? {};
    let result = fastchrom(movingRows ? subset(col(gas), movingRows) : col(gas), settings);
    // Hover rows (not on the curtain) take the baseline interpolated across the hover and the flag of its arrival.
    if (movingRows) {
      result = {
        ...result,
        baseline: spreadOverRows(result.baseline, movingRows, flight.rowCount),
        background: holdOverRows(result.background, movingRows, flight.rowCount),
      };
    }
    const normalised = new Float64Array(flight.rowCount);
    const signal = new Uint8Array(flight.rowCount);
    for (let i = 0; i < flight.rowCount; i++) {
      normalised[i] = col(gas)[i] - result.baseline[i];
      signal[i] = result.background[i] ? 0 : 1;
    }
    tracker.end();
    const windows: BackgroundWindows = {
      halfWindow: result.halfWindow,
      minFwhm: result.minFwhm,
      interpHalfWindow: result.interpHalfWindow,
      smoothHalfWindow: result.smoothHalfWindow,
      minLength: result.minLength,
    };
    return { gas, fit: result.baseline, normalised, signal, windows };
  });
}

/** The curtain (or spiral) step: which rows are kept, and where they lie in its plane. */
function projectFlight(run: Run, motion: Motion, baselines: Baseline[]): KeptRows {
  const spatial = run.config.strategies.spatial;
  run.tracker.begin(spatial);
  const plane = spatial === 'curtain' ? curtainPlane(run, motion) : spiralPlane(run, motion, baselines);
  const { col, flight } = run;
  const rows: KeptRows = {
    ...plane,
    windspeedMeasured: subset(col('windspeed'), plane.keptRows),
    height: subset(col('height_ato'), plane.keptRows),
    heightAgl: flight.numeric.height_agl ? subset(flight.numeric.height_agl, plane.keptRows) : null,
  };
  run.tracker.end();
  return rows;
}

/** The longest steady run of transects, fitted with a line; the wind normal to it. */
function curtainPlane({ flight, col, atRate }: Run, { course, stationary, easting, northing }: Motion): Plane {
  const transectSwitchLag = atRate(SWITCH_LAG);
  const transectNumbers = stationary
    ? numberTransectsSkipping(course.courseAzimuth, stationary, transectSwitchLag)
    : numberTransects(course.courseAzimuth, transectSwitchLag);
  const steady = largestMonotonicRun(transectNumbers, col('height_ato'), transectSwitchLag, stationary);
  requireSeveralHeights(steady);
  const kept = new Uint8Array(flight.rowCount);
  for (let i = 0; i < flight.rowCount; i++) {
    kept[i] = !stationary?.[i] && transectNumbers[i] >= steady.start && transectNumbers[i] <= steady.end ? 1 : 0;
  }
  const keptRows = rowsWhere(flight.rowCount, (i) => kept[i] === 1);
  const projection = projectOntoCurtain(subset(easting, keptRows), subset(northing, keptRows));
  const wind = normalWind(subset(col('windspeed'), keptRows), subset(col('winddir'), keptRows), projection.planeAngle);
  return {
    kept,
    keptRows,
    transectNumbers,
    transectRange: [steady.start, steady.end],
    planeAngle: projection.planeAngle,
    transectSwitchLag,
    x: projection.x,
    y: projection.y,
    distanceFromFit: projection.distanceFromFit,
    winddirRel: wind.winddirRel,
    windspeed: wind.windspeedNormal,
  };
}

/** Every moving row on a fitted circle, its zero azimuth at the strongest enhancement (ch4 where there is one). */
function spiralPlane({ flight, col, warnings }: Run, { stationary, movingRows, easting, northing }: Motion, baselines: Baseline[]): Plane {
  const kept = new Uint8Array(flight.rowCount).fill(1);
  const keptRows = movingRows ?? Int32Array.from({ length: flight.rowCount }, (_, i) => i);
  if (stationary) for (let i = 0; i < flight.rowCount; i++) kept[i] = stationary[i] ? 0 : 1;
  requireSpiralHeights(subset(col('height_ato'), keptRows));
  const reference = baselines.find((b) => b.gas === 'ch4') ?? baselines[0];
  if (reference.gas !== 'ch4') {
    warnings.push({
      code: 'SPIRAL_REFERENCE_GAS',
      message: `The spiral's zero azimuth is taken from the strongest '${reference.gas}' enhancement (there is no ch4 column)`,
    });
  }
  const circle = stationary
    ? projectOntoCircle(subset(easting, keptRows), subset(northing, keptRows), subset(reference.normalised, keptRows))
    : projectOntoCircle(easting, northing, reference.normalised);
  return {
    kept,
    keptRows,
    transectNumbers: null,
    transectRange: null,
    planeAngle: null,
    transectSwitchLag: null,
    x: circle.x,
    y: circle.deviation,
    distanceFromFit: null,
    winddirRel: null,
    windspeed: subset(col('windspeed'), keptRows),
  };
}

/** The kriging grid over the kept rows (cut at the ground where height_agl says where it is), and the data points' neighbours. */
function layOutGrid({ config, physics }: Run, { x, height, heightAgl }: KeptRows): GridLayout {
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
  return { grid, ground, groundElevation, unique, px, py, neighbours, xMaxData, yMaxData };
}

/** Each gas's density at the flight's air, and the flux through each kept row. */
function pointFluxes({ config }: Run, baselines: Baseline[], { keptRows, windspeed }: KeptRows, volumeM3: number): GasFlux[] {
  return baselines.map((baseline) => {
    const { gas } = baseline;
    const mass = molarMass(gas, config);
    if (mass === undefined) {
      throw new GasfluxError('UNKNOWN_GAS', 'flux', `Gas '${gas}' has no known molar mass; add it under molar_masses`, { column: gas });
    }
    const density = gasDensity(mass, volumeM3);
    const normalisedKept = subset(baseline.normalised, keptRows);
    return { baseline, mass, density, normalisedKept, ...pointFlux(normalisedKept, windspeed, density) };
  });
}

/** One variogram per gas; a fit without spatial structure is a warning. */
function fitGasVariograms({ config, tracker, warnings }: Run, { x, height }: KeptRows, fluxes: GasFlux[], detections: PlumeDetection[]): FittedVariogram[] {
  const variograms = fitVariograms(
    x,
    height,
    fluxes.map((f, g) => ({ gas: f.baseline.gas, values: f.kgHM2, undetected: !detections[g].detected })),
    config,
    tracker,
  );
  variograms.forEach((v, g) => {
    if (v.effectiveRange > 0 && v.sill > 0) return;
    warnings.push({
      code: 'VARIOGRAM_NOT_POSITIVE',
      gas: fluxes[g].baseline.gas,
      message:
        `Gas '${fluxes[g].baseline.gas}': the ${v.model} variogram fit gave range ${v.effectiveRange.toPrecision(4)} m and sill ${v.sill.toPrecision(4)}; ` +
        'as in gasflux 0.2.2, the grid nodes that lack neighbours within that range count as 0 in the integral (the point fluxes show no spatial structure at the sampled lags)',
    });
  });
  return variograms;
}

function krige({ config, tracker }: Run, layout: GridLayout, fluxes: GasFlux[], variograms: FittedVariogram[]) {
  tracker.begin('kriging');
  const kriged = krigeGrid(
    layout.px,
    layout.py,
    layout.grid,
    layout.neighbours,
    fluxes.map(({ baseline, kgHM2 }, g) => ({
      gas: baseline.gas,
      values: subset(kgHM2, layout.unique),
      gamma: variograms[g].gamma,
      range: variograms[g].effectiveRange,
    })),
    config.ordinary_kriging_settings.min_points,
    (done, total) => tracker.advance(done / total),
  );
  tracker.end();
  return kriged;
}

/** One gas's kriged field, cut at the ground and integrated, with its statistics and warnings. */
function integrateGas(
  { flight, config, warnings }: Run,
  { keptRows }: KeptRows,
  { grid, ground, xMaxData, yMaxData }: GridLayout,
  { baseline, mass, density, normalisedKept, kgM3, kgHM2 }: GasFlux,
  variogram: FittedVariogram,
  krig: ReturnType<typeof krigeGrid>[number],
  detection: PlumeDetection,
): GasResult {
  const { gas } = baseline;
  const kriging = config.ordinary_kriging_settings;
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
    warnings.push({
      code: 'NO_BACKGROUND_STD',
      gas,
      message: `Gas '${gas}': fewer than two background rows, so its background std is undefined (and whether its plume stands out of the noise was not checked)`,
    });
  }
  if (!detection.detected) warnings.push(notDetectedWarning(gas, detection, volume));
  const { gamma: _gamma, ...variogramData } = variogram;
  return {
    gas,
    molarMass: mass,
    density,
    volume,
    volumepos,
    volumeneg,
    volumeError,
    backgroundWindows: baseline.windows,
    signalPoints,
    backgroundPoints: flight.rowCount - signalPoints,
    backgroundStd: Number.isNaN(backgroundStd) ? null : backgroundStd,
    detection,
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
}

function windStatistics({ tracker, col }: Run, { windspeed, keptRows }: KeptRows): { windspeedStd: number; winddirStd: number } {
  tracker.begin('statistics');
  const windspeedStd = sampleStd(windspeed);
  const winddirStd = circularStd(subset(col('winddir'), keptRows));
  tracker.end();
  return { windspeedStd, winddirStd };
}
