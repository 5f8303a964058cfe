/**
 * One node:http server: `/graphql` goes to Yoga (HTTP, SSE and, through the upgrade, graphql-ws); the web page's
 * paths (when a `web` handler is given) to it; everything else to the REST router. Every answered request is counted
 * for /health and /stats and logged (`POST /upload - 202 - 2.34s`, with the task it concerns).
 *
 * Bounds: at most GASFLUX_CONNECTION_LIMIT HTTP connections at once, counting only HTTP: a socket handed to the
 * `upgrade` handler (a websocket, with its own limits in src/graphql/server.ts) leaves the count. A connection over
 * the limit is dropped by Node, and idle keep-alive connections are closed then to make room. Request headers must
 * arrive within GASFLUX_HEADERS_TIMEOUT_MS (else 408 and close), checked every second, so slow-header clients cannot
 * hold the slots either.
 *
 * Also here, for every port's router: the checks of a request's path encoding and of the Origin of state-changing
 * requests (each router answers them in its own error style).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { AppConfig } from '../config.js';
import { isTaskId } from '../domain/task.js';
import type { RequestStats } from '../infra/request-stats.js';
import { logRequest, type Logger } from '../logger.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A handler that owns a fixed set of paths (the web page: src/http/web-ui.ts). */
export interface PathsHandler {
  paths: ReadonlySet<string>;
  handle: NodeHandler;
}

/** Takes over an upgraded socket (`server.on('upgrade')`). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpServer {
  server: http.Server;
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish for `graceMs`, then destroys what is left. */
  close(graceMs: number): Promise<void>;
}

const notedTasks = new WeakMap<ServerResponse, string>();

/** Tells the request log which task a request concerns when its path does not say (the task POST /upload created). */
export function noteRequestTask(res: ServerResponse, taskId: string): void {
  notedTasks.set(res, taskId);
}

/** The task of `/task/{id}` and `/download/{id}/…`, or the one a handler noted. */
function requestTask(path: string, res: ServerResponse): string | null {
  const noted = notedTasks.get(res);
  if (noted) return noted;
  const match = /^\/(?:task|download)\/(.+)$/.exec(path);
  if (!match) return null;
  let rest: string;
  try {
    rest = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  const id = rest.split('/')[0];
  return isTaskId(id) ? id : null;
}

/** The path as sent, without the query string: percent-encoded, never normalised. */
function sentPath(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0];
  if (path.startsWith('/')) return path;
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/[^?#]*)?/i.exec(path)?.[1] ?? '/'; // absolute-form
}

/**
 * Does the request path decode (`%ff` or an overlong `%c0%ae` does not)? Routers answer 400 when it does not, before
 * routing, so no handler (nor fets' parameter decoding) meets it.
 */
export function pathDecodes(req: IncomingMessage): boolean {
  try {
    decodeURIComponent(sentPath(req));
    return true;
  } catch {
    return false;
  }
}

/** Methods a browser may send cross-site to change something (forms POST; scripts anything after a CORS preflight). */
export function changesState(method: string | undefined): boolean {
  const m = (method ?? 'GET').toUpperCase();
  return m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS';
}

/** `scheme://host[:port]` as the URL standard serialises it (default ports dropped), or null. */
function serialisedOrigin(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** This server's origin as the client addressed it: the Host header, with https when TLS (or a proxy's X-Forwarded-Proto) says so. */
function requestOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (!host) return null;
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase();
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : forwarded === 'https' || forwarded === 'http' ? forwarded : 'http';
  return serialisedOrigin(`${scheme}://${host}`);
}

/**
 * May this request change state (or open a websocket), judged by its Origin header? Yes when there is none (curl, the
 * SDK in Node, Python and axios clients send none), when it is this server's own origin (Host header and scheme), or
 * when `allowed` (GASFLUX_CORS_ORIGINS) lists it explicitly. A `*` entry lets any origin READ (CORS) but never write.
 * Returns the refused origin, or null when allowed.
 */
export function refusedOrigin(req: IncomingMessage, allowed: readonly string[]): string | null {
  const header = req.headers.origin;
  if (header === undefined) return null;
  const origin = serialisedOrigin(header); // `null` (sandboxed frames, file://) and junk never match
  if (origin !== null && origin === requestOrigin(req)) return null;
  if (origin !== null && allowed.some((entry) => entry !== '*' && serialisedOrigin(entry) === origin)) return null;
  return header;
}

/** How often Node checks for requests whose headers (or whole request) are overdue (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1000;

export function createHttpServer(
  handlers: { graphql?: NodeHandler; graphqlPath?: string; web?: PathsHandler; rest: NodeHandler; upgrade?: UpgradeHandler },
  options: {
    config: Pick<AppConfig, 'connectionLimit' | 'channelTimeout' | 'headersTimeoutMs'>;
    stats: RequestStats;
    log: Logger;
    onError: (error: unknown) => void;
  },
): HttpServer {
  const sockets = new Set<Socket>();
  const server = http.createServer({ connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, options.config.headersTimeoutMs) }, (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    res.once('finish', () => {
      const method = req.method ?? 'GET';
      const ms = performance.now() - started;
      options.stats.record(method, path, res.statusCode, ms);
      logRequest(options.log, { method, path, status: res.statusCode, ms, taskId: requestTask(path, res) });
    });
    const handler =
      handlers.graphql && path === handlers.graphqlPath
        ? handlers.graphql
        : handlers.web?.paths.has(path)
          ? handlers.web.handle
          : handlers.rest;
    Promise.resolve(handler(req, res)).catch((error) => {
      options.onError(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ code: 500, message: '服务器内部错误', data: {} }));
      } else res.destroy();
    });
  });
  // Node counts every accepted socket against maxConnections, upgraded ones too; raising the limit by the number of
  // upgraded sockets open keeps GASFLUX_CONNECTION_LIMIT for HTTP alone.
  const httpLimit = options.config.connectionLimit;
  let upgraded = 0;
  server.maxConnections = httpLimit;
  server.keepAliveTimeout = options.config.channelTimeout * 1000;
  server.requestTimeout = options.config.channelTimeout * 1000;
  server.headersTimeout = Math.min(options.config.headersTimeoutMs, server.requestTimeout);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // At the limit Node drops the new connection. Keep-alive connections with no request in flight would hold their
  // slots for GASFLUX_CHANNEL_TIMEOUT (300 s); closing them then makes room for the client's next attempt.
  server.on('drop', () => server.closeIdleConnections());
  if (handlers.upgrade) {
    const upgrade = handlers.upgrade;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgraded += 1;
      server.maxConnections = httpLimit + upgraded;
      socket.once('close', () => {
        upgraded -= 1;
        server.maxConnections = httpLimit + upgraded;
      });
      upgrade(req, socket, head);
    });
  }

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as { port: number }).port);
        });
      }),
    close: (graceMs) =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs).unref();
      }),
  };
}
