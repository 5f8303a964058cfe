const MS_PER_DAY = 86_400_000;

/**
 * An Excel date serial as `YYYY-MM-DD HH:MM:SS` (plus `.fff` when there are milliseconds), rounded to the
 * millisecond, with no time zone. Honours the 1904 date system and Excel's fictitious 1900-02-29 (serial 60).
 */
export function excelSerialToText(serial: number, date1904 = false): string {
  const ms = Math.round(serial * MS_PER_DAY);
  if (!date1904 && serial >= 60 && serial < 61) return `1900-02-29 ${timeOfDay(ms - 60 * MS_PER_DAY)}`;
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : serial < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  return dateToText(new Date(epoch + ms));
}

/** A JS Date's UTC fields in the same format (SheetJS gives Dates for some cells). */
export function dateToText(date: Date): string {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return `${day} ${timeOfDay(date.getTime() - midnight)}`;
}

function timeOfDay(msIntoDay: number): string {
  const ms = ((msIntoDay % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  const seconds = Math.floor(ms / 1000);
  const fraction = ms % 1000;
  const hms = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  return fraction === 0 ? hms : `${hms}.${pad(fraction, 3).replace(/0+$/, '')}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}
