/** What GET /config (and GraphQL `config`) shows: the effective settings and every supported variable, secrets masked. */
import { DOCUMENTED_VARIABLES, EXTRA_VARIABLES, type AppConfig } from '../config.js';

export interface ServiceConfigReport {
  configuration: {
    host: string;
    port: number;
    debug: boolean;
    baseDir: string;
    uploadFolder: string;
    outputFolder: string;
    maxContentLength: number;
    logLevel: string;
    logFile: string | null;
    corsOrigins: string[];
    taskCleanupInterval: number;
    maxTaskAge: number;
    threads: number;
    connectionLimit: number;
    channelTimeout: number;
  };
  environmentVariables: { name: string; value: string | null; defaultValue: string; documented: boolean }[];
}

export function serviceConfigReport(config: AppConfig): ServiceConfigReport {
  const variables = { ...DOCUMENTED_VARIABLES, ...EXTRA_VARIABLES };
  return {
    configuration: {
      host: config.host,
      port: config.port,
      debug: config.debug,
      baseDir: config.baseDir,
      uploadFolder: config.uploadFolder,
      outputFolder: config.outputFolder,
      maxContentLength: config.maxContentLength,
      logLevel: config.logLevelName,
      logFile: config.logFile,
      corsOrigins: config.corsOrigins,
      taskCleanupInterval: config.taskCleanupInterval,
      maxTaskAge: config.maxTaskAge,
      threads: config.threads,
      connectionLimit: config.connectionLimit,
      channelTimeout: config.channelTimeout,
    },
    // setVariables already holds MONGODB_URI with its password masked.
    environmentVariables: Object.entries(variables).map(([name, defaultValue]) => ({
      name,
      value: config.setVariables[name] ?? null,
      defaultValue,
      documented: name in DOCUMENTED_VARIABLES,
    })),
  };
}
