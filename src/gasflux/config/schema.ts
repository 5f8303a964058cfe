import { z } from 'zod';
import { DEFAULT_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ } from './sample-windows.js';
import type { GasfluxConfig } from './types.js';

/** Error codes a config problem can carry; several problems of different kinds are reported as INVALID_CONFIG. */
export type ConfigProblemCode = 'INVALID_CONFIG' | 'UNKNOWN_STRATEGY' | 'UNSUPPORTED_OPTION';

export interface ConfigProblem {
  /** Key path, e.g. `ordinary_kriging_settings.min_points`; '' for the whole config. */
  key: string;
  /** One sentence naming the key, e.g. `semivariogram_settings.n_lags: must be an integer >= 1, got 0`. */
  message: string;
  code: ConfigProblemCode;
}

/** The columns every pipeline stage reads, whatever `required_cols` says. */
export const PIPELINE_COLUMNS = [
  'latitude',
  'longitude',
  'height_ato',
  'windspeed',
  'winddir',
  'temperature',
  'pressure',
] as const;

/** Lower-case letters and digits, starting with a letter: a column name that is also a formula (`ch4`, `c2h6`). */
export const GAS_NAME = /^[a-z][a-z0-9]*$/;

/** pybaselines' other classification methods: real algorithms, but only fastchrom is implemented here. */
const UNIMPLEMENTED_BASELINES = ['dietrich', 'golotvin', 'std_distribution', 'cwt_br', 'fabc', 'rubberband'];

type Path = (string | number)[];
type Reporter = (message: string, options?: { code?: ConfigProblemCode; path?: Path }) => void;
const INVALID: unique symbol = Symbol('invalid');
type Checked<T> = T | typeof INVALID;

/** A zod leaf whose check reports its own problems, so every message has the same shape. */
function leaf<T>(check: (value: unknown, report: Reporter) => Checked<T>) {
  return z.unknown().transform((value, ctx): T => {
    const result = check(value, (message, options = {}) =>
      ctx.addIssue({
        code: 'custom',
        message,
        path: options.path ?? [],
        params: { code: options.code ?? 'INVALID_CONFIG' },
      }),
    );
    return result === INVALID ? z.NEVER : result;
  });
}

function expect<T>(expectation: string, test: (value: unknown) => boolean) {
  return leaf<T>((value, report) => {
    if (test(value)) return value as T;
    report(mismatch(value, expectation));
    return INVALID;
  });
}

function mismatch(value: unknown, expectation: string): string {
  return value === undefined ? `is missing; it must be ${expectation}` : `must be ${expectation}, got ${show(value)}`;
}

/** A value as the user wrote it, short. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return value.length > 6 ? `a list of ${value.length} values` : `[${value.map(show).join(', ')}]`;
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const orNull = (test: (v: unknown) => boolean) => (v: unknown) => v === null || test(v);
const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const number = () => expect<number>('a number', isNumber);
const positive = () => expect<number>('a number > 0', (v) => isNumber(v) && v > 0);
const intAtLeast = (min: number) => expect<number>(`an integer >= ${min}`, (v) => isInt(v) && v >= min);
const intAtLeastOrNull = (min: number) =>
  expect<number | null>(`an integer >= ${min}, or null`, orNull((v) => isInt(v) && v >= min));
/**
 * Values that set the amount of work are bounded, so that no config can make one flight run for hours or fill the
 * memory (the per-flight budget stops what gets through; these refuse it at once, naming the key).
 */
const WORK_BOUNDS = { n_lags: 1_000, max_points: 500, grid_resolution: 200_000, min_nodes: 2_000, max_iter: 10_000 } as const;
const positiveAtMost = (max: number) =>
  expect<number>(`a number > 0 and at most ${max.toLocaleString('en-US')}`, (v) => isNumber(v) && v > 0 && v <= max);
const intBetween = (min: number, max: number) =>
  expect<number>(`an integer >= ${min} and at most ${max.toLocaleString('en-US')}`, (v) => isInt(v) && v >= min && v <= max);
const intBetweenOrNull = (min: number, max: number) =>
  expect<number | null>(`an integer >= ${min} and at most ${max.toLocaleString('en-US')}, or null`, orNull((v) => isInt(v) && v >= min && v <= max));

const YAML11_BOOLEANS: Record<string, boolean> = { true: true, yes: true, on: true, false: false, no: false, off: false };

/** A boolean, also accepting YAML 1.1 spellings (`yes`, `No`, `ON`, ...) that the reference's PyYAML reads as booleans. */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && Object.hasOwn(YAML11_BOOLEANS, value.toLowerCase())) {
    return YAML11_BOOLEANS[value.toLowerCase()];
  }
  return undefined;
}

const boolean = () =>
  leaf<boolean>((value, report) => {
    const result = toBoolean(value);
    if (result !== undefined) return result;
    report(mismatch(value, 'true or false'));
    return INVALID;
  });

