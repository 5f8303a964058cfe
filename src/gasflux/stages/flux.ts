import type { PhysicsMode } from '../config/types.js';

/** Molar volume of an ideal gas at 0 °C and 1013.25 hPa, m³/mol. */
const MOLAR_VOLUME_STP = 0.022413969545014;
const KELVIN = 273.15;

/**
 * Molar volume at the flight's mean temperature and pressure. gasflux 0.2.2 adds the Kelvin offset twice, which
 * roughly halves every density and flux; `gasflux-0.2.2` mode reproduces that for parity.
 */
export function molarVolume(meanTemperatureC: number, meanPressureHpa: number, physics: PhysicsMode): number {
  const kelvin = meanTemperatureC + KELVIN + (physics === 'gasflux-0.2.2' ? KELVIN : 0);
  return MOLAR_VOLUME_STP * (1013.25 / meanPressureHpa) * (kelvin / KELVIN);
}

/** Density of the pure gas, kg/m³. */
export function gasDensity(molarMassGPerMol: number, molarVolumeM3: number): number {
  return molarMassGPerMol / 1000 / molarVolumeM3;
}

/** Point mass flux through the curtain, kg m⁻² h⁻¹, from a ppm enhancement and the normal wind. */
export function pointFlux(normalisedPpm: Float64Array, windspeedNormal: Float64Array, density: number) {
  const kgM3 = new Float64Array(normalisedPpm.length);
  const kgHM2 = new Float64Array(normalisedPpm.length);
  for (let i = 0; i < normalisedPpm.length; i++) {
    kgM3[i] = density * (normalisedPpm[i] * 1e-6);
    kgHM2[i] = kgM3[i] * windspeedNormal[i] * 3600;
  }
  return { kgM3, kgHM2 };
}

export function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
