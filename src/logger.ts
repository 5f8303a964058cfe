import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { AppConfig } from './config.js';

export type { Logger };

/** JSON lines to stdout and, when configured, to the log file. Task loggers are children with `task_id`. */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'logFile'>, options: { quiet?: boolean } = {}): Logger {
  const streams: pino.StreamEntry[] = [];
  if (!options.quiet) streams.push({ level: config.logLevel, stream: process.stdout });
  if (config.logFile) {
    mkdirSync(dirname(config.logFile), { recursive: true });
    streams.push({ level: config.logLevel, stream: pino.destination({ dest: config.logFile, sync: false }) });
  }
  return pino(
    {
      level: config.logLevel,
      base: { service: 'gasflux-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'mongodbUri'], censor: '***' },
    },
    pino.multistream(streams),
  );
}
