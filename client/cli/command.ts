/** What every `gasflux-client` command gets, how one is declared, and the small argument checks they share. */
import type { ParseArgsConfig } from 'node:util';
import type { GasFluxClient } from '../sdk.js';
import { usage } from './exit.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (live progress is redrawn in place there). */
  tty: boolean;
  columns?: number;
}

export interface Context {
  client: GasFluxClient;
  url: string;
  json: boolean;
  io: Io;
  /** Aborted on Ctrl-C (SIGINT). */
  signal: AbortSignal;
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** The command's --help text (the global options and exit codes are appended). */
  help: string;
  options: Options;
  run(ctx: Context, values: Values, positionals: string[]): Promise<number>;
}

export function oneOf<T extends string>(name: string, value: string, allowed: readonly T[], normalise = (v: string) => v.toLowerCase()): T {
  const v = normalise(value);
  if (!(allowed as readonly string[]).includes(v)) throw usage(`--${name} must be one of ${allowed.join(', ')} (got '${value}')`);
  return v as T;
}

/** A page size: 1 to 100 (the API's limit). */
export function limit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw usage(`--limit must be a whole number from 1 to 100 (got '${String(value)}')`);
  return n;
}

/** Repeated and comma-separated values of a `multiple` option, flattened. */
export function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Prints a value as indented JSON on stdout. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}
