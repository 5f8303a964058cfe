/**
 * The filter engine (§4.2–§4.5), reproducing the reference's semantics: rules sorted by `order`
 * (missing = 9999, stable), first matching accept/reject decides, `continue` goes on, a rule whose
 * evaluation raises is skipped, and no decision means accept. Pure: no I/O; warnings the
 * reference would log are returned in the decision.
 */
import { resolveFilterFields } from './context.js';
import { DEFAULT_FILTER } from './default-filter.js';
import { geometryMatchesBox } from './geometry.js';
import { globMatch } from './glob.js';
import { FILTER_LIMITS } from './limits.js';
import { compileSafeRegex } from './safe-regex.js';
import {
  COMBINATOR_KEYS, GENERIC_OPERATORS, SIMPLE_FIELDS, SIZE_OPERATORS,
  type FilterContext, type FilterDecision, type FilterFields, type FilterInput, type FilterPass,
} from './types.js';
import { coerce, FilterEvalError, isPlainObject, pyCompare, pyEq, pyTruthy, type OrderOp } from './values.js';

const MISSING_ORDER = 9999;
const MAX_WARNINGS = 50;
const simpleFields = new Set<string>(SIMPLE_FIELDS);
const genericOperators = new Set<string>(GENERIC_OPERATORS);
const coercedOperandTypes = new Set(['integer', 'number', 'datetime']);

/** Python truthiness of a whole filter: null, undefined, false, 0, '', [] and {} are falsy. */
export function isFalsyFilter(filter: unknown): boolean {
  return !pyTruthy(filter);
}

export type EvaluateOptions = {
  /** The filter applied when the subscription's is falsy; default DEFAULT_FILTER. Null = accept everything. */
  defaultFilter?: FilterInput;
};

class Evaluation {
  steps = 0;
  readonly warnings: string[] = [];
  constructor(readonly fields: FilterFields) {}

  warn(message: string) {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
  }

  condition(cond: unknown, depth: number): boolean {
    if (depth > FILTER_LIMITS.maxDepth) throw new FilterEvalError(`conditions nested deeper than ${FILTER_LIMITS.maxDepth}`);
    if (++this.steps > FILTER_LIMITS.maxEvaluationSteps) throw new FilterEvalError('filter evaluation budget exhausted');
    if (!isPlainObject(cond)) throw new FilterEvalError('a condition must be an object');
    const has = (k: string) => Object.hasOwn(cond, k);
    for (const key of COMBINATOR_KEYS) {
      if (!has(key)) continue;
      const v = cond[key];
      switch (key) {
        case 'always':
          return pyTruthy(v);
        case 'all':
          for (const c of this.list(v, 'all')) if (!this.condition(c, depth + 1)) return false;
          return true;
        case 'any':
          for (const c of this.list(v, 'any')) if (this.condition(c, depth + 1)) return true;
          return false;
        case 'not':
          if (Array.isArray(v)) {
            this.warn('"not" takes a single condition object, not an array; the condition is false');
            return false;
          }
          return !this.condition(v, depth + 1);
        case 'size':
          return this.size(v);
        case 'bbox':
          return this.bbox(v);
        case 'property':
          return this.property(cond);
      }
    }
    for (const key of Object.keys(cond)) {
      if (simpleFields.has(key)) return this.operators(this.fields[key as keyof FilterFields], cond[key], null);
    }
    this.warn(`unknown condition ${JSON.stringify(Object.keys(cond))}; it never matches`);
    return false;
  }

  private list(v: unknown, key: string): unknown[] {
    if (!Array.isArray(v)) throw new FilterEvalError(`"${key}" must be an array`);
    if (v.length > FILTER_LIMITS.maxConditions) throw new FilterEvalError(`"${key}" has too many conditions`);
    return v;
  }

  private size(spec: unknown): boolean {
    if (!isPlainObject(spec)) throw new FilterEvalError('"size" must be an object');
    const op = SIZE_OPERATORS.find((k) => Object.hasOwn(spec, k));
    if (!op) {
      this.warn(`no size operator in ${JSON.stringify(Object.keys(spec))}; the condition is false`);
      return false;
    }
    const size = this.fields.size;
    const operand = spec[op];
    if (op === 'exists') return size === null ? !pyTruthy(operand) : pyTruthy(operand);
    if (size === null) return false;
    if (op === 'between_bytes') {
      const [low, high] = pair(operand, 'between_bytes');
      return pyCompare('lte', low, size) && pyCompare('lte', size, high);
    }
    return pyCompare(op.replace('_bytes', '') as OrderOp, size, operand);
  }

