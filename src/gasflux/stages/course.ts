import { DEG, mod } from './angles.js';

/** Per-row steps from the previous row; row 0 is NaN in every column. Hovering gives azimuth 0, not NaN. */
export function computeCourse(easting: Float64Array, northing: Float64Array, height: Float64Array) {
  const count = easting.length;
  const horDistance = new Float64Array(count).fill(NaN);
  const vertDistance = new Float64Array(count).fill(NaN);
  const courseAzimuth = new Float64Array(count).fill(NaN);
  const courseElevation = new Float64Array(count).fill(NaN);
  for (let i = 1; i < count; i++) {
    const dE = easting[i] - easting[i - 1];
    const dN = northing[i] - northing[i - 1];
    const dh = height[i] - height[i - 1];
    const hor = Math.sqrt(dN * dN + dE * dE);
    horDistance[i] = hor;
    vertDistance[i] = dh;
    courseAzimuth[i] = mod(Math.atan2(dE, dN) / DEG, 360);
    courseElevation[i] = Math.atan2(dh, hor) / DEG;
  }
  return { horDistance, vertDistance, courseAzimuth, courseElevation };
}
