/**
 * The one place that reads the environment. Every variable of the web API doc's appendix, with its defaults, plus
 * MONGODB_URI and a few of our own. All problems are reported at once.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v, ctx) => {
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: `expected true or false, got '${v}'` });
    return z.NEVER;
  });
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** `["*"]`, `*`, or a comma-separated list. */
const origins = z.string().transform((v, ctx) => {
  const text = v.trim();
  if (text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((o) => typeof o === 'string')) return parsed as string[];
    } catch {
      /* reported below */
    }
    ctx.addIssue({ code: 'custom', message: 'expected a JSON list of origins or a comma-separated list' });
    return z.NEVER;
  }
  return text.split(',').map((o) => o.trim()).filter(Boolean);
});

const logLevel = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.enum(['DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR', 'CRITICAL']));

/** The documented variables, in the doc's order, with the doc's defaults. */
export const DOCUMENTED_VARIABLES = {
  GASFLUX_HOST: '0.0.0.0',
  GASFLUX_PORT: '5000',
  GASFLUX_DEBUG: 'false',
  GASFLUX_UPLOAD_FOLDER: 'web_api_data/uploads',
  GASFLUX_OUTPUT_FOLDER: 'web_api_data/outputs',
  GASFLUX_MAX_CONTENT_LENGTH: '104857600',
  GASFLUX_LOG_LEVEL: 'INFO',
  GASFLUX_LOG_FILE: 'logs/gasflux_api.log',
  GASFLUX_CORS_ORIGINS: '["*"]',
  GASFLUX_TASK_CLEANUP_INTERVAL: '3600',
  GASFLUX_MAX_TASK_AGE: '86400',
  GASFLUX_THREADS: '8',
  GASFLUX_CONNECTION_LIMIT: '100',
  GASFLUX_CHANNEL_TIMEOUT: '300',
} as const;

/** Ours, beyond the doc. */
export const EXTRA_VARIABLES = {
  MONGODB_URI: '',
  MONGODB_DB: 'gasflux',
  GASFLUX_DATABASE_FOLDER: 'web_api_data/database',
  GASFLUX_JOB_LOCK_LIFETIME: '60',
  GASFLUX_EVENT_BUS: 'auto',
  GASFLUX_LOG_FORMAT: 'json',
  GASFLUX_FLIGHT_MEMORY_MB: '2048',
  GASFLUX_FLIGHT_TIMEOUT: '1800',
  GASFLUX_MAX_ATTEMPTS: '3',
  WIS2_PORT: '5002',
  WIS2_DATA_FOLDER: 'web_api_data/wis2/downloads',
  WIS2_SECRET_KEY_FILE: 'web_api_data/wis2/secret.key',
  WIS2_VALIDATE_TOPICS: 'true',
  WIS2_BROKER_URL: 'wss://globalbroker.meteo.fr:443/mqtt',
  WIS2_BROKER_USERNAME: 'everyone',
  WIS2_BROKER_PASSWORD: 'everyone',
  WIS2_MQTT_SESSION_ID: '',
  WIS2_ALLOW_PRIVATE_NETWORKS: 'false',
  WIS2_GC_EXCLUDE: '',
  // Bounds of the HTTP ports beyond the doc (README "Limits"). Websockets do not count against GASFLUX_CONNECTION_LIMIT.
  GASFLUX_HEADERS_TIMEOUT_MS: '10000',
  GASFLUX_WS_MAX_CONNECTIONS: '1000',
  GASFLUX_WS_MAX_PER_CLIENT: '50',
  GASFLUX_WS_INIT_TIMEOUT_MS: '3000',
  GASFLUX_WS_PING_INTERVAL_MS: '12000',
  GASFLUX_MAX_FORM_PARTS: '30',
  GASFLUX_GRAPHQL_MAX_TOKENS: '5000',
  GASFLUX_GRAPHQL_MAX_DEPTH: '12',
  GASFLUX_GRAPHQL_MAX_ALIASES: '30',
  WIS2_MAX_MESSAGE_BYTES: '262144',
  WIS2_RECORD_RETENTION_DAYS: '30',
  WIS2_MAX_DOWNLOAD_BYTES: '1073741824',
} as const;

/** Variables whose values GET /config never shows in clear. */
const SECRET_VARIABLES = new Set(['WIS2_BROKER_PASSWORD']);
const URI_VARIABLES = new Set(['MONGODB_URI', 'WIS2_BROKER_URL']);