interface ChoiceSpec<T extends string> {
  what: string;
  allowed: readonly T[];
  /** Other spellings accepted and normalised. */
  aliases?: Record<string, T>;
  /** Code for a string that is not allowed. */
  unknownCode: ConfigProblemCode;
  /** Known names of things this service does not implement: reported as UNSUPPORTED_OPTION. */
  notImplemented?: readonly string[];
}

function choice<T extends string>(spec: ChoiceSpec<T>) {
  const names = spec.allowed.map((a) => `'${a}'`).join(', ');
  const aliasNote = Object.entries(spec.aliases ?? {})
    .map(([alias, target]) => ` ('${alias}' is accepted for '${target}')`)
    .join('');
  const allowedText = `${names}${aliasNote}`;
  return leaf<T>((value, report) => {
    if (typeof value !== 'string') {
      report(mismatch(value, `one of ${allowedText}`));
      return INVALID;
    }
    if ((spec.allowed as readonly string[]).includes(value)) return value as T;
    if (spec.aliases && Object.hasOwn(spec.aliases, value)) return spec.aliases[value];
    if (spec.notImplemented?.includes(value)) {
      const verb = spec.allowed.length === 1 ? 'is' : 'are';
      report(`${spec.what} '${value}' is not implemented by this service; only ${names} ${verb} implemented`, {
        code: 'UNSUPPORTED_OPTION',
      });
      return INVALID;
    }
    const adjective = spec.unknownCode === 'UNSUPPORTED_OPTION' ? 'unsupported' : 'unknown';
    report(`${adjective} ${spec.what} '${value}'; allowed: ${allowedText}`, { code: spec.unknownCode });
    return INVALID;
  });
}

const RANGE = 'a [min, max] pair of numbers with min <= max';
const isRange = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && isNumber(v[0]) && isNumber(v[1]) && v[0] <= v[1];

/** `column: [min, max]` mappings (`required_cols`, `gases`). */
function columnRanges(options: { gasNames?: boolean; mustInclude?: readonly string[] }) {
  return leaf<Record<string, [number, number]>>((value, report) => {
    if (!isMapping(value)) {
      report(mismatch(value, `a mapping of column name to ${RANGE}`));
      return INVALID;
    }
    const out: Record<string, [number, number]> = {};
    let ok = true;
    for (const [name, range] of Object.entries(value)) {
      if (options.gasNames && !GAS_NAME.test(name)) {
        report('gas names must be lower-case letters and digits, starting with a letter', { path: [name] });
        ok = false;
      }
      if (isRange(range)) out[name] = [range[0], range[1]];
      else {
        report(mismatch(range, RANGE), { path: [name] });
        ok = false;
      }
    }
    const missing = (options.mustInclude ?? []).filter((c) => !Object.hasOwn(value, c));
    if (missing.length > 0) {
      report(`must include ${missing.map((c) => `'${c}'`).join(', ')}: the pipeline reads ${missing.length > 1 ? 'these columns' : 'this column'}`);
      ok = false;
    }
    if (options.gasNames && Object.keys(value).length === 0) {
      report('must name at least one gas');
      ok = false;
    }
    return ok ? out : INVALID;
  });
}

const molarMasses = () =>
  leaf<Record<string, number>>((value, report) => {
    if (!isMapping(value)) {
      report(mismatch(value, 'a mapping of gas name to molar mass in g/mol'));
      return INVALID;
    }
    let ok = true;
    for (const [gas, mass] of Object.entries(value)) {
      if (!GAS_NAME.test(gas)) {
        report('gas names must be lower-case letters and digits, starting with a letter', { path: [gas] });
        ok = false;
      }
      if (!isNumber(mass) || mass <= 0) {
        report(mismatch(mass, 'a molar mass in g/mol (a number > 0)'), { path: [gas] });
        ok = false;
      }
    }
    return ok ? (value as Record<string, number>) : INVALID;
  });

function mapping<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.looseObject(shape, { error: (issue) => mismatch(issue.input, 'a mapping') });
}

const fastchromFields = {
  half_window: intAtLeastOrNull(1).optional(),
  threshold: expect<number | 'custom' | null>("a number, 'custom' or null", (v) => v === null || v === 'custom' || isNumber(v)).optional(),
  min_fwhm: expect<number | null>('a number >= 0, or null', orNull((v) => isNumber(v) && v >= 0)).optional(),
  interp_half_window: intAtLeastOrNull(0).optional(),
  smooth_half_window: intAtLeastOrNull(0).optional(),
  weights: leaf<null>((value, report) => {
    if (value === null) return null;
    report(`per-point weights are not supported; leave weights null, got ${show(value)}`, { code: 'UNSUPPORTED_OPTION' });
    return INVALID;
  }).optional(),
  max_iter: intBetweenOrNull(0, WORK_BOUNDS.max_iter).optional(),
  min_length: intAtLeastOrNull(0).optional(),
};

