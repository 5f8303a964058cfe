/**
 * The WIS2 subscription REST API (spec wis2-downloader §2) as a plain node:http handler, served on its own port:
 * GET/POST /subscriptions, GET/PUT/DELETE /subscriptions/{id}, GET /health, GET /metrics (../metrics.ts),
 * GET /openapi (../openapi.ts), and Swagger UI at GET / and GET /swagger (../swagger-ui.ts). Answers as the reference:
 * `{"error": "..."}` with the exact messages, 201 + `Location` on create, keys sorted as Flask sorts them. Unlike the
 * reference, unknown routes, wrong methods and unexpected errors are JSON too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { changesState, pathDecodes, refusedOrigin } from '../server.js';
import type { Logger } from '../../logger.js';
import { SubscriptionError, type SubscriptionService } from '../../wis2-service/subscriptions/service.js';
import { Wis2Metrics } from '../../wis2-service/metrics.js';
import { WIS2_OPENAPI } from './openapi.js';
import { isSwaggerPath, serveSwagger } from './swagger-ui.js';

export const MAX_BODY_BYTES = 1024 * 1024;

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** JSON with object keys sorted at every level (Flask's `sort_keys`), so byte-for-byte comparisons hold. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = sortedJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

class BodyTooLarge extends Error {}

/** The JSON body when the content type is JSON; anything else, or invalid JSON, is `{}` (as the reference). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[^/]+\+json$/.test(type)) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return {};
  }
}

export interface Wis2RouterOptions {
  /**
   * Origins whose pages may change subscriptions (POST/PUT/DELETE) besides this port's own (GASFLUX_CORS_ORIGINS;
   * a `*` entry does not count). Requests without Origin (non-browser clients) always may.
   */
  allowedOrigins?: readonly string[];
}

/** `metrics` is the app's (the download pipeline records into it); a private one when not given. */
export function createWis2Router(
  service: SubscriptionService,
  log?: Logger,
  metrics: Wis2Metrics = new Wis2Metrics(),
  options: Wis2RouterOptions = {},
): NodeHandler {
  return async (req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (!pathDecodes(req)) return send(res, 400, { error: 'Invalid percent-encoding in the request path' });
      if (changesState(method)) {
        const origin = refusedOrigin(req, options.allowedOrigins ?? []);
        if (origin !== null) return send(res, 403, { error: `Requests that change subscriptions are not accepted from origin ${origin}` });
      }
      if (path === '/metrics') {
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        return await sendMetrics(res, metrics, log);
      }
      if (path === '/openapi') {
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        return send(res, 200, WIS2_OPENAPI);
      }
      if (isSwaggerPath(path)) {
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        if (await serveSwagger(req, res, path)) return;
        return send(res, 404, { error: 'Not found' });
      }
      if (path === '/health') {
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        return send(res, 200, { status: (await service.healthy()) ? 'healthy' : 'unhealthy' });
      }
      if (path === '/subscriptions') {
        if (method === 'GET') return send(res, 200, await service.list());
        if (method === 'POST') {
          const record = await service.create(await readJson(req));
          return send(res, 201, record, { location: `/subscriptions/${encodeURIComponent(record.id)}` });
        }
        return methodNotAllowed(res, 'GET, POST');
      }
      const match = /^\/subscriptions\/([^/]+)$/.exec(path);
      if (match) {
        const id = decodeURIComponent(match[1]); // pathDecodes checked it
        if (method === 'GET') return send(res, 200, await service.get(id));
        if (method === 'PUT') return send(res, 200, await service.update(id, await readJson(req)));
        if (method === 'DELETE') return send(res, 200, await service.delete(id));
        return methodNotAllowed(res, 'GET, PUT, DELETE');
      }
      return send(res, 404, { error: 'Not found' });
    } catch (error) {
      if (error instanceof SubscriptionError) return send(res, error.status, { error: error.message });
      if (error instanceof BodyTooLarge) return send(res, 413, { error: `Request body larger than ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
      log?.error({ err: error, method, path }, 'WIS2 API request failed');
      return send(res, 500, { error: `Unexpected error: ${error instanceof Error ? error.message : String(error)}` });
    }
  };
}

/** Prometheus text, or as the reference a plain-text 500 `Error generating metrics`. */
async function sendMetrics(res: ServerResponse, metrics: Wis2Metrics, log?: Logger): Promise<void> {
  let text: string;
  try {
    text = await metrics.render();
  } catch (error) {
    log?.error({ err: error }, 'WIS2 metrics rendering failed');
    const body = 'Error generating metrics';
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  send(res, 405, { error: 'Method not allowed' }, { allow });
}
