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

export function processFlight(flight: Flight, config: GasfluxConfig, options: ProcessOptions = {}): GasfluxResult {
  const physics = config.physics;
  const gases = flight.gases;
  const tracker =
    options.tracker ?? new ProgressTracker(pipelineSteps(gases.length) + (options.extraSteps ?? 0), options.onProgress);
  const warnings: GasfluxWarning[] = [...flight.warnings];
  const col = (name: string) => flight.numeric[name];
  // Counts of samples the reference states at 1 Hz; corrected physics takes them as seconds at the logging rate.
  const { sampling } = flight;
  const atRate = (samples: number) => (sampling.windowsConverted ? samplesAtRate(samples, sampling.rateHz) : samples);

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

  const baselines = gases.map((gas) => {
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
  let transectSwitchLag: number | null = null;
  if (spatial === 'curtain') {
    transectSwitchLag = atRate(SWITCH_LAG);
    transectNumbers = stationary
      ? numberTransectsSkipping(course.courseAzimuth, stationary, transectSwitchLag)
      : numberTransects(course.courseAzimuth, transectSwitchLag);
    const run = largestMonotonicRun(transectNumbers, col('height_ato'), transectSwitchLag, stationary);
    requireSeveralHeights(run);
    transectRange = [run.start, run.end];
    kept = new Uint8Array(flight.rowCount);
    for (let i = 0; i < flight.rowCount; i++) {
      kept[i] = !stationary?.[i] && transectNumbers[i] >= run.start && transectNumbers[i] <= run.end ? 1 : 0;
    }
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
    keptRows = movingRows ?? Int32Array.from({ length: flight.rowCount }, (_, i) => i);
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
    x = circle.x;
    y = circle.deviation;
    windspeed = subset(col('windspeed'), keptRows);
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

  const detections = fluxes.map(({ baseline }) => detectPlume(baseline.normalised, baseline.signal, kept, sampling.rateHz));
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
      warnings.push({
        code: 'NO_BACKGROUND_STD',
        gas,
        message: `Gas '${gas}': fewer than two background rows, so its background std is undefined (and whether its plume stands out of the noise was not checked)`,
      });
    }
    const detection = detections[g];
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
    sampling: { ...sampling, transectSwitchLag, windRollingMean: atRate(WIND_ROLLING_SAMPLES) },
    utmZone,
    easting,
    northing,
    course,
    transectNumbers,
    kept,
    keptRows,
    transectRange,
    planeAngle,
    hovers: hovers.map((h) => ({
      ...h,
      fileRows: [flight.fileRows[h.start], flight.fileRows[h.end]],
      durationS: (h.end - h.start + 1) / sampling.rateHz,
      excluded: stationary !== undefined,
    })),
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
