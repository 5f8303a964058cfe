/**
 * WGS84 → UTM with Krüger's n-series to sixth order (Karney 2011), accurate to a few nanometres
 * inside a zone, which is what PROJ's extended transverse Mercator gives too.
 */
const A_WGS84 = 6378137;
const F_WGS84 = 1 / 298.257223563;
const K0 = 0.9996;
const FALSE_EASTING = 500000;
const FALSE_NORTHING_SOUTH = 10000000;

const n = F_WGS84 / (2 - F_WGS84);
const n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
const RECTIFYING_RADIUS = (A_WGS84 / (1 + n)) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
const ALPHA = [
  n / 2 - (2 * n2) / 3 + (5 * n3) / 16 + (41 * n4) / 180 - (127 * n5) / 288 + (7891 * n6) / 37800,
  (13 * n2) / 48 - (3 * n3) / 5 + (557 * n4) / 1440 + (281 * n5) / 630 - (1983433 * n6) / 1935360,
  (61 * n3) / 240 - (103 * n4) / 140 + (15061 * n5) / 26880 + (167603 * n6) / 181440,
  (49561 * n4) / 161280 - (179 * n5) / 168 + (6601661 * n6) / 7257600,
  (34729 * n5) / 80640 - (3418889 * n6) / 1995840,
  (212378941 * n6) / 319334400,
];
const ECCENTRICITY = (2 * Math.sqrt(n)) / (1 + n);

export interface UtmZone {
  zone: number;
  south: boolean;
  epsg: number;
}

/**
 * The zone whose area of use holds the centre of the bounding box. A longitude on a zone edge goes to the western
 * zone, the equator counts as north, and there are no Norway/Svalbard exceptions (as the reference's PROJ query).
 */
export function utmZoneForBounds(lat: Float64Array, lon: Float64Array): UtmZone {
  let latMin = Infinity, latMax = -Infinity, lonMin = Infinity, lonMax = -Infinity;
  for (let i = 0; i < lat.length; i++) {
    if (lat[i] < latMin) latMin = lat[i];
    if (lat[i] > latMax) latMax = lat[i];
    if (lon[i] < lonMin) lonMin = lon[i];
    if (lon[i] > lonMax) lonMax = lon[i];
  }
  const latC = (latMin + latMax) / 2;
  const lonC = (lonMin + lonMax) / 2;
  const zone = Math.min(60, Math.max(1, Math.ceil((lonC + 180) / 6)));
  const south = latC < 0;
  return { zone, south, epsg: (south ? 32700 : 32600) + zone };
}

export function projectToUtm(lat: Float64Array, lon: Float64Array, zone: UtmZone) {
  const count = lat.length;
  const easting = new Float64Array(count);
  const northing = new Float64Array(count);
  const centralMeridian = ((zone.zone - 1) * 6 - 180 + 3) * (Math.PI / 180);
  const falseNorthing = zone.south ? FALSE_NORTHING_SOUTH : 0;
  for (let i = 0; i < count; i++) {
    const phi = lat[i] * (Math.PI / 180);
    const lambda = lon[i] * (Math.PI / 180) - centralMeridian;
    const sinPhi = Math.sin(phi);
    const t = Math.sinh(Math.atanh(sinPhi) - ECCENTRICITY * Math.atanh(ECCENTRICITY * sinPhi));
    const xiPrime = Math.atan2(t, Math.cos(lambda));
    const etaPrime = Math.atanh(Math.sin(lambda) / Math.sqrt(1 + t * t));
    let xi = xiPrime;
    let eta = etaPrime;
    for (let j = 1; j <= 6; j++) {
      const a = ALPHA[j - 1];
      xi += a * Math.sin(2 * j * xiPrime) * Math.cosh(2 * j * etaPrime);
      eta += a * Math.cos(2 * j * xiPrime) * Math.sinh(2 * j * etaPrime);
    }
    easting[i] = FALSE_EASTING + K0 * RECTIFYING_RADIUS * eta;
    northing[i] = falseNorthing + K0 * RECTIFYING_RADIUS * xi;
  }
  return { easting, northing };
}