/** `none` / empty, or a comma-separated list of mqtt(s):// or ws(s):// URLs (credentials in them allowed). */
const brokerUrls = z.string().transform((v, ctx) => {
  const text = v.trim();
  if (text === '' || text.toLowerCase() === 'none') return [] as string[];
  const urls = text.split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of urls) {
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      /* reported below */
    }
    if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(protocol)) {
      ctx.addIssue({ code: 'custom', message: `expected mqtt://, mqtts://, ws:// or wss:// URLs (or none), got '${redactUri(url)}'` });
      return z.NEVER;
    }
  }
  return urls;
});

const schema = z.object({
  GASFLUX_HOST: z.string().trim().min(1),
  GASFLUX_PORT: int(0, 65535),
  GASFLUX_DEBUG: bool,
  GASFLUX_UPLOAD_FOLDER: z.string().trim().min(1),
  GASFLUX_OUTPUT_FOLDER: z.string().trim().min(1),
  GASFLUX_MAX_CONTENT_LENGTH: int(1),
  GASFLUX_LOG_LEVEL: logLevel,
  GASFLUX_LOG_FILE: z.string().trim(),
  GASFLUX_CORS_ORIGINS: origins,
  GASFLUX_TASK_CLEANUP_INTERVAL: int(1),
  GASFLUX_MAX_TASK_AGE: int(1),
  GASFLUX_THREADS: int(1, 256),
  GASFLUX_CONNECTION_LIMIT: int(1),
  GASFLUX_CHANNEL_TIMEOUT: int(1),
  MONGODB_URI: z
    .string()
    .trim()
    .refine((v) => v === '' || /^mongodb(\+srv)?:\/\//.test(v), 'expected a mongodb:// or mongodb+srv:// URI'),
  MONGODB_DB: z.string().trim().regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ or - (at most 63)'),
  GASFLUX_DATABASE_FOLDER: z.string().trim().min(1),
  GASFLUX_JOB_LOCK_LIFETIME: int(1),
  GASFLUX_EVENT_BUS: z.enum(['auto', 'memory', 'mongodb']),
  GASFLUX_LOG_FORMAT: z.string().trim().toLowerCase().pipe(z.enum(['json', 'text'])),
  GASFLUX_FLIGHT_MEMORY_MB: int(128, 1_048_576),
  GASFLUX_FLIGHT_TIMEOUT: int(1),
  GASFLUX_MAX_ATTEMPTS: int(1, 100),
  WIS2_PORT: int(0, 65535),
  WIS2_DATA_FOLDER: z.string().trim().min(1),
  WIS2_SECRET_KEY_FILE: z.string().trim().min(1),
  WIS2_VALIDATE_TOPICS: bool,
  WIS2_BROKER_URL: brokerUrls,
  WIS2_BROKER_USERNAME: z.string(),
  WIS2_BROKER_PASSWORD: z.string(),
  WIS2_MQTT_SESSION_ID: z.string().trim().regex(/^[A-Za-z0-9_.:-]{0,64}$/, 'letters, digits, _ . : or - (at most 64)'),
  WIS2_ALLOW_PRIVATE_NETWORKS: bool,
  WIS2_GC_EXCLUDE: z.string().transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean)),
  GASFLUX_HEADERS_TIMEOUT_MS: int(100, 3_600_000),
  GASFLUX_WS_MAX_CONNECTIONS: int(1),
  GASFLUX_WS_MAX_PER_CLIENT: int(0),
  GASFLUX_WS_INIT_TIMEOUT_MS: int(100, 3_600_000),
  GASFLUX_WS_PING_INTERVAL_MS: int(100, 3_600_000),
  GASFLUX_MAX_FORM_PARTS: int(2, 10_000),
  GASFLUX_GRAPHQL_MAX_TOKENS: int(100, 1_000_000),
  GASFLUX_GRAPHQL_MAX_DEPTH: int(2, 1000),
  GASFLUX_GRAPHQL_MAX_ALIASES: int(0, 100_000),
  WIS2_MAX_MESSAGE_BYTES: int(1024, 64 * 1024 * 1024),
  WIS2_RECORD_RETENTION_DAYS: int(1, 36_500),
  WIS2_MAX_DOWNLOAD_BYTES: int(1),
});

export type Role = 'api' | 'worker' | 'all';

