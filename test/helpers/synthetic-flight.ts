/**
 * Deterministic synthetic drone "curtain" flights for correctness tests of the gasflux pipeline.
 *
 * A continuous point source (emission rate Q per gas, kg/h) at the local origin and stack height H emits into a
 * mean wind U from a meteorological direction. The concentration follows a Gaussian plume with ground reflection,
 *
 *   C(x, y, z) = Q / (2π U σy σz) · exp(−y² / 2σy²) · [exp(−(z−H)² / 2σz²) + exp(−(z+H)² / 2σz²)]   (kg/m³, Q in kg/s)
 *
 * with Briggs (1973) open-country ("rural") or urban σy(x), σz(x) for a Pasquill stability class, x = downwind
 * distance. The mole-fraction enhancement is ppm = C / ρ · 1e6 with the ideal-gas density ρ = (M/1000) / Vm at the
 * flight's nominal temperature and pressure (the physically correct Vm, not gasflux 0.2.2's doubled 273.15).
 *
 * The drone flies a vertical curtain perpendicular to the mean wind at downwind distance D: horizontal transects
 * flown back and forth at increasing (or decreasing) heights, evenly sampled in time, with instantaneous 180° turns
 * at the line ends (the first sample of each new transect is the drone arriving at the line end at the new height;
 * the next step heads back). That is what the pipeline's heading-reversal transect detector expects.
 *
 * With `pattern: 'spiral'` the drone instead flies stacked horizontal circles of radius D centred on the source
 * (one full loop per height, each starting on the upwind side so the plume is crossed mid-loop), for the
 * pipeline's spiral strategy.
 *
 * Everything random comes from seeded mulberry32 streams, one per quantity, so a seed reproduces a table exactly
 * and, e.g., the ch4 noise does not change when co2 is added to the gas list.
 */
import type { CellValue, RawTable } from '../../src/gasflux/table.js';

// ------------------------------------------------------------------------------------------------------------------
// Constants
// ------------------------------------------------------------------------------------------------------------------

/** Molar volume of an ideal gas at 273.15 K and 1013.25 hPa (m³/mol), the constant gasflux uses. */
export const MOLAR_VOLUME_STP = 0.022413969545014;

/** g/mol (spec §4.5.6): the library's table, so generated ppm and computed densities use the same masses. */
import { MOLAR_MASSES } from '../../src/gasflux/config/molar-masses.ts';
export { MOLAR_MASSES };

/** Default emission rates (kg/h). Gases not listed emit nothing unless `emissions` says so. */
export const DEFAULT_EMISSIONS: Readonly<Record<string, number>> = { ch4: 10, co2: 100, c2h6: 0.5 };
/** Default background mole fractions (ppm). */
export const DEFAULT_BACKGROUND: Readonly<Record<string, number>> = { ch4: 1.95, co2: 415, c2h6: 0.002 };
/** Default amplitude (ppm) of the slow background drift: half a sine period over the whole flight, random phase. */
export const DEFAULT_BACKGROUND_DRIFT: Readonly<Record<string, number>> = { ch4: 0.02, co2: 0.1, c2h6: 0.0005 };
/** Default white sensor noise (ppm, one standard deviation per sample). */
export const DEFAULT_NOISE: Readonly<Record<string, number>> = { ch4: 0.002, co2: 0.02, c2h6: 0.0001 };

/** Sampling rates (Hz) the automatic rate choice picks from. */
const NICE_RATES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

const WGS84_A = 6378137;
const WGS84_F = 1 / 298.257223563;
const WGS84_E2 = WGS84_F * (2 - WGS84_F);
const DEG = Math.PI / 180;

// ------------------------------------------------------------------------------------------------------------------
// Seeded randomness
// ------------------------------------------------------------------------------------------------------------------

/** mulberry32: a small, fast 32-bit PRNG. Returns uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random source: uniform [0, 1) and standard normal (Box–Muller) draws. */
export interface Rng {
  uniform(): number;
  normal(): number;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An independent stream for (seed, label): the label is FNV-1a hashed and mixed with the seed. */
export function seededRng(seed: number, label = ''): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const next = mulberry32(fmix32((fmix32(lo ^ 0x9e3779b9) + hi) ^ fmix32(h >>> 0)));
  let spare: number | null = null;
  return {
    uniform: next,
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      const u1 = 1 - next(); // (0, 1]
      const u2 = next();
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    },
  };
}

// ------------------------------------------------------------------------------------------------------------------
// Physics
// ------------------------------------------------------------------------------------------------------------------

export type StabilityClass = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export type Dispersion = 'rural' | 'urban';

/**
 * Briggs (1973) dispersion parameters σy, σz (m) at downwind distance x (m), as tabulated e.g. in Seinfeld & Pandis
 * and Hanna, Briggs & Hosker (1982). Intended for 100 m ≲ x ≲ 10 km. Zero for x ≤ 0.
 */
