/**
 * Validation of a user-supplied filter, for 400 answers on POST/PUT (§4.1 [REC]).
 *
 * Two levels:
 * - compat (`strict: false`): the UI validator's rules (a `rules` array; each rule an object with
 *   `id` string, `order` number, `match` object, `action` accept|reject|continue) plus the safety
 *   bounds of FILTER_LIMITS (depth, counts, list sizes, string lengths, regex support).
 * - strict (the default): also every condition the reference would silently ignore or make
 *   false or skip (§4.8 cases 14–18, 21, 23, 24): unknown keys, ignored extra keys and operators,
 *   wrong operand types, naive datetime operands, boxes crossing the antimeridian.
 * `null`, `undefined` and `{}` are valid: they mean "apply the default filter".
 * Every problem is reported, each with its path and a JSON pointer.
 */
import { z } from 'zod';
import { FILTER_LIMITS } from './limits.js';
import { compileSafeRegex } from './safe-regex.js';
import { COMBINATOR_KEYS, GENERIC_OPERATORS, SIMPLE_FIELDS, SIZE_OPERATORS, type Filter } from './types.js';
import { isPlainObject, parseIsoDatetime, pyFloat, PROPERTY_TYPES } from './values.js';

export type FilterIssue = { path: Array<string | number>; pointer: string; message: string };
export type FilterValidation = { ok: true; filter: Filter | null } | { ok: false; issues: FilterIssue[] };
export type ValidateOptions = { strict?: boolean };

const MAX_ISSUES = 100;
const RULE_FIELDS = ['id', 'order', 'match', 'action'] as const;
const RULE_TYPES = { id: 'string', order: 'number', match: 'object' } as const;
const NOT_SIMPLE_HINT = new Set(['pubtime', 'datetime', 'start_datetime', 'end_datetime']);