export interface AppConfig {
  host: string;
  port: number;
  debug: boolean;
  baseDir: string;
  uploadFolder: string;
  outputFolder: string;
  maxContentLength: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** The level as written in the environment (reported by GET /config). */
  logLevelName: string;
  logFile: string | null;
  /** `json`: pino's JSON lines; `text`: the web API doc's `2026-01-14 10:30:15,123 - INFO - [task:…] …` lines. */
  logFormat: 'json' | 'text';
  corsOrigins: string[];
  /** Seconds. */
  taskCleanupInterval: number;
  /** Seconds. */
  maxTaskAge: number;
  /** How many flights are processed at once by a worker. */
  threads: number;
  /** HTTP connections at once per port (waitress' connection_limit); upgraded sockets (websockets) are not counted. */
  connectionLimit: number;
  /** Seconds of inactivity before an HTTP connection is closed. */
  channelTimeout: number;
  /** Milliseconds a client has to send a request's headers; slower connections get 408 and are closed. */
  headersTimeoutMs: number;
  /** The graphql-ws websockets of the GasFlux port (their own bounds, apart from connectionLimit). */
  websockets: {
    /** Websockets open at once; the next upgrade is answered 503. */
    maxConnections: number;
    /** Websockets open at once from one client address; the next is answered 429. 0: no per-client bound. */
    maxPerClient: number;
    /** Milliseconds to send `connection_init` after the upgrade; then the socket is closed with 4408. */
    initTimeoutMs: number;
    /** Milliseconds between pings; a socket that has not answered a ping by the next one is terminated. */
    pingIntervalMs: number;
  };
  /** Parts (files and fields) of one multipart request, REST or GraphQL; more is refused with 400. */
  maxFormParts: number;
  /** What one GraphQL operation may cost before it runs (over HTTP and websockets alike). */
  graphqlLimits: { maxTokens: number; maxDepth: number; maxAliases: number };
  mongodbUri: string | null;
  mongodbDb: string;
  /** SQLite files of the bundled FerretDB, used when mongodbUri is null. */
  databaseFolder: string;
  /** Seconds an Agenda job lock lives without a touch before another worker may take the job over. */
  jobLockLifetime: number;
  /** How live events reach other processes: `auto` uses MongoDB when the role is not `all`. */
  eventBus: 'auto' | 'memory' | 'mongodb';
  /** The budget of one flight (its own process): resident memory (MB) and wall-clock seconds. */
  flightMemoryMb: number;
  flightTimeoutSeconds: number;
  /** Starts of one task (a crashed or timed-out worker's run counts) before it is failed. */
  maxAttempts: number;
  /** The WIS2 downloader's subscription API (its own port, same host) and storage. */
  wis2: {
    port: number;
    /** The data root every subscription `target` is confined to. */
    dataFolder: string;
    /** 32 random bytes (base64) encrypting stored credentials; created with mode 0600 when absent. */
    secretKeyFile: string;
    /** Check the WIS2 topic shape on top of MQTT syntax (spec §2.6). */
    validateTopics: boolean;
    /** Global Broker URLs (empty: no MQTT); credentials in a URL win over username/password. */
    brokerUrls: string[];
    brokerUsername: string;
    brokerPassword: string;
    /** Basis of the stable MQTT client ids (persistent sessions survive restarts); one per worker process. */
    mqttSessionId: string;
    /** Let downloads reach loopback and private addresses (closed networks, tests). */
    allowPrivateNetworks: boolean;
    /** GC_EXCLUDE: download hosts never used. */
    excludedCaches: string[];
    /** An MQTT notification larger than this is dropped unparsed (counted as invalid). */
    maxMessageBytes: number;
    /** A download larger than this fails (declared larger: before any byte is fetched). */
    maxDownloadBytes: number;
    /** Download records (wis2_downloads) older than this many days are removed. */
    recordRetentionDays: number;
  };
  role: Role;
  /** The raw values of every supported variable that is set (for GET /config). */
  setVariables: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LEVELS: Record<string, AppConfig['logLevel']> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
};

