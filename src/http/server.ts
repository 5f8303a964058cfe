/**
 * One node:http server: `/graphql` goes to Yoga (HTTP, SSE and, through the upgrade, graphql-ws); the web page's
 * paths (when a `web` handler is given) to it; everything else to the REST router. Every answered request is counted
 * for /health and /stats and logged (`POST /upload - 202 - 2.34s`, with the task it concerns).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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

export function createHttpServer(
  handlers: { graphql?: NodeHandler; graphqlPath?: string; web?: PathsHandler; rest: NodeHandler },
  options: { config: Pick<AppConfig, 'connectionLimit' | 'channelTimeout'>; stats: RequestStats; log: Logger; onError: (error: unknown) => void },
): HttpServer {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
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
  server.maxConnections = options.config.connectionLimit;
  server.keepAliveTimeout = options.config.channelTimeout * 1000;
  server.headersTimeout = Math.min(60_000, options.config.channelTimeout * 1000 + 1000);
  server.requestTimeout = options.config.channelTimeout * 1000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

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