export function jsonPointer(path: ReadonlyArray<string | number>): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Checker {
  readonly issues: FilterIssue[] = [];
  private conditions = 0;
  private tooMany = false;
  private prefix = '';
  constructor(private readonly strict: boolean) {}

  add(path: Array<string | number>, message: string, strictOnly = false) {
    if (strictOnly && !this.strict) return;
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, pointer: jsonPointer(path), message: this.prefix + message });
  }

  filter(input: unknown) {
    if (input === null || input === undefined) return;
    if (!isPlainObject(input)) return this.add([], 'Filter must be a JSON object { … }');
    if (Object.keys(input).length === 0) return;
    for (const key of Object.keys(input)) {
      if (key === 'name' || key === 'description') {
        if (typeof input[key] !== 'string') this.add([key], `"${key}" must be a string`, true);
      } else if (key !== 'rules') this.add([key], `unknown key "${key}"; a filter has name, description and rules`, true);
    }
    if (!Object.hasOwn(input, 'rules')) return this.add(['rules'], 'Filter must have a "rules" key');
    const rules = input.rules;
    if (!Array.isArray(rules)) return this.add(['rules'], '"rules" must be an array [ … ]');
    if (rules.length > FILTER_LIMITS.maxRules) {
      return this.add(['rules'], `"rules" has ${rules.length} rules; at most ${FILTER_LIMITS.maxRules} are allowed`);
    }
    const ids = new Map<string, number>();
    rules.forEach((rule, i) => {
      this.prefix = `Rule ${i}: `;
      this.rule(rule, ['rules', i], ids, i);
    });
    this.prefix = '';
  }

  private rule(rule: unknown, path: Array<string | number>, ids: Map<string, number>, i: number) {
    if (!isPlainObject(rule)) return this.add(path, 'must be an object');
    for (const field of RULE_FIELDS) {
      if (!Object.hasOwn(rule, field)) this.add([...path, field], `missing required field "${field}"`);
    }
    for (const [field, type] of Object.entries(RULE_TYPES)) {
      const v = rule[field];
      if (v === undefined) continue;
      const ok = type === 'object' ? isPlainObject(v) : type === 'number' ? isNum(v) : typeof v === type;
      if (!ok) this.add([...path, field], `"${field}" must be a ${type}`);
    }
    if (rule.action !== undefined && !['accept', 'reject', 'continue'].includes(rule.action as string)) {
      this.add([...path, 'action'], '"action" must be one of: accept, reject, continue');
    }
    if (rule.reason !== undefined && typeof rule.reason !== 'string') this.add([...path, 'reason'], '"reason" must be a string', true);
    for (const key of Object.keys(rule)) {
      if (![...RULE_FIELDS, 'reason', 'description'].includes(key)) {
        this.add([...path, key], `unknown rule key "${key}"; a rule has id, order, match, action and reason`, true);
      }
    }
    if (typeof rule.id === 'string') {
      const seen = ids.get(rule.id);
      if (seen !== undefined) this.add([...path, 'id'], `duplicate rule id "${rule.id}" (also rule ${seen})`, true);
      else ids.set(rule.id, i);
    }
    if (isPlainObject(rule.match)) this.condition(rule.match, [...path, 'match'], 1);
  }

  private condition(cond: unknown, path: Array<string | number>, depth: number): void {
    if (!isPlainObject(cond)) return this.add(path, `a condition must be an object, not ${describe(cond)}`);
    if (depth > FILTER_LIMITS.maxDepth) return this.add(path, `conditions are nested more than ${FILTER_LIMITS.maxDepth} deep`);
    if (++this.conditions > FILTER_LIMITS.maxConditions) {
      if (!this.tooMany) this.add(path, `the filter has more than ${FILTER_LIMITS.maxConditions} conditions`);
      this.tooMany = true;
      return;
    }
    const keys = Object.keys(cond);
    if (keys.length === 0) return this.add(path, 'an empty condition never matches; use {"always": true}', true);
    const decider = COMBINATOR_KEYS.find((k) => Object.hasOwn(cond, k)) ?? keys.find((k) => (SIMPLE_FIELDS as readonly string[]).includes(k));
    if (!decider) {
      for (const k of keys) this.add([...path, k], unknownConditionMessage(k), true);
      return;
    }
    const allowed = decider === 'property' ? new Set(['property', 'type', ...GENERIC_OPERATORS]) : new Set([decider]);
    for (const k of keys) {
      if (!allowed.has(k)) {
        this.add([...path, k], `"${k}" is ignored because "${decider}" decides this condition; combine conditions with "all"`, true);
      }
    }
    const v = cond[decider];
    const at = [...path, decider];
    switch (decider) {
      case 'always':
        if (typeof v !== 'boolean') this.add(at, '"always" must be true or false', true);
        return;
      case 'all':
      case 'any':
        if (!Array.isArray(v)) return this.add(at, `"${decider}" must be an array of conditions`, true);
        v.forEach((c, k) => this.condition(c, [...at, k], depth + 1));
        return;
      case 'not':
        if (Array.isArray(v)) return this.add(at, '"not" takes a single condition object, not an array', true);
        return this.condition(v, at, depth + 1);
      case 'size':
        return this.size(v, at);
      case 'bbox':
        return this.bbox(v, at);
      case 'property':
        return this.property(cond, path);
      default:
        return this.operators(v, at, 'field');
    }
  }

  private size(v: unknown, at: Array<string | number>) {
    if (!isPlainObject(v)) return this.add(at, `"size" must be an object of size operators, not ${describe(v)}`, true);
    const present = Object.keys(v);
    const known = present.filter((k) => (SIZE_OPERATORS as readonly string[]).includes(k));
    for (const k of present) {
      if (!known.includes(k)) this.add([...at, k], `unknown size operator "${k}"; use one of ${SIZE_OPERATORS.join(', ')}`, true);
    }
    if (known.length === 0) return this.add(at, `"size" needs one of ${SIZE_OPERATORS.join(', ')}`, true);
    const used = SIZE_OPERATORS.find((k) => known.includes(k))!;
    for (const k of known) {
      if (k !== used) this.add([...at, k], `only one size operator is used ("${used}"); "${k}" would be ignored. For a range use between_bytes or all`, true);
    }
    const operand = v[used];
    const path = [...at, used];
    if (used === 'exists') {
      if (typeof operand !== 'boolean') this.add(path, '"exists" must be true or false', true);
    } else if (used === 'between_bytes') {
      if (!Array.isArray(operand) || operand.length !== 2 || !operand.every((x) => isNum(x) && x >= 0)) {
        this.add(path, '"between_bytes" must be a [low, high] pair of byte counts', true);
      } else if (operand[0] > operand[1]) this.add(path, '"between_bytes" low is greater than high', true);
    } else if (!isNum(operand) || operand < 0) this.add(path, `"${used}" must be a byte count (a number ≥ 0)`, true);
  }

  private bbox(v: unknown, at: Array<string | number>) {
    if (!isPlainObject(v)) return this.add(at, '"bbox" must be an object {north, south, east, west}', true);
    const limits = { north: 90, south: 90, east: 180, west: 180 } as const;
    for (const k of Object.keys(v)) if (!(k in limits)) this.add([...at, k], `unknown bbox key "${k}"; use north, south, east, west`, true);
    let ok = true;
    for (const [k, max] of Object.entries(limits)) {
      const x = v[k];
      if (x === undefined || x === null) (ok = false), this.add([...at, k], `"${k}" is required`, true);
      else if (!isNum(x)) (ok = false), this.add([...at, k], `"${k}" must be a number of decimal degrees`, true);
      else if (Math.abs(x) > max) (ok = false), this.add([...at, k], `"${k}" must be between -${max} and ${max}`, true);
    }
    if (!ok) return;
    if ((v.south as number) > (v.north as number)) this.add([...at, 'south'], '"south" is greater than "north"', true);
    if ((v.west as number) > (v.east as number)) {
      this.add([...at, 'west'], '"west" is greater than "east"; boxes crossing the antimeridian are not supported (use any of two boxes)', true);
    }
  }

  private property(cond: Record<string, unknown>, path: Array<string | number>) {
    if (typeof cond.property !== 'string' || cond.property === '') {
      this.add([...path, 'property'], '"property" must be the name of a notification property', true);
    }
    const type = cond.type ?? 'string';
    if (!(PROPERTY_TYPES as readonly string[]).includes(type as string)) {
      this.add([...path, 'type'], `"type" must be one of: ${PROPERTY_TYPES.join(', ')}`, true);
      return this.operators(cond, path, 'unknown', true);
    }
    this.operators(cond, path, type as string, true);
  }

  /**
   * Checks one operator object. `kind` is 'field' for simple fields (string values), or the
   * property type. For a property, `ops` is the condition itself and property/type are skipped.
   */
  private operators(ops: unknown, at: Array<string | number>, kind: string, isProperty = false) {
    if (!isPlainObject(ops)) return this.add(at, `must be an object of operators, like {"equals": "…"}, not ${describe(ops)}`, true);
    const keys = Object.keys(ops).filter((k) => !(isProperty && (k === 'property' || k === 'type')));
    const known = keys.filter((k) => (GENERIC_OPERATORS as readonly string[]).includes(k));
    if (!isProperty) {
      for (const k of keys) if (!known.includes(k)) this.add([...at, k], `unknown operator "${k}"; use one of ${GENERIC_OPERATORS.join(', ')}`, true);
    }
    if (known.length === 0) return this.add(at, `needs one operator: ${GENERIC_OPERATORS.join(', ')}`, true);
    const op = known[0];
    for (const k of known.slice(1)) this.add([...at, k], `only the first operator ("${op}") is used; "${k}" would be ignored. Combine conditions with "all"`, true);
    this.operand(op, ops[op], [...at, op], kind);
  }

  private operand(op: string, v: unknown, at: Array<string | number>, kind: string) {
    const strictOnly = true;
    // Safety checks apply in both modes.
    if (typeof v === 'string' && v.length > FILTER_LIMITS.maxStringLength) {
      return this.add(at, `is longer than ${FILTER_LIMITS.maxStringLength} characters`);
    }
    if (Array.isArray(v) && v.length > FILTER_LIMITS.maxListItems) {
      return this.add(at, `has ${v.length} items; at most ${FILTER_LIMITS.maxListItems} are allowed`);
    }
    if (op === 'regex' && typeof v === 'string') {
      const r = compileSafeRegex(v);
      if (!r.ok) return this.add(at, `regex not accepted: ${r.error}`);
    }
    switch (op) {
      case 'exists':
        if (typeof v !== 'boolean') this.add(at, '"exists" must be true or false', strictOnly);
        return;
      case 'pattern':
      case 'regex':
        if (typeof v !== 'string') return this.add(at, `"${op}" must be a string`, strictOnly);
        if (kind !== 'field' && kind !== 'string') this.add(at, `"${op}" works on strings only; use "type": "string"`, strictOnly);
        return;
      case 'in':
      case 'not_in':
        if (!Array.isArray(v)) return this.add(at, `"${op}" must be an array [ … ]`, strictOnly);
        if (kind === 'datetime') return this.add(at, `"${op}" never matches a datetime (the list is not converted); use between, gte or lte`, strictOnly);
        v.forEach((x, k) => {
          const problem = listItemProblem(x, kind);
          if (problem) this.add([...at, k], problem, strictOnly);
        });
        return;
      case 'between':
        if (!Array.isArray(v) || v.length !== 2) return this.add(at, '"between" must be a [low, high] pair', strictOnly);
        v.forEach((x, k) => {
          const problem = scalarProblem(x, kind);
          if (problem) this.add([...at, k], problem, strictOnly);
        });
        return;
      default: {
        if (kind === 'boolean' && op !== 'equals' && op !== 'not_equals') {
          return this.add(at, `"${op}" is not meaningful for booleans; use equals`, strictOnly);
        }
        const problem = scalarProblem(v, kind);
        if (problem) this.add(at, problem, strictOnly);
      }
    }
  }
}