/** Builds the config from an environment (process.env in main.ts; a plain object in tests). */
export function loadConfig(env: Record<string, string | undefined>, options: { role?: Role; baseDir?: string } = {}): AppConfig {
  const defaults: Record<string, string> = { ...DOCUMENTED_VARIABLES, ...EXTRA_VARIABLES };
  const input: Record<string, string> = {};
  const setVariables: Record<string, string> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    input[key] = value ?? defaults[key];
    if (value !== undefined) setVariables[key] = SECRET_VARIABLES.has(key) ? '***' : URI_VARIABLES.has(key) ? redactUri(value) : value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const shown = (key: string) => (SECRET_VARIABLES.has(key) ? '***' : URI_VARIABLES.has(key) ? redactUri(input[key]) : input[key]);
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (got '${shown(String(issue.path[0]))}')`));
  }
  const v = parsed.data;
  const baseDir = options.baseDir ?? process.cwd();
  const abs = (p: string) => resolve(baseDir, p);
  return {
    host: v.GASFLUX_HOST,
    port: v.GASFLUX_PORT,
    debug: v.GASFLUX_DEBUG,
    baseDir,
    uploadFolder: abs(v.GASFLUX_UPLOAD_FOLDER),
    outputFolder: abs(v.GASFLUX_OUTPUT_FOLDER),
    maxContentLength: v.GASFLUX_MAX_CONTENT_LENGTH,
    logLevel: v.GASFLUX_DEBUG ? 'debug' : LEVELS[v.GASFLUX_LOG_LEVEL],
    logLevelName: v.GASFLUX_LOG_LEVEL,
    logFile: v.GASFLUX_LOG_FILE === '' ? null : abs(v.GASFLUX_LOG_FILE),
    logFormat: v.GASFLUX_LOG_FORMAT,
    corsOrigins: v.GASFLUX_CORS_ORIGINS,
    taskCleanupInterval: v.GASFLUX_TASK_CLEANUP_INTERVAL,
    maxTaskAge: v.GASFLUX_MAX_TASK_AGE,
    threads: v.GASFLUX_THREADS,
    connectionLimit: v.GASFLUX_CONNECTION_LIMIT,
    channelTimeout: v.GASFLUX_CHANNEL_TIMEOUT,
    headersTimeoutMs: v.GASFLUX_HEADERS_TIMEOUT_MS,
    websockets: {
      maxConnections: v.GASFLUX_WS_MAX_CONNECTIONS,
      maxPerClient: v.GASFLUX_WS_MAX_PER_CLIENT,
      initTimeoutMs: v.GASFLUX_WS_INIT_TIMEOUT_MS,
      pingIntervalMs: v.GASFLUX_WS_PING_INTERVAL_MS,
    },
    maxFormParts: v.GASFLUX_MAX_FORM_PARTS,
    graphqlLimits: { maxTokens: v.GASFLUX_GRAPHQL_MAX_TOKENS, maxDepth: v.GASFLUX_GRAPHQL_MAX_DEPTH, maxAliases: v.GASFLUX_GRAPHQL_MAX_ALIASES },
    mongodbUri: v.MONGODB_URI === '' ? null : v.MONGODB_URI,
    mongodbDb: v.MONGODB_DB,
    databaseFolder: abs(v.GASFLUX_DATABASE_FOLDER),
    jobLockLifetime: v.GASFLUX_JOB_LOCK_LIFETIME,
    eventBus: v.GASFLUX_EVENT_BUS,
    flightMemoryMb: v.GASFLUX_FLIGHT_MEMORY_MB,
    flightTimeoutSeconds: v.GASFLUX_FLIGHT_TIMEOUT,
    maxAttempts: v.GASFLUX_MAX_ATTEMPTS,
    wis2: {
      port: v.WIS2_PORT,
      dataFolder: abs(v.WIS2_DATA_FOLDER),
      secretKeyFile: abs(v.WIS2_SECRET_KEY_FILE),
      validateTopics: v.WIS2_VALIDATE_TOPICS,
      brokerUrls: v.WIS2_BROKER_URL,
      brokerUsername: v.WIS2_BROKER_USERNAME,
      brokerPassword: v.WIS2_BROKER_PASSWORD,
      mqttSessionId: v.WIS2_MQTT_SESSION_ID || `gasflux-wis2-${hostname()}`,
      allowPrivateNetworks: v.WIS2_ALLOW_PRIVATE_NETWORKS,
      excludedCaches: v.WIS2_GC_EXCLUDE,
      maxMessageBytes: v.WIS2_MAX_MESSAGE_BYTES,
      maxDownloadBytes: v.WIS2_MAX_DOWNLOAD_BYTES,
      recordRetentionDays: v.WIS2_RECORD_RETENTION_DAYS,
    },
    role: options.role ?? 'all',
    setVariables,
  };
}

/** A URI with any password replaced, safe to log or show. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]*)@/g, '//$1:***@');
}
