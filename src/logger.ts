import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { AppConfig } from './config.js';

export type { Logger };

/**
 * Log lines to stdout and, when configured, to the log file: pino's JSON lines (`GASFLUX_LOG_FORMAT=json`, the
 * default) or the web API doc's text lines (`text`). Task loggers are children with `task_id`; every line about a task
 * also carries `task:<id>` (the JSON `task` field, the text `[task:<id>]` part), so `grep "task:<id>"` finds them all.
 */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'logFile' | 'logFormat'>, options: { quiet?: boolean } = {}): Logger {
  const format = (stream: FlushableStream) => (config.logFormat === 'text' ? asTextLines(stream) : stream);
  const streams: pino.StreamEntry[] = [];
  if (!options.quiet) streams.push({ level: config.logLevel, stream: format(process.stdout) });
  if (config.logFile) {
    mkdirSync(dirname(config.logFile), { recursive: true });
    streams.push({ level: config.logLevel, stream: format(pino.destination({ dest: config.logFile, sync: false })) });
  }
  return pino(
    {
      level: config.logLevel,
      base: { service: 'gasflux-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The line's own task_id, else a child logger's (children's bindings skip the formatters).
      mixin: (fields: { task_id?: unknown }, _level, logger) => taskTag(fields.task_id ?? logger.bindings().task_id),
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'mongodbUri'], censor: '***' },
    },
    pino.multistream(streams),
  );
}

/** One answered HTTP request, as the request log shows it. */
export interface RequestLine {
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The task the request concerns, when it concerns one. */
  taskId: string | null;
}

/** The field holding a request line's figures; the text format leaves it out because the message already says it all. */
const REQUEST_FIELD = 'request';

/** `POST /upload - 202 - 2.34s`, at INFO, with the figures in `request` and the task, if any, in `task_id`. */
export function logRequest(log: Logger, line: RequestLine): void {
  const figures = { method: line.method, path: line.path, status: line.status, duration_ms: Math.round(line.ms * 100) / 100 };
  log.info(
    { ...(line.taskId ? { task_id: line.taskId } : {}), [REQUEST_FIELD]: figures },
    `${line.method} ${line.path} - ${line.status} - ${(line.ms / 1000).toFixed(2)}s`,
  );
}

function taskTag(taskId: unknown): { task?: string } {
  return typeof taskId === 'string' ? { task: `task:${taskId}` } : {};
}

type FlushableStream = pino.DestinationStream & { flushSync?: () => void };

function asTextLines(stream: FlushableStream): FlushableStream {
  return { write: (line: string) => stream.write(textLine(line)), flushSync: () => stream.flushSync?.() };
}

/** Python logging's level names, which the doc's lines use. */
const LEVEL_NAMES: Record<string, string> = { trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' };
/** Fields a text line shows in its fixed parts (or not at all). */
const NOT_LISTED = new Set(['time', 'level', 'msg', 'service', 'task_id', 'task', REQUEST_FIELD]);

/**
 * `2026-01-14 10:30:15,123 - INFO - [task:abc123] message key=value …` from one JSON line (local time, like Python's
 * asctime); an error's stack follows on the next lines.
 */
export function textLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json);
  } catch {
    return json;
  }
  const tag = typeof record.task_id === 'string' ? `[task:${record.task_id}] ` : '';
  const extras = Object.entries(record)
    .filter(([key]) => !NOT_LISTED.has(key))
    .map(([key, value]) => ` ${key}=${textValue(value)}`)
    .join('');
  const stack = (record.err as { stack?: unknown } | undefined)?.stack;
  const level = LEVEL_NAMES[String(record.level)] ?? String(record.level).toUpperCase();
  return `${asctime(new Date(String(record.time)))} - ${level} - ${tag}${record.msg ?? ''}${extras}${typeof stack === 'string' ? `\n${stack}` : ''}\n`;
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  // An error's message here; its stack goes on the lines after.
  if (value && typeof value === 'object' && 'message' in value && 'stack' in value) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

function asctime(date: Date): string {
  if (Number.isNaN(date.getTime())) date = new Date();
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(date.getMilliseconds(), 3)}`
  );
}
