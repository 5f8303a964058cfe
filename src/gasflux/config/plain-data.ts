import { GasfluxError } from '../errors.js';

export interface PlainDataLimits {
  /** Most values (mappings, lists and scalars) allowed once aliases are expanded. */
  maxValues: number;
  /** Deepest nesting allowed. */
  maxDepth: number;
}

export const CONFIG_DATA_LIMITS: PlainDataLimits = { maxValues: 10_000, maxDepth: 32 };

/**
 * A deep copy of parsed config data made only of plain mappings, lists, strings, numbers, booleans and null.
 * YAML aliases come out of the parser as shared references, so a small file can describe an exponentially
 * large tree ("billion laughs"); counting values while copying stops that before anything walks the tree
 * again, and the copy no longer shares references. Keys that are `undefined` are dropped.
 */
export function toPlainData(value: unknown, limits: PlainDataLimits = CONFIG_DATA_LIMITS): unknown {
  let count = 0;
  const ancestors = new Set<object>();

  const copy = (node: unknown, path: string, depth: number): unknown => {
    if (++count > limits.maxValues) {
      throw configError(
        `The config is too large: it holds more than ${limits.maxValues} values once its aliases (*name) are expanded`,
        path,
      );
    }
    if (node === null || typeof node === 'string' || typeof node === 'boolean' || typeof node === 'number') {
      return node;
    }
    if (typeof node !== 'object') throw configError(`${label(path)}: unsupported value of type ${typeof node}`, path);
    if (depth > limits.maxDepth) {
      throw configError(`The config is nested more than ${limits.maxDepth} levels deep`, path);
    }
    if (ancestors.has(node)) throw configError(`${label(path)}: a recursive alias refers to itself`, path);
    ancestors.add(node);
    try {
      if (Array.isArray(node)) return node.map((item, i) => copy(item, `${path}[${i}]`, depth + 1));
      const proto = Object.getPrototypeOf(node);
      if (proto !== Object.prototype && proto !== null) {
        throw configError(`${label(path)}: unsupported value (${describeObject(node)})`, path);
      }
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        const childPath = path ? `${path}.${key}` : key;
        if (key === '__proto__') throw configError(`${childPath}: the key '__proto__' is not allowed`, childPath);
        if (child === undefined) continue;
        out[key] = copy(child, childPath, depth + 1);
      }
      return out;
    } finally {
      ancestors.delete(node);
    }
  };

  return copy(value, '', 0);
}

function label(path: string): string {
  return path === '' ? 'The config' : path;
}

function describeObject(node: object): string {
  return node.constructor?.name ?? 'object';
}

function configError(message: string, path: string): GasfluxError {
  return new GasfluxError('INVALID_CONFIG', 'config', message, path ? { key: path } : {});
}
