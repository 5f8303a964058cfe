import { DEG, mod } from './angles.js';
import { levenbergMarquardt } from './levenberg-marquardt.js';
import { GasfluxError } from '../errors.js';

/**
 * Spiral/circle flights: fit a circle to the track, then use the distance around it, measured from the azimuth of
 * the strongest enhancement, as the horizontal coordinate.
 */
export function projectOntoCircle(easting: Float64Array, northing: Float64Array, referenceSignal: Float64Array) {
  const count = easting.length;
  const from = Math.floor(count / 4);
  const to = Math.floor((3 * count) / 4);
  let xc = 0, yc = 0;
  for (let i = from; i < to; i++) {
    xc += easting[i];
    yc += northing[i];
  }
  xc /= to - from;
  yc /= to - from;
  let r = 0;
  for (let i = from; i < to; i++) r += Math.hypot(easting[i] - xc, northing[i] - yc);
  r /= to - from;
  const fit = levenbergMarquardt(
    ([cx, cy, radius]) => Array.from(easting, (e, i) => Math.hypot(e - cx, northing[i] - cy) - radius),
    [xc, yc, r],
  );
  if (!fit.converged) {
    throw new GasfluxError('CIRCLE_FIT_FAILED', 'spiral', `The circle fit of the spiral flight did not converge (MINPACK info ${fit.info})`);
  }
  const [cx, cy, radius] = fit.x;
  const azimuth = new Float64Array(count);
  const deviation = new Float64Array(count);
  let peak = 0;
  for (let i = 0; i < count; i++) {
    azimuth[i] = mod(Math.atan2(easting[i] - cx, northing[i] - cy), 2 * Math.PI) / DEG;
    deviation[i] = Math.hypot(easting[i] - cx, northing[i] - cy) - radius;
    if (referenceSignal[i] > referenceSignal[peak]) peak = i;
  }
  const distance = new Float64Array(count);
  let minimum = Infinity;
  for (let i = 0; i < count; i++) {
    let centred = azimuth[i] - azimuth[peak];
    if (centred > 180) centred -= 360;
    else if (centred < -180) centred += 360;
    distance[i] = radius * centred * DEG;
    minimum = Math.min(minimum, distance[i]);
  }
  for (let i = 0; i < count; i++) distance[i] -= minimum;
  return { centre: [cx, cy] as const, radius, azimuth, deviation, x: distance };
}