  private bbox(spec: unknown): boolean {
    try {
      const box = spec as Record<string, unknown>;
      const sides = ['north', 'south', 'east', 'west'] as const;
      if (sides.some((k) => box[k] === null || box[k] === undefined)) return false;
      const nums = sides.map((k) => {
        const v = box[k];
        if (typeof v === 'boolean') return Number(v);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`"${k}" is not a number`);
        return v;
      });
      return geometryMatchesBox(this.fields.geometry, { north: nums[0], south: nums[1], east: nums[2], west: nums[3] });
    } catch {
      return true; // the reference fails open on any bbox error
    }
  }

  private property(cond: Record<string, unknown>): boolean {
    const name = cond.property;
    if (typeof name !== 'string') throw new FilterEvalError('"property" must be a string');
    const type = cond.type ?? 'string';
    const value = coerce(type, Object.hasOwn(this.fields.properties, name) ? this.fields.properties[name] : null);
    return this.operators(value, cond, coercedOperandTypes.has(type as string) ? type : null);
  }

  /** One generic operator (the first known key) applied to `value`. */
  private operators(value: unknown, ops: unknown, operandType: unknown): boolean {
    if (!isPlainObject(ops)) throw new FilterEvalError('a field condition must be an object of operators');
    const op = Object.keys(ops).find((k) => genericOperators.has(k));
    if (!op) {
      this.warn(`no known operator in ${JSON.stringify(Object.keys(ops))}; the condition is false`);
      return false;
    }
    const raw = ops[op];
    if (op === 'exists') return pyTruthy(raw) ? value !== null && value !== undefined : value === null || value === undefined;
    if (value === null || value === undefined) return false;
    const co = (x: unknown) => (operandType === null ? x : coerce(operandType, x));
    switch (op) {
      case 'equals':
        return pyEq(value, co(raw));
      case 'not_equals':
        return !pyEq(value, co(raw));
      case 'in':
      case 'not_in': {
        if (!Array.isArray(raw)) {
          this.warn(`"${op}" needs an array operand; the condition is false`);
          return false;
        }
        const found = raw.some((x) => pyEq(value, x));
        return op === 'in' ? found : !found;
      }
      case 'pattern':
        return globMatch(subject(value, op), operandString(raw, op));
      case 'regex': {
        const compiled = compileSafeRegex(operandString(raw, op));
        if (!compiled.ok) throw new FilterEvalError(`bad regex: ${compiled.error}`);
        return compiled.regex.test(subject(value, op));
      }
      case 'between': {
        const [low, high] = pair(raw, 'between');
        return pyCompare('lte', co(low), value) && pyCompare('lte', value, co(high));
      }
      default:
        return pyCompare(op as OrderOp, value, co(raw));
    }
  }
}

function pair(v: unknown, key: string): [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) throw new FilterEvalError(`"${key}" must be a [low, high] pair`);
  return [v[0], v[1]];
}

function operandString(v: unknown, op: string): string {
  if (typeof v !== 'string') throw new FilterEvalError(`"${op}" needs a string operand`);
  if (v.length > FILTER_LIMITS.maxStringLength) throw new FilterEvalError(`"${op}" operand is too long`);
  return v;
}

function subject(v: unknown, op: string): string {
  if (typeof v !== 'string') throw new FilterEvalError(`"${op}" applies to strings only`);
  if (v.length > FILTER_LIMITS.maxSubjectLength) throw new FilterEvalError(`value is too long for "${op}"`);
  return v;
}

function ruleId(rule: unknown): string | null {
  if (!isPlainObject(rule) || rule.id === undefined || rule.id === null) return null;
  return typeof rule.id === 'string' ? rule.id : JSON.stringify(rule.id);
}

/**
 * Runs a subscription's filter for one pass. A falsy filter means the default filter (§4.6);
 * a filter without rules accepts everything. For `post`, `context.download` is required.
 */
export function evaluateFilter(
  filter: FilterInput,
  context: FilterContext,
  pass: FilterPass,
  options: EvaluateOptions = {},
): FilterDecision {
  const fields = resolveFilterFields(context, pass);
  const usedDefaultFilter = isFalsyFilter(filter);
  const effective: unknown = usedDefaultFilter ? ('defaultFilter' in options ? options.defaultFilter : DEFAULT_FILTER) : filter;
  const run = new Evaluation(fields);
  const skippedRules: FilterDecision['skippedRules'] = [];
  const decide = (action: 'accept' | 'reject', reason: string, rule?: FilterDecision['rule']): FilterDecision => ({
    action, reason, ...(rule ? { rule } : {}), usedDefaultFilter, skippedRules, warnings: run.warnings,
  });

  if (isFalsyFilter(effective)) return decide('accept', 'no filter');
  if (!isPlainObject(effective)) return decide('reject', 'Filter is not an object');
  const rules = effective.rules;
  if (!pyTruthy(rules)) return decide('accept', 'no rules');
  if (!Array.isArray(rules)) return decide('reject', 'Filter "rules" is not an array');
  if (rules.length > FILTER_LIMITS.maxRules) return decide('reject', `Filter has more than ${FILTER_LIMITS.maxRules} rules`);

  const ordered = rules
    .map((rule: unknown, index) => {
      const order = isPlainObject(rule) && typeof rule.order === 'number' && !Number.isNaN(rule.order) ? rule.order : MISSING_ORDER;
      return { rule, index, order };
    })
    .sort((a, b) => a.order - b.order || a.index - b.index);

  for (const { rule, index, order } of ordered) {
    const id = ruleId(rule);
    let matched: boolean;
    try {
      if (!isPlainObject(rule)) throw new FilterEvalError('a rule must be an object');
      matched = run.condition(rule.match ?? {}, 1);
    } catch (e) {
      if (!(e instanceof FilterEvalError)) throw e;
      skippedRules.push({ index, id, error: e.message });
      continue;
    }
    if (!matched) continue;
    const action = (rule as Record<string, unknown>).action ?? 'continue';
    if (action === 'accept' || action === 'reject') {
      const reasonField = (rule as Record<string, unknown>).reason;
      const reason = pyTruthy(reasonField) ? String(reasonField) : (id ?? `rule ${index}`);
      return decide(action, reason, { id, index, order });
    }
    if (action !== 'continue') run.warn(`rule ${id ?? index}: unknown action ${JSON.stringify(action)}, treated as continue`);
  }
  return decide('accept', 'no rule decided');
}