const fastchrom = z
  .strictObject(fastchromFields, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown fastchrom option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; known: ${Object.keys(fastchromFields).join(', ')}`
        : mismatch(issue.input, 'a mapping of fastchrom options, or null'),
  })
  .nullable();

const configSchema = mapping({
  output_dir: expect<string | null>('a folder path or null', (v) => v === null || typeof v === 'string').optional(),
  physics: choice({ what: 'physics mode', allowed: ['corrected', 'gasflux-0.2.2'] as const, unknownCode: 'INVALID_CONFIG' }).optional(),
  sample_rate_hz: expect<number>(
    `a logging rate in Hz, > 0 and at most ${MAX_SAMPLE_RATE_HZ.toLocaleString('en-US')}`,
    (v) => isNumber(v) && v > 0 && v <= MAX_SAMPLE_RATE_HZ,
  ).optional(),
  required_cols: columnRanges({ mustInclude: PIPELINE_COLUMNS }),
  gases: columnRanges({ gasNames: true }),
  molar_masses: molarMasses().optional(),
  strategies: mapping({
    background: choice({ what: 'strategy', allowed: ['algorithm'] as const, aliases: { algorithmic: 'algorithm' }, unknownCode: 'UNKNOWN_STRATEGY' }),
    sensor: choice({ what: 'strategy', allowed: ['insitu'] as const, unknownCode: 'UNKNOWN_STRATEGY' }),
    spatial: choice({ what: 'strategy', allowed: ['curtain', 'spiral'] as const, unknownCode: 'UNKNOWN_STRATEGY' }),
    interpolation: choice({ what: 'strategy', allowed: ['kriging'] as const, unknownCode: 'UNKNOWN_STRATEGY' }),
  }),
  algorithmic_baseline_settings: mapping({
    algorithm: choice({
      what: 'baseline algorithm',
      allowed: ['fastchrom'] as const,
      unknownCode: 'INVALID_CONFIG',
      notImplemented: UNIMPLEMENTED_BASELINES,
    }),
    fastchrom: fastchrom.optional(),
  }),
  semivariogram_settings: mapping({
    model: choice({ what: 'variogram model', allowed: ['spherical', 'exponential', 'gaussian'] as const, unknownCode: 'UNSUPPORTED_OPTION' }),
    estimator: choice({ what: 'estimator', allowed: ['cressie', 'matheron'] as const, unknownCode: 'UNSUPPORTED_OPTION' }),
    n_lags: intBetween(1, WORK_BOUNDS.n_lags),
    bin_func: choice({ what: 'binning function', allowed: ['even'] as const, unknownCode: 'UNSUPPORTED_OPTION' }),
    fit_method: choice({ what: 'fit method', allowed: ['lm'] as const, unknownCode: 'UNSUPPORTED_OPTION' }),
    maxlag: positive(),
    tolerance: expect<number>('an angle in degrees, > 0 and <= 360', (v) => isNumber(v) && v > 0 && v <= 360),
    azimuth: number(),
    bandwidth: positive(),
    semivariogram_filter: expect<number | null>('a number or null', orNull(isNumber)).optional(),
  }),
  ordinary_kriging_settings: mapping({
    min_points: intAtLeast(1),
    max_points: intBetween(1, WORK_BOUNDS.max_points),
    grid_resolution: positiveAtMost(WORK_BOUNDS.grid_resolution),
    min_nodes: intBetween(2, WORK_BOUNDS.min_nodes),
    y_min: expect<number | null>('a number or null', orNull(isNumber)),
    cut_ground: boolean(),
  }),
});

/** Problems that involve two keys; checked only when both keys are individually valid. */
function crossKeyProblems(data: unknown): ConfigProblem[] {
  const kriging = isMapping(data) ? data.ordinary_kriging_settings : undefined;
  if (!isMapping(kriging)) return [];
  const { min_points: min, max_points: max } = kriging;
  if (isInt(min) && isInt(max) && min >= 1 && max < min) {
    const key = 'ordinary_kriging_settings.max_points';
    return [{ key, code: 'INVALID_CONFIG', message: `${key}: must be >= min_points (${min}), got ${max}` }];
  }
  return [];
}

/**
 * Checks a whole config (after any merge) and returns it with booleans coerced, `algorithmic` normalised and
 * `physics` and `sample_rate_hz` defaulted; extra keys are kept as they are. Returns every problem found rather than the first.
 */
export function checkConfig(data: unknown): { config: GasfluxConfig } | { problems: ConfigProblem[] } {
  const result = configSchema.safeParse(data);
  const problems = [...(result.success ? [] : result.error.issues.map(toProblem)), ...crossKeyProblems(data)];
  if (problems.length > 0 || !result.success) return { problems };
  const config = result.data as GasfluxConfig;
  config.physics ??= 'corrected';
  config.sample_rate_hz ??= DEFAULT_SAMPLE_RATE_HZ;
  return { config };
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const key = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  const code = (issue.code === 'custom' ? (issue.params?.code as ConfigProblemCode | undefined) : undefined) ?? 'INVALID_CONFIG';
  const message = key === '' ? `The config ${rootMessage(issue)}` : `${key}: ${issue.message}`;
  return { key, code, message };
}

function rootMessage(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_type' ? 'must be a mapping of settings (key: value lines)' : issue.message;
}