export function briggsSigmas(
  x: number,
  stability: StabilityClass,
  dispersion: Dispersion = 'rural',
): { sigmaY: number; sigmaZ: number } {
  if (!(x > 0)) return { sigmaY: 0, sigmaZ: 0 };
  if (dispersion === 'rural') {
    const sy = (a: number) => a * x * (1 + 0.0001 * x) ** -0.5;
    switch (stability) {
      case 'A': return { sigmaY: sy(0.22), sigmaZ: 0.2 * x };
      case 'B': return { sigmaY: sy(0.16), sigmaZ: 0.12 * x };
      case 'C': return { sigmaY: sy(0.11), sigmaZ: 0.08 * x * (1 + 0.0002 * x) ** -0.5 };
      case 'D': return { sigmaY: sy(0.08), sigmaZ: 0.06 * x * (1 + 0.0015 * x) ** -0.5 };
      case 'E': return { sigmaY: sy(0.06), sigmaZ: (0.03 * x) / (1 + 0.0003 * x) };
      case 'F': return { sigmaY: sy(0.04), sigmaZ: (0.016 * x) / (1 + 0.0003 * x) };
    }
  } else {
    const sy = (a: number) => a * x * (1 + 0.0004 * x) ** -0.5;
    switch (stability) {
      case 'A':
      case 'B': return { sigmaY: sy(0.32), sigmaZ: 0.24 * x * (1 + 0.001 * x) ** 0.5 };
      case 'C': return { sigmaY: sy(0.22), sigmaZ: 0.2 * x };
      case 'D': return { sigmaY: sy(0.16), sigmaZ: 0.14 * x * (1 + 0.0003 * x) ** -0.5 };
      case 'E':
      case 'F': return { sigmaY: sy(0.11), sigmaZ: 0.08 * x * (1 + 0.0015 * x) ** -0.5 };
    }
  }
  throw new Error(`unknown stability class ${String(stability)}`);
}

/**
 * Gaussian plume with ground reflection, kg/m³. `qKgPerS` in kg/s, `u` in m/s, lengths in m; `z` is the height above
 * ground and `sourceHeight` the stack height. Zero below ground or where σ is zero (upwind).
 */
export function plumeConcentration(
  qKgPerS: number,
  u: number,
  sigmaY: number,
  sigmaZ: number,
  y: number,
  z: number,
  sourceHeight: number,
): number {
  if (z < 0 || !(sigmaY > 0) || !(sigmaZ > 0) || !(u > 0)) return 0;
  const vz = 2 * sigmaZ * sigmaZ;
  return (
    (qKgPerS / (2 * Math.PI * u * sigmaY * sigmaZ)) *
    Math.exp(-(y * y) / (2 * sigmaY * sigmaY)) *
    (Math.exp(-((z - sourceHeight) ** 2) / vz) + Math.exp(-((z + sourceHeight) ** 2) / vz))
  );
}

/** Ideal-gas molar volume (m³/mol) at T (°C) and P (hPa): the physically correct formula. */
export function molarVolume(temperatureC: number, pressureHpa: number): number {
  return MOLAR_VOLUME_STP * (1013.25 / pressureHpa) * ((temperatureC + 273.15) / 273.15);
}

/** Mass concentration (kg/m³) → mole fraction (ppm) for a gas of molar mass M (g/mol) at molar volume Vm. */
export function massConcentrationToPpm(kgPerM3: number, molarMassGPerMol: number, molarVolumeM3: number): number {
  return (kgPerM3 / (molarMassGPerMol / 1000 / molarVolumeM3)) * 1e6;
}

