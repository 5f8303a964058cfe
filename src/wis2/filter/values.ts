/**
 * Python value semantics the reference engine relies on: truthiness, `==`, ordered comparison
 * (which raises between unlike types), `str()`, and the `property` type coercions.
 */

/** Raised while evaluating a rule; the rule is then skipped (fail-open), as in the reference. */
export class FilterEvalError extends Error {}

/** A parsed `datetime`: microseconds since the epoch, and whether it had an offset. */
export class PyDateTime {
  constructor(readonly micros: number, readonly aware: boolean) {}
}

export const PROPERTY_TYPES = ['string', 'integer', 'number', 'boolean', 'datetime'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyDateTime);
}

export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number' && Number.isNaN(v)) return true; // float('nan') is truthy
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

const isNumeric = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

export function pyEq(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (a instanceof PyDateTime && b instanceof PyDateTime) return a.aware === b.aware && a.micros === b.micros;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEq(a[k], b[k]));
  }
  return false;
}

function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyDateTime) return 'datetime.datetime';
  return Array.isArray(v) ? 'list' : 'dict';
}

function cmpCodePoints(a: string, b: string): number {
  const x = Array.from(a), y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export type OrderOp = 'gt' | 'gte' | 'lt' | 'lte';
const SYMBOL: Record<OrderOp, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

function apply(op: OrderOp, x: number, y: number): boolean {
  switch (op) {
    case 'gt': return x > y;
    case 'gte': return x >= y;
    case 'lt': return x < y;
    case 'lte': return x <= y;
  }
}

/** `a <op> b` with Python rules; throws FilterEvalError where Python raises TypeError. */
export function pyCompare(op: OrderOp, a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return apply(op, Number(a), Number(b));
  if (typeof a === 'string' && typeof b === 'string') return apply(op, cmpCodePoints(a, b), 0);
  if (a instanceof PyDateTime && b instanceof PyDateTime) {
    if (a.aware !== b.aware) throw new FilterEvalError("can't compare offset-naive and offset-aware datetimes");
    return apply(op, a.micros, b.micros);
  }
  throw new FilterEvalError(`'${SYMBOL[op]}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

function floatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replaceAll(quote, `\\${quote}`);
  return quote + body + quote;
}

function pyRepr(v: unknown): string {
  return typeof v === 'string' ? strRepr(v) : pyStr(v);
}

/**
 * Python `str(v)` for JSON values. JSON numbers carry no int/float distinction here: an
 * integral number prints as an int ("36"), anything else as a float.
 */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : floatRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** Python `float(s)` for a string, or null where it raises ValueError. */
export function pyFloat(s: string): number | null {
  const t = s.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/.test(t)) return null;
  return Number(t.replace(/_/g, ''));
}

const ISO =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?)?$/;

/**
 * Python 3.11+ `datetime.fromisoformat` (trailing `Z` accepted; any number of fraction digits,
 * beyond six truncated). Null when it would raise.
 */
export function parseIsoDatetime(s: string): PyDateTime | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x))) as number[];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59 || y < 1) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  const days = Math.floor(date.getTime() / 86_400_000);
  const frac = Number(((m[7] ?? '') + '000000').slice(0, 6));
  let micros = ((days * 24 + h) * 60 + mi) * 60_000_000 + sec * 1_000_000 + frac;
  const tz = m[8];
  if (tz && tz !== 'Z') {
    const digits = tz.slice(1).replace(/:/g, '');
    const oh = Number(digits.slice(0, 2)), om = Number(digits.slice(2, 4) || 0), os = Number(digits.slice(4) || 0);
    if (oh > 23 || om > 59 || os >= 60) return null;
    const offset = Math.round(((oh * 60 + om) * 60 + os) * 1_000_000);
    micros += tz[0] === '+' ? -offset : offset;
  }
  return new PyDateTime(micros, tz !== undefined);
}

/**
 * The `property` coercions (§4.4 item 7). A failed coercion gives null. An unknown type raises,
 * so the rule is skipped.
 */
export function coerce(type: unknown, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'string':
      return pyStr(v);
    case 'integer': {
      const f = pyFloat(pyStr(v));
      return f === null || !Number.isFinite(f) ? null : Math.trunc(f) || 0;
    }
    case 'number':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return v;
      return typeof v === 'string' ? pyFloat(v) : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : ['true', '1', 'yes'].includes(pyStr(v).toLowerCase());
    case 'datetime':
      return parseIsoDatetime(pyStr(v));
    default:
      throw new FilterEvalError(`unknown property type ${JSON.stringify(type)}`);
  }
}
