import { GasfluxError } from '../errors.js';
import { defaultConfig } from './defaults.js';
import { deepMerge } from './merge.js';
import { templateWindowKeys } from './sample-windows.js';
import { toPlainData } from './plain-data.js';
import { type ConfigProblem, checkConfig, show, toBoolean } from './schema.js';
import type { ResolvedConfig } from './types.js';
import { parseConfigYaml } from './yaml.js';

export { dumpConfigYaml } from './yaml.js';

export interface ResolveConfigInput {
  /** The user's config file as text (untrusted). */
  yaml?: string;
  /** The user's config as already-parsed data (untrusted), instead of `yaml`. */
  object?: unknown;
  /** Use the user's config as the whole config (the reference's behaviour) instead of merging it over the defaults. */
  complete?: boolean;
}

/**
 * The effective config for a run. Without a user config: the defaults. Otherwise the user's config is parsed
 * safely, deep-merged over the defaults (or taken whole with `complete`), and checked; every problem found is
 * reported in one GasfluxError (INVALID_CONFIG, or UNKNOWN_STRATEGY / UNSUPPORTED_OPTION when all problems are
 * of that kind), stage `config`.
 */
export function resolveConfig(input: ResolveConfigInput = {}): ResolvedConfig {
  if (input.yaml !== undefined && input.object !== undefined) {
    throw new TypeError('resolveConfig: give either yaml or object, not both');
  }
  const user = input.yaml !== undefined ? parseConfigYaml(input.yaml) : input.object !== undefined ? toPlainData(input.object) : undefined;
  if (user === undefined) {
    return {
      config: defaultConfig(),
      requiredGases: [],
      source: 'defaults',
      explicitCutGround: false,
      templateWindows: templateWindowKeys(undefined, 'defaults'),
      explicitSampleRate: false,
      warnings: [],
    };
  }
  if (!isMapping(user)) {
    throw new GasfluxError(
      'INVALID_CONFIG',
      'config',
      `Invalid config: it must be a mapping of settings (key: value lines), got ${show(user)}`,
    );
  }

  const complete = input.complete === true;
  const checked = checkConfig(complete ? user : deepMerge(defaultConfig(), user));
  if ('problems' in checked) throw problemsError(checked.problems);
  const { config } = checked;

  const userKriging = user.ordinary_kriging_settings;
  return {
    config,
    requiredGases: complete ? Object.keys(config.gases) : isMapping(user.gases) ? Object.keys(user.gases) : [],
    source: complete ? 'complete' : 'merged',
    explicitCutGround: complete
      ? config.ordinary_kriging_settings.cut_ground
      : isMapping(userKriging) && toBoolean(userKriging.cut_ground) === true,
    templateWindows: templateWindowKeys(user, complete ? 'complete' : 'merged'),
    explicitSampleRate: Object.hasOwn(user, 'sample_rate_hz'),
    warnings: [],
  };
}

function problemsError(problems: ConfigProblem[]): GasfluxError {
  const codes = new Set(problems.map((p) => p.code));
  const code = codes.size === 1 ? problems[0].code : 'INVALID_CONFIG';
  const message =
    problems.length === 1
      ? `Invalid config: ${problems[0].message}`
      : `Invalid config (${problems.length} problems): ${problems.map((p) => p.message).join('; ')}`;
  const key = problems[0].key;
  return new GasfluxError(code, 'config', message, key ? { key } : {});
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