/** Composite Simpson over the rectangle [y0, y1] × [z0, z1] with ny × nz intervals (rounded up to even). */
export function integrateRectangle(
  f: (y: number, z: number) => number,
  y0: number,
  y1: number,
  z0: number,
  z1: number,
  ny = 600,
  nz = 600,
): number {
  ny += ny % 2;
  nz += nz % 2;
  const hy = (y1 - y0) / ny;
  const hz = (z1 - z0) / nz;
  const wy = (i: number, n: number) => (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
  let total = 0;
  for (let j = 0; j <= nz; j++) {
    const z = z0 + j * hz;
    let row = 0;
    for (let i = 0; i <= ny; i++) row += wy(i, ny) * f(y0 + i * hy, z);
    total += wy(j, nz) * row;
  }
  return (total * hy * hz) / 9;
}

export type WindProfile = 'uniform' | 'power' | 'log';

/** Multiplier of the reference wind speed at height z (m above ground) for a wind profile. */
export function windProfileFactor(
  z: number,
  profile: WindProfile,
  referenceHeight: number,
  exponent: number,
  roughnessLength: number,
): number {
  if (profile === 'uniform') return 1;
  if (profile === 'power') return z > 0 ? (z / referenceHeight) ** exponent : 0;
  return z > roughnessLength ? Math.log(z / roughnessLength) / Math.log(referenceHeight / roughnessLength) : 0;
}

// ------------------------------------------------------------------------------------------------------------------
// Local tangent plane ↔ WGS84
// ------------------------------------------------------------------------------------------------------------------

export interface LatLon {
  latitude: number;
  longitude: number;
}

function radii(lat0: number): { meridional: number; normal: number } {
  const s = Math.sin(lat0 * DEG);
  const w = 1 - WGS84_E2 * s * s;
  return { meridional: (WGS84_A * (1 - WGS84_E2)) / w ** 1.5, normal: WGS84_A / Math.sqrt(w) };
}

/** Local east/north metres around `origin` → latitude/longitude (linearised on the WGS84 ellipsoid; fine at km scale). */
export function latLonFromLocal(origin: LatLon, east: number, north: number): LatLon {
  const { meridional, normal } = radii(origin.latitude);
  return {
    latitude: origin.latitude + north / meridional / DEG,
    longitude: origin.longitude + east / (normal * Math.cos(origin.latitude * DEG)) / DEG,
  };
}

/** The inverse of `latLonFromLocal`. */
export function localFromLatLon(origin: LatLon, latitude: number, longitude: number): { east: number; north: number } {
  const { meridional, normal } = radii(origin.latitude);
  return {
    east: (longitude - origin.longitude) * DEG * normal * Math.cos(origin.latitude * DEG),
    north: (latitude - origin.latitude) * DEG * meridional,
  };
}

// ------------------------------------------------------------------------------------------------------------------
// The generator
// ------------------------------------------------------------------------------------------------------------------

export interface SyntheticFlightOptions {
  /** PRNG seed (integer). Default 1. */
  seed?: number;
  /**
   * `curtain` (default): transects back and forth across the wind at downwind distance D. `spiral`: one circle
   * of radius D around the source per height (`transects` loops; `rows`, `transectLength`, `curtainOffset` and
   * `groundSlope` do not apply).
   */
  pattern?: 'curtain' | 'spiral';
  /** Gas columns, in order. Default ['ch4', 'co2', 'c2h6']. */
  gases?: string[];
  /** Emission rate per gas, kg/h. Defaults: ch4 10, co2 100, c2h6 0.5, any other gas 0. */
  emissions?: Record<string, number>;
  /** Background mole fraction per gas, ppm. Defaults: ch4 1.95, co2 415, c2h6 0.002, others 0. */
  background?: Record<string, number>;
  /** Amplitude (ppm) of the slow background drift (half a sine over the flight). Defaults: ch4 0.02, co2 0.1, c2h6 0.0005, others 0. */
  backgroundDrift?: Record<string, number>;
  /** White sensor noise per gas, ppm (1σ). Defaults: ch4 0.002, co2 0.02, c2h6 0.0001, others 0. */
  noise?: Record<string, number>;
  /** Multiplies every random noise level (gas, wind, T, P, position); 0 gives a noise-free flight. Default 1. */
  noiseScale?: number;
  /** g/mol overrides/extensions of `MOLAR_MASSES`. */
  molarMasses?: Record<string, number>;

  /** Source position (the local origin). Default 52.0 N, 5.0 E. */
  latitude?: number;
  longitude?: number;
  /** Stack height H, m above ground. Default 2. */
  sourceHeight?: number;

  /** Mean wind speed U (m/s) that carries the plume. Default 5. */
  windSpeed?: number;
  /** Mean meteorological wind direction ("from", compass degrees). Default 225 (south-west; curtain runs 135°/315°). */
  windDirection?: number;
  /** Relative standard deviation of the per-sample wind speed. Default 0.1. */
  windSpeedRelStd?: number;
  /** Standard deviation (degrees) of the per-sample wind direction. Default 8. */
  windDirectionStd?: number;
  /** Height profile of the *reported* wind speed (the plume always uses the mean U). Default 'uniform'. */
  windProfile?: WindProfile;
  /** Power-law exponent. Default 0.14. */
  windProfileExponent?: number;
  /** Height (m agl) at which the profile equals U. Default 10. */
  windReferenceHeight?: number;
  /** Log-profile roughness length z0 (m). Default 0.03. */
  roughnessLength?: number;

  /** Pasquill stability class. Default 'D'. */
  stability?: StabilityClass;
  /** Briggs open-country or urban σ formulas. Default 'rural'. */
  dispersion?: Dispersion;

  /** Downwind distance D of the curtain from the source (m). Default 300. */
  distance?: number;
  /** Crosswind offset (m) of the curtain centre from the plume centreline. Default 0. */
  curtainOffset?: number;
  /** Number of transects. Default max(12, ceil((top − bottom) / maxVerticalSpacing) + 1). */
  transects?: number;
  /** Height of the lowest transect above the highest ground under the curtain (m). Default 3. */
  minHeight?: number;
  /** Height of the highest transect (m agl at the take-off point). Default sourceHeight + 4σz(D). */
  maxHeight?: number;
  /** Largest vertical transect spacing used by the automatic transect count (m). Default 10. */
  maxVerticalSpacing?: number;
  /** Fly top-down instead of bottom-up. Default false. */
  descending?: boolean;
  /** Transect length (m). Default: at least 2·(|curtainOffset| + 3σy + max(3σy, 60 m)), longer when `rows` asks for it. */
  transectLength?: number;
  /** Target horizontal drone speed (m/s). Default 5. */
  speed?: number;
  /** Sampling rate (Hz). Default 1 Hz, or (with `rows`) the smallest of 1, 2, 5, 10, 20, 50, … Hz that keeps transects ≤ `maxTransectLength`. */
  sampleRateHz?: number;
  /** Total sample count (distributed evenly over the transects). Default: what the geometry needs at `speed`. */
  rows?: number;
  /** Upper bound on the transect length when choosing the rate automatically (m). Default 1500. */
  maxTransectLength?: number;

  /** Nominal air temperature (°C) and pressure (hPa); used for the ppm conversion. Defaults 15 and 1010. */
  temperature?: number;
  pressure?: number;
  /** Per-sample white noise on the reported temperature (°C) and pressure (hPa). Defaults 0.1 and 0.05. */
  temperatureStd?: number;
  pressureStd?: number;

  /** Emit a `height_agl` column. Default true. */
  includeHeightAgl?: boolean;
  /** Ground slope along the curtain (m rise per m, in the direction of the first transect), take-off at the curtain centre. Default 0. */
  groundSlope?: number;
  /** Horizontal / vertical wobble of the flight path (m, 1σ, white). Defaults 0. Keep small vs the sample spacing, or transect detection breaks. */
  positionNoiseStd?: number;
  heightNoiseStd?: number;

  /** Time of the first sample (UTC). Default '2024-06-01T10:00:00Z'. */
  startTime?: string | Date;

  /** Transect heights above take-off (m), in flight order; overrides the automatic heights and `transects`. */
  transectHeights?: number[];
  /**
   * A hover: during transect `transect` (1-based) the drone stops at `position` (0 = where the transect starts, 1 =
   * its last sample; default 0.5) and stays there for `durationS` seconds: that sample is repeated for the hover's
   * rows (the plume does not change), with white horizontal `jitterM` (m, 1σ; default 0: identical fixes).
   * Curtain flights only.
   */
  hover?: { transect: number; durationS: number; position?: number; jitterM?: number };
  /** Logger dropouts: these cells (0-based data rows × columns) are written as `value` (default null, an empty cell). */
  dropouts?: { rows: number[]; columns: string[]; value?: CellValue };
}

export interface SyntheticFlightTruth {
  seed: number;
  pattern: 'curtain' | 'spiral';
  /** Spiral flights only: the circles' radius (= distance) and circumference, m. */
  spiral?: { radius: number; circumference: number };
  gases: string[];
  /** The true emission rate per gas, kg/h. */
  emissionRatesKgH: Record<string, number>;
  /** ∫∫ C·U dy dz over the curtain plane (y ∈ ±∞, z ≥ 0), integrated numerically, kg/h. Equals Q. */
  fluxThroughCurtainKgH: Record<string, number>;
  /**
   * ∫∫ C·U·profile(z) dy dz: what a perfect mass balance using the *reported* wind sees (= Q for a uniform profile).
   * For a spiral: ∫∫ C·U·profile(z) along the circle, the full wind rather than its normal part, as the spiral
   * strategy integrates it (slightly above Q, by how far the plume spreads around the circle).
   */
  measuredWindFluxKgH: Record<string, number>;
  /**
   * gasflux 0.2.2's density bug scales every flux by (T+273.15)/(T+546.3); multiply the expected rate by this
   * factor when the pipeline runs in parity mode.
   */
  gasflux022Factor: number;
  source: LatLon & { height: number };
  wind: {
    speed: number;
    directionFrom: number;
    /** Compass bearing the wind blows towards. */
    directionTo: number;
    speedRelStd: number;
    directionStd: number;
    profile: WindProfile;
    referenceHeight: number;
    exponent: number;
    roughnessLength: number;
  };
  stability: StabilityClass;
  dispersion: Dispersion;
  distance: number;
  sigmaY: number;
  sigmaZ: number;
  temperature: number;
  pressure: number;
  /** m³/mol at the nominal T and P. */
  molarVolume: number;
  /** kg/m³ of each pure gas at the nominal T and P. */
  density: Record<string, number>;
  /** Largest noise-free enhancement on the plume centreline at the curtain (over heights 0..top), ppm. */
  peakEnhancementPpm: Record<string, number>;
  /** For a spiral: transects = loops, length = circumference, centre = the source, start = end = where each loop starts. */
  curtain: {
    transects: number;
    /** Transect heights above take-off, in flight order. */
    heightsAto: number[];
    verticalSpacing: number;
    length: number;
    /** Compass bearing of the first transect's direction of travel. */
    bearing: number;
    /** The line's bearing folded into [0, 180), like gasflux's plane_angle. */
    planeAngle: number;
    offset: number;
    centre: LatLon;
    /** The line end where transect 1 starts, and the other end. */
    start: LatLon;
    end: LatLon;
    /** Where the plume centreline crosses the curtain line. */
    plumeCentre: LatLon;
    groundSlope: number;
  };
  sampling: {
    rows: number;
    sampleRateHz: number;
    /** Mean horizontal speed along the transects (m/s). */
    speed: number;
    samplesPerTransect: number[];
    /** Row index of each transect's first sample. */
    transectStartRows: number[];
    durationS: number;
    /** With `hover`: the row where the drone arrives, and the rows after it that repeat its position. */
    hover: { arrivalRow: number; rows: number } | null;
  };
  /** Per-sample ground truth (row order). */
  samples: {
    /** 1-based transect number. */
    transect: Int32Array;
    /** Position along the curtain from its centre (m, + in the first transect's direction). */
    alongCurtain: Float64Array;
    /** Crosswind distance from the plume centreline (m). */
    crosswind: Float64Array;
    /** Downwind distance from the source (m). */
    downwind: Float64Array;
    heightAgl: Float64Array;
    /** Noise-free enhancement per gas (ppm). */
    enhancementPpm: Record<string, Float64Array>;
    /** Background per gas including drift, without sensor noise (ppm). */
    backgroundPpm: Record<string, Float64Array>;
  };
}

export interface SyntheticFlight {
  table: RawTable;
  truth: SyntheticFlightTruth;
}

function pick<T>(map: Record<string, T> | undefined, defaults: Readonly<Record<string, T>>, key: string, fallback: T): T {
  if (map && Object.hasOwn(map, key)) return map[key];
  return Object.hasOwn(defaults, key) ? defaults[key] : fallback;
}

function mod360(a: number): number {
  const r = a % 360;
  return r < 0 ? r + 360 : r === 360 ? 0 : r;
}

/** 0 for whole-second periods, else milliseconds (3 digits) or as many digits as the period needs, up to 6. */
function fractionDigits(periodS: number): number {
  if (Math.abs(periodS - Math.round(periodS)) < 1e-9 * Math.max(1, periodS)) return 0;
  for (let d = 3; d <= 6; d++) {
    const v = periodS * 10 ** d;
    if (Math.abs(v - Math.round(v)) < 1e-9 * Math.max(1, v)) return d;
  }
  return 6;
}

function formatTimestamp(micros: number, digits: number): string {
  const secs = Math.floor(micros / 1e6);
  const iso = new Date(secs * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (digits === 0) return base;
  const frac = String(Math.round(micros - secs * 1e6)).padStart(6, '0');
  return `${base}.${frac.slice(0, digits)}`;
}

function requirePositive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
}

/** Generates a synthetic curtain flight and its ground truth. Pure and deterministic for given options. */
export function syntheticFlight(options: SyntheticFlightOptions = {}): SyntheticFlight {
  const seed = options.seed ?? 1;
  const gases = options.gases ?? ['ch4', 'co2', 'c2h6'];
  const noiseScale = options.noiseScale ?? 1;
  const origin: LatLon = { latitude: options.latitude ?? 52.0, longitude: options.longitude ?? 5.0 };
  const H = options.sourceHeight ?? 2;
  const U = options.windSpeed ?? 5;
  const windFrom = mod360(options.windDirection ?? 225);
  const windRel = (options.windSpeedRelStd ?? 0.1) * noiseScale;
  const windDirStd = (options.windDirectionStd ?? 8) * noiseScale;
  const profile = options.windProfile ?? 'uniform';
  const profileExponent = options.windProfileExponent ?? 0.14;
  const zRef = options.windReferenceHeight ?? 10;
  const z0 = options.roughnessLength ?? 0.03;
  const stability = options.stability ?? 'D';
  const dispersion = options.dispersion ?? 'rural';
  const D = options.distance ?? 300;
  const offset = options.curtainOffset ?? 0;
  const minHeight = options.minHeight ?? 3;
  const maxSpacing = options.maxVerticalSpacing ?? 10;
  const speedTarget = options.speed ?? 5;
  const maxTransectLength = options.maxTransectLength ?? 1500;
  const spiral = (options.pattern ?? 'curtain') === 'spiral';
  const T0 = options.temperature ?? 15;
  const P0 = options.pressure ?? 1010;
  const tStd = (options.temperatureStd ?? 0.1) * noiseScale;
  const pStd = (options.pressureStd ?? 0.05) * noiseScale;
  const includeAgl = options.includeHeightAgl ?? true;
  const slope = options.groundSlope ?? 0;
  if (spiral) {
    for (const key of ['rows', 'transectLength', 'curtainOffset', 'groundSlope', 'hover'] as const) {
      if (options[key] !== undefined) throw new RangeError(`${key} does not apply to a spiral flight`);
    }
  }
  const posStd = (options.positionNoiseStd ?? 0) * noiseScale;
  const hStd = (options.heightNoiseStd ?? 0) * noiseScale;
  const startMs =
    options.startTime instanceof Date
      ? options.startTime.getTime()
      : Date.parse(options.startTime ?? '2024-06-01T10:00:00Z');

  requirePositive('windSpeed', U);
  requirePositive('distance', D);
  requirePositive('speed', speedTarget);
  if (!Number.isFinite(startMs)) throw new RangeError(`startTime is not a valid date: ${String(options.startTime)}`);
  if (gases.length === 0) throw new RangeError('gases must name at least one gas');

  const molarMasses: Record<string, number> = {};
  for (const g of gases) {
    const m = options.molarMasses?.[g] ?? MOLAR_MASSES[g];
    if (m === undefined) throw new RangeError(`no molar mass for gas '${g}'; pass molarMasses`);
    molarMasses[g] = m;
  }

  // Geometry: downwind and crosswind unit vectors in local (east, north).
  const th = windFrom * DEG;
  const down = { e: -Math.sin(th), n: -Math.cos(th) };
  const cross = { e: -Math.cos(th), n: Math.sin(th) };
  const bearing = mod360(Math.atan2(cross.e, cross.n) / DEG);

  const { sigmaY, sigmaZ } = briggsSigmas(D, stability, dispersion);

  // Transect length and heights.
  const coverLength = 2 * (Math.abs(offset) + 3 * sigmaY + Math.max(3 * sigmaY, 60));
  const lengthMin = spiral ? 2 * Math.PI * D : (options.transectLength ?? coverLength);
  requirePositive('transectLength', lengthMin);
  // Constant-ATO transects: keep the lowest one minHeight above the highest ground under the curtain (length
  // known only later when rows stretch it, so use the largest length the sampling may choose).
  const topAgl = options.maxHeight ?? H + 4 * sigmaZ;

  let nTransects: number;
  const heightsFor = (length: number) => {
    const shift = Math.abs(slope) * (length / 2);
    const bottom = minHeight + shift;
    const top = topAgl + shift;
    return { bottom, top };
  };
  {
    const { bottom, top } = heightsFor(lengthMin);
    if (!(top > bottom)) throw new RangeError(`maxHeight (${topAgl}) must exceed minHeight (${minHeight})`);
    nTransects = options.transectHeights?.length ?? options.transects ?? Math.max(12, Math.ceil((top - bottom) / maxSpacing - 1e-9) + 1);
  }
  if (!Number.isInteger(nTransects) || nTransects < 2) throw new RangeError(`transects must be an integer ≥ 2`);

  // Sampling.
  let rate: number;
  let length: number;
  let rows: number;
  if (options.rows === undefined) {
    rate = options.sampleRateHz ?? 1;
    requirePositive('sampleRateHz', rate);
    const n = Math.max(10, Math.ceil((lengthMin * rate) / speedTarget - 1e-9));
    length = spiral ? lengthMin : (options.transectLength ?? (n * speedTarget) / rate);
    rows = n * nTransects;
  } else {
    rows = options.rows;
    if (!Number.isInteger(rows) || rows < 10 * nTransects) {
      throw new RangeError(`rows must be an integer ≥ 10 per transect (${10 * nTransects}), got ${rows}`);
    }
    const nMean = rows / nTransects;
    const bound = options.transectLength ?? Math.max(maxTransectLength, lengthMin);
    rate = options.sampleRateHz ?? NICE_RATES.find((r) => (nMean * speedTarget) / r <= bound) ?? NICE_RATES.at(-1)!;
    requirePositive('sampleRateHz', rate);
    length = options.transectLength ?? Math.max(lengthMin, (nMean * speedTarget) / rate);
  }
  const samplesPerTransect: number[] = [];
  const transectStartRows: number[] = [];
  for (let k = 0; k < nTransects; k++) {
    transectStartRows.push(Math.floor((rows * k) / nTransects));
    samplesPerTransect.push(Math.floor((rows * (k + 1)) / nTransects) - Math.floor((rows * k) / nTransects));
  }
  const movingRows = rows;
  // A hover repeats one sample of its transect: `hoverRows` more rows there, after the arrival at `hoverAt`.
  const hover = options.hover;
  const hoverTransect = hover ? hover.transect - 1 : -1;
  let hoverRows = 0;
  let hoverAt = -1;
  if (hover) {
    if (!Number.isInteger(hover.transect) || hover.transect < 1 || hover.transect > nTransects) {
      throw new RangeError(`hover.transect must be an integer in 1..${nTransects}, got ${hover.transect}`);
    }
    requirePositive('hover.durationS', hover.durationS);
    const position = hover.position ?? 0.5;
    if (!(position >= 0 && position <= 1)) throw new RangeError(`hover.position must be in [0, 1], got ${position}`);
    hoverRows = Math.round(hover.durationS * rate);
    hoverAt = Math.round(position * (samplesPerTransect[hoverTransect] - 1));
    samplesPerTransect[hoverTransect] += hoverRows;
    for (let k = hoverTransect + 1; k < nTransects; k++) transectStartRows[k] += hoverRows;
    rows += hoverRows;
  }
  const hoverJitter = (hover?.jitterM ?? 0) * noiseScale;
  const { bottom, top } = heightsFor(length);
  const spacing = (top - bottom) / (nTransects - 1);
  const heightsAto = options.transectHeights
    ? [...options.transectHeights]
    : Array.from({ length: nTransects }, (_, k) => (options.descending ? top - k * spacing : bottom + k * spacing));

  // Physics constants.
  const Vm = molarVolume(T0, P0);
  const density: Record<string, number> = {};
  for (const g of gases) density[g] = molarMasses[g] / 1000 / Vm;
  const qKgS: Record<string, number> = {};
  const emissionRatesKgH: Record<string, number> = {};
  for (const g of gases) {
    emissionRatesKgH[g] = pick(options.emissions, DEFAULT_EMISSIONS, g, 0);
    qKgS[g] = emissionRatesKgH[g] / 3600;
  }

  // Random streams.
  const rng = (label: string) => seededRng(seed, label);
  const rWindSpeed = rng('windspeed');
  const rWindDir = rng('winddir');
  const rTemp = rng('temperature');
  const rPres = rng('pressure');
  const rPos = rng('position');
  const rHeight = rng('height');
  const rHover = rng('hover');
  const gasNoise: Record<string, Rng> = {};
  const driftPhase: Record<string, number> = {};
  for (const g of gases) {
    gasNoise[g] = rng(`noise:${g}`);
    driftPhase[g] = rng(`drift:${g}`).uniform() * 2 * Math.PI;
  }

  // Columns.
  const columns = ['timestamp', 'latitude', 'longitude', 'height_ato'];
  if (includeAgl) columns.push('height_agl');
  columns.push('windspeed', 'winddir', 'temperature', 'pressure', ...gases);
  const cells: Record<string, CellValue[]> = {};
  for (const c of columns) cells[c] = new Array<CellValue>(rows);

  const transectOf = new Int32Array(rows);
  const alongCurtain = new Float64Array(rows);
  const crosswindArr = new Float64Array(rows);
  const downwindArr = new Float64Array(rows);
  const heightAglArr = new Float64Array(rows);
  const enhancementPpm: Record<string, Float64Array> = {};
  const backgroundPpm: Record<string, Float64Array> = {};
  for (const g of gases) {
    enhancementPpm[g] = new Float64Array(rows);
    backgroundPpm[g] = new Float64Array(rows);
  }

  const digits = fractionDigits(1 / rate);
  const startMicros = Math.round(startMs) * 1000;
  let row = 0;
  for (let k = 0; k < nTransects; k++) {
    const n = samplesPerTransect[k];
    const held = k === hoverTransect ? hoverRows : 0;
    const dir = k % 2 === 0 ? 1 : -1;
    for (let step = 0; step < n; step++, row++) {
      // With a hover, sample `hoverAt` is repeated `held` more times: the drone stays put.
      const hovering = held > 0 && step > hoverAt && step <= hoverAt + held;
      const j = held === 0 || step <= hoverAt ? step : hovering ? hoverAt : step - held;
      const nMoving = n - held;
      // Along-curtain position: each transect starts at its line end, evenly spaced, and never reaches the other
      // end (that sample is the next transect's first, at the new height), so every turn is a sharp reversal.
      // A spiral loop starts upwind and goes once round; s is then the arc length from the loop's start.
      let s = spiral ? (j / nMoving) * length : dir * ((j / nMoving) * length - length / 2);
      let xi = 0;
      if (posStd > 0) {
        s += posStd * rPos.normal();
        xi = posStd * rPos.normal();
      }
      if (hovering && hoverJitter > 0) {
        s += hoverJitter * rHover.normal();
        xi += hoverJitter * rHover.normal();
      }
      let hAto = heightsAto[k];
      if (hStd > 0) hAto += hStd * rHeight.normal();
      const ground = slope * s;
      const hAgl = hAto - ground;
      let x = D + xi;
      let y = offset + s;
      if (spiral) {
        // Angle round the circle from the downwind direction; the loop starts upwind (π).
        const theta = Math.PI + s / D;
        x = (D + xi) * Math.cos(theta);
        y = (D + xi) * Math.sin(theta);
      }
      const east = x * down.e + y * cross.e;
      const north = x * down.n + y * cross.n;
      const ll = latLonFromLocal(origin, east, north);

      transectOf[row] = k + 1;
      alongCurtain[row] = s;
      crosswindArr[row] = y;
      downwindArr[row] = x;
      heightAglArr[row] = hAgl;

      const micros = startMicros + Math.round((row * 1e6) / rate);
      cells.timestamp[row] = formatTimestamp(micros, digits);
      cells.latitude[row] = ll.latitude;
      cells.longitude[row] = ll.longitude;
      cells.height_ato[row] = hAto;
      if (includeAgl) cells.height_agl[row] = hAgl;

      const uHere = U * windProfileFactor(hAgl, profile, zRef, profileExponent, z0);
      cells.windspeed[row] = Math.max(0, uHere * (1 + windRel * rWindSpeed.normal()));
      cells.winddir[row] = mod360(windFrom + windDirStd * rWindDir.normal());
      cells.temperature[row] = T0 + tStd * rTemp.normal();
      cells.pressure[row] = P0 + pStd * rPres.normal();

      const sig = xi === 0 && !spiral ? { sigmaY, sigmaZ } : briggsSigmas(x, stability, dispersion);
      const phase = rows > 1 ? (Math.PI * row) / (rows - 1) : 0;
      for (const g of gases) {
        const c = plumeConcentration(qKgS[g], U, sig.sigmaY, sig.sigmaZ, y, hAgl, H);
        const enh = massConcentrationToPpm(c, molarMasses[g], Vm);
        const bg =
          pick(options.background, DEFAULT_BACKGROUND, g, 0) +
          pick(options.backgroundDrift, DEFAULT_BACKGROUND_DRIFT, g, 0) * Math.sin(phase + driftPhase[g]);
        const noise = pick(options.noise, DEFAULT_NOISE, g, 0) * noiseScale;
        enhancementPpm[g][row] = enh;
        backgroundPpm[g][row] = bg;
        cells[g][row] = bg + enh + (noise > 0 ? noise * gasNoise[g].normal() : 0);
      }
    }
  }

  // Truth: flux through the curtain plane by numerical integration of C·U (and C·U·profile).
  const yHalf = 12 * sigmaY;
  const zTop = H + 12 * sigmaZ;
  const fluxThroughCurtainKgH: Record<string, number> = {};
  const measuredWindFluxKgH: Record<string, number> = {};
  const peakEnhancementPpm: Record<string, number> = {};
  // Round a spiral's circle: the concentration at arc length a from the downwind point (|a| ≤ 12σy, the plume).
  const onCircle = (q: number, a: number, z: number) => {
    const theta = a / D;
    const sig = briggsSigmas(D * Math.cos(theta), stability, dispersion);
    return plumeConcentration(q, U, sig.sigmaY, sig.sigmaZ, D * Math.sin(theta), z, H);
  };
  const aHalf = Math.min(Math.PI * D, yHalf);
  for (const g of gases) {
    const q = qKgS[g];
    const flux = integrateRectangle((y, z) => plumeConcentration(q, U, sigmaY, sigmaZ, y, z, H) * U, -yHalf, yHalf, 0, zTop);
    fluxThroughCurtainKgH[g] = flux * 3600;
    const profileAt = (z: number) => windProfileFactor(z, profile, zRef, profileExponent, z0);
    measuredWindFluxKgH[g] = spiral
      ? 3600 * integrateRectangle((a, z) => onCircle(q, a, z) * U * profileAt(z), -aHalf, aHalf, 0, zTop)
      : profile === 'uniform'
        ? fluxThroughCurtainKgH[g]
        : 3600 *
          integrateRectangle(
            (y, z) =>
              plumeConcentration(q, U, sigmaY, sigmaZ, y, z, H) * U * windProfileFactor(z, profile, zRef, profileExponent, z0),
            -yHalf,
            yHalf,
            0,
            zTop,
          );
    let peak = 0;
    for (let i = 0; i <= 2000; i++) {
      const z = (i / 2000) * (H + 4 * sigmaZ);
      peak = Math.max(peak, plumeConcentration(q, U, sigmaY, sigmaZ, 0, z, H));
    }
    peakEnhancementPpm[g] = massConcentrationToPpm(peak, molarMasses[g], Vm);
  }

  const at = (x: number, y: number) => latLonFromLocal(origin, x * down.e + y * cross.e, x * down.n + y * cross.n);

  const truth: SyntheticFlightTruth = {
    seed,
    pattern: spiral ? 'spiral' : 'curtain',
    ...(spiral ? { spiral: { radius: D, circumference: length } } : {}),
    gases: [...gases],
    emissionRatesKgH,
    fluxThroughCurtainKgH,
    measuredWindFluxKgH,
    gasflux022Factor: (T0 + 273.15) / (T0 + 273.15 + 273.15),
    source: { ...origin, height: H },
    wind: {
      speed: U,
      directionFrom: windFrom,
      directionTo: mod360(windFrom + 180),
      speedRelStd: windRel,
      directionStd: windDirStd,
      profile,
      referenceHeight: zRef,
      exponent: profileExponent,
      roughnessLength: z0,
    },
    stability,
    dispersion,
    distance: D,
    sigmaY,
    sigmaZ,
    temperature: T0,
    pressure: P0,
    molarVolume: Vm,
    density,
    peakEnhancementPpm,
    curtain: {
      transects: nTransects,
      heightsAto,
      verticalSpacing: spacing,
      length,
      bearing,
      planeAngle: bearing % 180,
      offset,
      centre: spiral ? at(0, 0) : at(D, offset),
      start: spiral ? at(-D, 0) : at(D, offset - length / 2),
      end: spiral ? at(-D, 0) : at(D, offset + length / 2),
      plumeCentre: at(D, 0),
      groundSlope: slope,
    },
    sampling: {
      rows,
      sampleRateHz: rate,
      speed: (length * rate * nTransects) / movingRows,
      samplesPerTransect,
      transectStartRows,
      durationS: rows / rate,
      hover: hover ? { arrivalRow: transectStartRows[hoverTransect] + hoverAt, rows: hoverRows } : null,
    },
    samples: {
      transect: transectOf,
      alongCurtain,
      crosswind: crosswindArr,
      downwind: downwindArr,
      heightAgl: heightAglArr,
      enhancementPpm,
      backgroundPpm,
    },
  };

  if (options.dropouts) {
    for (const column of options.dropouts.columns) {
      if (!cells[column]) throw new RangeError(`dropouts: no column '${column}'`);
      for (const r of options.dropouts.rows) {
        if (!(Number.isInteger(r) && r >= 0 && r < rows)) throw new RangeError(`dropouts: row ${r} is not in 0..${rows - 1}`);
        cells[column][r] = options.dropouts.value ?? null;
      }
    }
  }

  return { table: { columns, cells, rowCount: rows, firstDataRow: 2 }, truth };
}
