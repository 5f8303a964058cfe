/**
 * Which Excel number formats show a number as a date or time, so that such cells are read as date text.
 * Written from the format's documented grammar (ECMA-376 Part 1, §18.8.31).
 */

/**
 * Built-in formats (no `<numFmt>` in styles.xml) that are dates or times: 14–22 and 45–47 everywhere, 27–36 and
 * 50–58 in the East Asian locales, 71–81 in the Thai locale.
 */
const BUILT_IN_DATE_IDS = new Set<number>([
  ...range(14, 22), ...range(27, 36), ...range(45, 47), ...range(50, 58), ...range(71, 81),
]);

export function isBuiltInDateFormat(id: number): boolean {
  return BUILT_IN_DATE_IDS.has(id);
}

const DATE_LETTERS = new Set(['y', 'm', 'd', 'h', 's', 'e', 'g', 'b']);
const ELAPSED = /^\[(?:h+|m+|s+)\]$/i;

/**
 * Whether a format code shows dates or times: it has a date or time part (y, m, d, h, s, e, g, b, AM/PM, or an
 * elapsed `[h]`, `[mm]`, `[ss]`) outside quoted text, escaped characters, fill and padding characters and other
 * bracketed parts (colours, conditions, locales). `General` and the exponent of `0.00E+00` are not date parts.
 */
export function isDateFormatCode(code: string): boolean {
  const n = code.length;
  for (let i = 0; i < n; i++) {
    const c = code[i];
    const lower = c.toLowerCase();
    if (c === '"') {
      const close = code.indexOf('"', i + 1);
      i = close < 0 ? n : close;
    } else if (c === '\\' || c === '_' || c === '*') {
      i++; // the next character is literal, or a padding/fill character
    } else if (c === '[') {
      const close = code.indexOf(']', i + 1);
      const part = code.slice(i, close < 0 ? n : close + 1);
      if (ELAPSED.test(part)) return true;
      i = close < 0 ? n : close;
    } else if (lower === 'g' && code.slice(i, i + 7).toLowerCase() === 'general') {
      i += 6;
    } else if (lower === 'e' && (code[i + 1] === '+' || code[i + 1] === '-')) {
      i++; // scientific notation: E+ / E-
    } else if (lower === 'a' && (code.slice(i, i + 5).toLowerCase() === 'am/pm' || code.slice(i, i + 3).toLowerCase() === 'a/p')) {
      return true;
    } else if (DATE_LETTERS.has(lower)) {
      if (lower === 'b' && code[i + 1] !== '1' && code[i + 1] !== '2') continue; // B1/B2: Buddhist calendar
      return true;
    }
  }
  return false;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
