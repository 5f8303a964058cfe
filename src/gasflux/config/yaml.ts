import { CORE_SCHEMA, YAMLException, dump, load, mergeTag, visit } from 'js-yaml';
import { GasfluxError } from '../errors.js';
import { toPlainData } from './plain-data.js';

export const MAX_CONFIG_BYTES = 256 * 1024;
export const MAX_CONFIG_ALIASES = 100;
const MAX_CONFIG_NESTING = 32;

// YAML 1.2 core schema, plus `<<` merge keys, which PyYAML's safe_load (the reference) also understands.
const CONFIG_SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/**
 * Parses untrusted config YAML into plain data: size-limited, alias-limited, no custom tags, and the result is
 * checked for alias expansion bombs and recursion. Does not check what the keys mean.
 */
export function parseConfigYaml(text: string): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    throw invalid(`The config is ${formatKiB(bytes)}; at most ${formatKiB(MAX_CONFIG_BYTES)} is accepted`);
  }
  let parsed: unknown;
  try {
    parsed = load(text, { schema: CONFIG_SCHEMA, maxAliases: MAX_CONFIG_ALIASES, maxDepth: MAX_CONFIG_NESTING });
  } catch (error) {
    throw invalid(describeYamlError(error));
  }
  return toPlainData(parsed);
}

/**
 * YAML for the effective config (`<stem>_config.yaml`): block style, keys sorted at every level like PyYAML's
 * default dump, no anchors, strings quoted where another YAML reader might take them for something else.
 */
export function dumpConfigYaml(config: unknown): string {
  return dump(config, {
    noRefs: true,
    lineWidth: -1,
    transform: (documents) =>
      visit(documents, (node) => {
        if (node.kind === 'mapping') node.items.sort((a, b) => compareText(keyText(a.key), keyText(b.key)));
      }),
  });
}

function keyText(node: { kind: string; value?: unknown }): string {
  return node.kind === 'scalar' ? String(node.value) : '';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describeYamlError(error: unknown): string {
  if (!(error instanceof YAMLException)) return `The config could not be read as YAML: ${String(error)}`;
  if (/maxAliases/.test(error.reason)) {
    return `The config uses more than ${MAX_CONFIG_ALIASES} aliases (*name), which is not allowed`;
  }
  if (/empty/.test(error.reason)) return 'The config is empty: it must be a YAML mapping of settings';
  const where = error.mark ? ` (line ${error.mark.line + 1}, column ${error.mark.column + 1})` : '';
  return `The config is not valid YAML: ${error.reason}${where}`;
}

function formatKiB(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} kB`;
}

function invalid(message: string): GasfluxError {
  return new GasfluxError('INVALID_CONFIG', 'config', message);
}
