/**
 * Exit codes of `gasflux-client` and the one place that turns a thrown error into a message and a code.
 * Expected failures are `CliFailure`s (a message and a code); a GasFluxClientError is the service's refusal or
 * failure; a failed fetch or websocket handshake is an unreachable service.
 */
import { GasFluxClientError } from '../sdk.js';

export const EXIT = {
  /** Done: the task completed, the listing printed, the service is healthy. */
  OK: 0,
  /** The operation failed: the task failed, the service is degraded, the thing asked for does not exist, or the service erred. */
  FAILED: 1,
  /** Bad usage, or the service refused the input (file type, size, config, subscription fields). */
  USAGE: 2,
  /** The service cannot be reached (refused, unknown host, timeout, no websocket). */
  UNREACHABLE: 3,
  /** A bug in the CLI. */
  INTERNAL: 70,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0   success (task completed and its results saved; service healthy)
  1   failure: the task failed, the service is degraded, not found, or a service error
  2   bad usage, or the service refused the input (file type, size, config, subscription)
  3   the service cannot be reached at --url`;

/** An expected failure: printed as `error: <message>` (or as given) on stderr, exits with `code`. */
export class CliFailure extends Error {
  constructor(message: string, readonly code: number, readonly printed = false) {
    super(message);
    this.name = 'CliFailure';
  }
}

export const usage = (message: string) => new CliFailure(message, EXIT.USAGE);

/** GraphQL union members and error codes that mean "your input was refused". */
const REFUSALS = new Set([
  'InvalidFileTypeError', 'EmptyFileError', 'FileTooLargeError', 'InvalidConfigError', 'InvalidPriorityError',
  'InvalidStatusError', 'InvalidMessageError', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'INVALID_INPUT',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
    if (Array.isArray((e as { errors?: unknown[] }).errors)) {
      const inner = (e as { errors: unknown[] }).errors.map(errorCode).find(Boolean);
      if (inner) return inner;
    }
  }
  return undefined;
}

/**
 * Why the service could not be reached, or undefined when `error` is something else: a fetch that failed before any
 * response, or graphql-ws giving up on a socket that never opened (it rejects with the socket's error or close event).
 */
export function unreachableReason(error: unknown): string | undefined {
  const code = errorCode(error);
  if (code) return code;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    // e.g. `bad port`: fetch refuses some ports (1, 25, …) outright.
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message ? `${error.message}: ${cause.message}` : error.message;
  }
  const event = error as { type?: unknown; code?: unknown; reason?: unknown; message?: unknown } | null;
  if (event && typeof event === 'object' && !(event instanceof Error)) {
    // ws's ErrorEvent / CloseEvent, as graphql-ws passes them on.
    if (event.type === 'error') return typeof event.message === 'string' && event.message ? event.message : 'websocket error';
    if (event.code === 1006) return 'websocket closed abnormally (1006)';
    if (typeof event.code === 'number') return `websocket closed (${event.code}${event.reason ? ` ${String(event.reason)}` : ''})`;
  }
  return undefined;
}

/** Prints `error` on stderr and returns the exit code it stands for. */
export function report(error: unknown, url: string, stderr: (line: string) => void): number {
  if (error instanceof CliFailure) {
    if (!error.printed) stderr(`error: ${error.message}`);
    return error.code;
  }
  if (error instanceof GasFluxClientError) {
    const refused = REFUSALS.has(error.code) || /^HTTP_4\d\d$/.test(error.code);
    stderr(`error: ${error.message}${error.code && error.code !== 'GRAPHQL_ERROR' ? ` (${error.code})` : ''}`);
    return refused ? EXIT.USAGE : EXIT.FAILED;
  }
  const reason = unreachableReason(error);
  if (reason !== undefined) {
    stderr(`error: cannot reach the GasFlux service at ${url} (${reason}); is it running? Set --url or GASFLUX_URL.`);
    return EXIT.UNREACHABLE;
  }
  stderr(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT.INTERNAL;
}
