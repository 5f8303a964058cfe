import { DEG, angularDistance } from './angles.js';

const OUTLIER_DISTANCE_M = 10000;

export interface CurtainProjection {
  /** Compass bearing of the fitted curtain line, in (0°, 180°). */
  planeAngle: number;
  x: Float64Array;
  y: Float64Array;
  distanceFromFit: Float64Array;
}

/** Total-least-squares line N = m·E + c through the points (closed form of an orthogonal distance regression). */
function fitLine(easting: Float64Array, northing: Float64Array, use: Uint8Array) {
  let n = 0, se = 0, sn = 0;
  for (let i = 0; i < easting.length; i++) {
    if (!use[i]) continue;
    n += 1;
    se += easting[i];
    sn += northing[i];
  }
  const me = se / n;
  const mn = sn / n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < easting.length; i++) {
    if (!use[i]) continue;
    const de = easting[i] - me;
    const dn = northing[i] - mn;
    sxx += de * de;
    syy += dn * dn;
    sxy += de * dn;
  }
  // rot is the angle of the line from the easting axis; a north–south line has rot = 90°.
  let rot: number;
  if (sxy === 0) rot = syy > sxx ? Math.PI / 2 : 0;
  else rot = Math.atan((syy - sxx + Math.sqrt((syy - sxx) ** 2 + 4 * sxy * sxy)) / (2 * sxy));
  return { rot, me, mn };
}

function perpendicularDistances(easting: Float64Array, northing: Float64Array, fit: { rot: number; me: number; mn: number }) {
  const out = new Float64Array(easting.length);
  const s = Math.sin(fit.rot);
  const c = Math.cos(fit.rot);
  for (let i = 0; i < easting.length; i++) out[i] = Math.abs(-(easting[i] - fit.me) * s + (northing[i] - fit.mn) * c);
  return out;
}

/** Fits the curtain line and gives each row its distance along it (x) and across it (y). */
export function projectOntoCurtain(easting: Float64Array, northing: Float64Array): CurtainProjection {
  const use = new Uint8Array(easting.length).fill(1);
  let fit = fitLine(easting, northing, use);
  for (let pass = 0; pass < 2; pass++) {
    const distances = perpendicularDistances(easting, northing, fit);
    let dropped = false;
    for (let i = 0; i < use.length; i++) {
      if (use[i] && distances[i] > OUTLIER_DISTANCE_M) {
        use[i] = 0;
        dropped = true;
      }
    }
    if (dropped) fit = fitLine(easting, northing, use);
  }
  let minE = Infinity, minN = Infinity;
  for (let i = 0; i < easting.length; i++) {
    if (easting[i] < minE) minE = easting[i];
    if (northing[i] < minN) minN = northing[i];
  }
  const c = Math.cos(fit.rot);
  const s = Math.sin(fit.rot);
  const x = new Float64Array(easting.length);
  const y = new Float64Array(easting.length);
  for (let i = 0; i < easting.length; i++) {
    const e = easting[i] - minE;
    const u = northing[i] - minN;
    x[i] = e * c + u * s;
    y[i] = -e * s + u * c;
  }
  return { planeAngle: 90 - fit.rot / DEG, x, y, distanceFromFit: perpendicularDistances(easting, northing, fit) };
}

/** Wind speed normal to the curtain (a magnitude: flow from either side counts as positive). */
export function normalWind(windspeed: Float64Array, winddir: Float64Array, planeAngle: number) {
  const relative = new Float64Array(windspeed.length);
  const normal = new Float64Array(windspeed.length);
  for (let i = 0; i < windspeed.length; i++) {
    relative[i] = Math.abs(90 - angularDistance(winddir[i], planeAngle));
    normal[i] = windspeed[i] * Math.cos(relative[i] * DEG);
  }
  return { winddirRel: relative, windspeedNormal: normal };
}