function unknownConditionMessage(key: string): string {
  if (NOT_SIMPLE_HINT.has(key)) return `"${key}" is not a simple field; use {"property": "${key}", "type": "datetime", …}`;
  return `unknown condition "${key}"; use always, all, any, not, size, bbox, property or one of ${SIMPLE_FIELDS.join(', ')} (for a notification property write {"property": "${key}", …})`;
}

/** Why an operand would never compare as intended for this kind of value, or null. */
function scalarProblem(v: unknown, kind: string): string | null {
  switch (kind) {
    case 'field':
    case 'string':
      return typeof v === 'string' ? null : `must be a string (values are compared as strings, so ${JSON.stringify(v)} never matches)`;
    case 'integer':
    case 'number':
      if (isNum(v) || (typeof v === 'string' && pyFloat(v) !== null && Number.isFinite(pyFloat(v)))) return null;
      return `must be a number`;
    case 'boolean':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'datetime': {
      if (typeof v !== 'string') return 'must be an ISO 8601 date-time string';
      const d = parseIsoDatetime(v);
      if (!d) return `${JSON.stringify(v)} is not an ISO 8601 date-time`;
      if (!d.aware) return `${JSON.stringify(v)} has no UTC offset; add "Z" or "+00:00" (a naive time cannot be compared with notification times)`;
      return null;
    }
    default:
      return null;
  }
}

function listItemProblem(v: unknown, kind: string): string | null {
  switch (kind) {
    case 'integer':
      return isNum(v) && Number.isInteger(v) ? null : 'must be an integer (the list is not converted)';
    case 'number':
      return isNum(v) ? null : 'must be a number (the list is not converted)';
    default:
      return scalarProblem(v, kind);
  }
}

/** Every problem in a filter; empty when it is valid. */
export function collectFilterIssues(input: unknown, options: ValidateOptions = {}): FilterIssue[] {
  const checker = new Checker(options.strict ?? true);
  checker.filter(input);
  return checker.issues;
}

export function validateFilter(input: unknown, options: ValidateOptions = {}): FilterValidation {
  const issues = collectFilterIssues(input, options);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, filter: (input ?? null) as Filter | null };
}

/** A zod schema for request bodies: the same checks, issues carrying their paths. */
export function filterSchema(options: ValidateOptions = {}) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      for (const issue of collectFilterIssues(value, options)) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      }
    })
    .transform((value) => (value ?? null) as Filter | null);
}

/** Strict validation (the default for POST/PUT). */
export const FilterSchema = filterSchema({ strict: true });
