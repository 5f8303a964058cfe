import type { GasfluxConfig } from './types.js';

/**
 * Molar masses in g/mol, as molmass 2023.8.30 computes them from the upper-cased column name (spec §4.5.6).
 * A fixed table, because upper-casing breaks two-letter elements (`hcl` → `HCL` parses into nonsense).
 */
export const MOLAR_MASSES: Readonly<Record<string, number>> = Object.freeze({
  ch4: 16.042504,
  co2: 44.00955,
  c2h6: 30.069126,
  n2o: 44.012811,
  nh3: 17.030526,
  h2s: 34.080682,
  co: 28.010145,
  so2: 64.06361,
});

/** The gas's molar mass in g/mol: the config's `molar_masses` entry first, then the built-in table. */
export function molarMass(gas: string, config: Pick<GasfluxConfig, 'molar_masses'>): number | undefined {
  const override = config.molar_masses;
  if (override && Object.hasOwn(override, gas)) return override[gas];
  return Object.hasOwn(MOLAR_MASSES, gas) ? MOLAR_MASSES[gas] : undefined;
}
