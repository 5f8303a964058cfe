import type { Flight } from '../table.js';
import type { GasfluxResult } from '../pipeline.js';

function csvField(value: string | number | null | boolean): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The processed table (kept rows only): the input columns except `geometry`, then UTM and course, background per
 * gas, the curtain projection and winds, and the point flux per gas (the in-memory table of the reference).
 */
export function processedCsv(flight: Flight, result: GasfluxResult): string {
  const rows = result.keptRows;
  type Column = [name: string, at: (k: number, row: number) => string | number | null | boolean];
  const computed = new Set<string>();
  const columns: Column[] = [];
  const add = (name: string, at: Column[1]) => {
    computed.add(name);
    columns.push([name, at]);
  };
  const perRow = (values: Float64Array) => (_k: number, row: number) => values[row];
  const perKept = (values: Float64Array) => (k: number) => values[k];

  add('utm_easting', perRow(result.easting));
  add('utm_northing', perRow(result.northing));
  add('hor_distance', perRow(result.course.horDistance));
  add('vert_distance', perRow(result.course.vertDistance));
  add('course_azimuth', perRow(result.course.courseAzimuth));
  add('course_elevation', perRow(result.course.courseElevation));
  for (const gas of result.gases) {
    add(`${gas.gas}_normalised`, perRow(gas.normalised));
    add(`${gas.gas}_fit`, perRow(gas.fit));
    add(`${gas.gas}_signal`, (_k, row) => gas.signal[row] === 1);
  }
  if (result.transectNumbers) add('transect_num', (_k, row) => result.transectNumbers![row]);
  if (result.projection.distanceFromFit) add('distance_from_fit', perKept(result.projection.distanceFromFit));
  add('x', perKept(result.projection.x));
  add('y', perKept(result.projection.y));
  add('z', (_k, row) => flight.numeric.height_ato[row]);
  if (result.projection.winddirRel) add('winddir_rel', perKept(result.projection.winddirRel));
  add('windspeed_measured', perKept(result.projection.windspeedMeasured));
  for (const gas of result.gases) {
    add(`${gas.gas}_kg_m3`, perKept(gas.kgM3));
    add(`${gas.gas}_kg_h_m2`, perKept(gas.kgHM2));
  }
  if (result.projection.groundElevation) add('ground_elevation_ato', perKept(result.projection.groundElevation));

  // Input columns first, in file order; `windspeed` and `x` are replaced in place by their processed values.
  const inputColumns: Column[] = flight.raw.columns
    .filter((name) => name !== 'geometry')
    .map((name): Column => {
      if (name === 'windspeed') return [name, perKept(result.projection.windspeed)];
      if (computed.has(name)) return [name, columns.find(([c]) => c === name)![1]];
      return [name, (_k, row) => flight.raw.cells[name][row]];
    });
  const inputNames = new Set(flight.raw.columns);
  const all = [...inputColumns, ...columns.filter(([name]) => !inputNames.has(name))];
  if (!inputNames.has('windspeed')) all.push(['windspeed', perKept(result.projection.windspeed)]);

  const lines = [all.map(([name]) => csvField(name)).join(',')];
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    lines.push(all.map(([, at]) => csvField(at(k, row))).join(','));
  }
  return `${lines.join('\n')}\n`;
}
