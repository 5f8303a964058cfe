/**
 * The WIS2 subscription REST API (spec wis2-downloader §2) as a plain node:http handler, served on its own port: the
 * routes of ./subscriptions.ts and ./monitoring.ts, GET /openapi (generated from those routes, ./openapi.ts), and
 * Swagger UI at GET / and GET /swagger (./swagger-ui.ts). Answers as the reference: `{"error": "..."}` with the exact
 * messages, keys sorted as Flask sorts them. Unlike the reference, unknown routes, wrong methods and unexpected
 * errors are JSON too.
 *
 * To add an endpoint, add a route to one of the route lists (or a new list to WIS2_ROUTES): it is routed and
 * documented at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { changesState, pathDecodes, refusedOrigin, type NodeHandler } from '../server.js';
import { MONITORING_ROUTES } from './monitoring.js';
import { jsonContent, openApiDocument } from './openapi.js';
import { error, json, send, type Wis2Call, type Wis2Route, type Wis2Services } from './route.js';
import { SUBSCRIPTION_ROUTES } from './subscriptions.js';
import { isSwaggerPath, serveSwagger } from './swagger-ui.js';

export const MAX_BODY_BYTES = 1024 * 1024;

const OPENAPI_ROUTE: Wis2Route = {
  method: 'GET',
  path: '/openapi',
  operationId: 'getOpenAPI',
  summary: 'This OpenAPI document',
  tags: ['Monitoring'],
  head: true,
  schemas: { responses: { 200: { description: 'OpenAPI 3.0.3 document', content: jsonContent({ type: 'object' }) } } },
  handle: () => json(200, WIS2_OPENAPI),
};

/** Every documented route, in the document's order. */
export const WIS2_ROUTES: readonly Wis2Route[] = [...SUBSCRIPTION_ROUTES, ...MONITORING_ROUTES, OPENAPI_ROUTE];

export const WIS2_OPENAPI = openApiDocument(WIS2_ROUTES);

class BodyTooLarge extends Error {}

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

/** The decoded parameters when `path` (as sent, not decoded) matches the route's pattern; else null. */
function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    if (part.startsWith(':')) {
      if (got[i] === '') return null;
      params[part.slice(1)] = decodeURIComponent(got[i]); // pathDecodes checked it
    } else if (part !== got[i]) return null;
  }
  return params;
}

const answers = (route: Wis2Route, method: string) => route.method === method || (method === 'HEAD' && route.head === true);
const allowed = (routes: Wis2Route[]) => routes.flatMap((route) => (route.head ? [route.method, 'HEAD'] : [route.method])).join(', ');

export interface Wis2RouterOptions {
  /**
   * Origins whose pages may change subscriptions (POST/PUT/DELETE) besides this port's own (GASFLUX_CORS_ORIGINS;
   * a `*` entry does not count). Requests without Origin (non-browser clients) always may.
   */
  allowedOrigins?: readonly string[];
}

export function createWis2Router(services: Wis2Services, options: Wis2RouterOptions = {}): NodeHandler {
  const dispatch = async (req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> => {
    if (!pathDecodes(req)) return send(res, error(400, 'Invalid percent-encoding in the request path'));
    if (changesState(method)) {
      const origin = refusedOrigin(req, options.allowedOrigins ?? []);
      if (origin !== null) return send(res, error(403, `Requests that change subscriptions are not accepted from origin ${origin}`));
    }
    const onPath = WIS2_ROUTES.map((route) => ({ route, params: matchPath(route.path, path) })).filter((m) => m.params !== null);
    if (onPath.length === 0) return serveOther(req, res, method, path);
    const match = onPath.find(({ route }) => answers(route, method));
    if (!match) return send(res, error(405, 'Method not allowed', { allow: allowed(onPath.map((m) => m.route)) }));
    const call: Wis2Call = { services, req, params: match.params!, json: () => readJson(req) };
    send(res, await match.route.handle(call));
  };

  return async (req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    try {
      await dispatch(req, res, method, path);
    } catch (failure) {
      if (failure instanceof BodyTooLarge) return send(res, error(413, `Request body larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' }));
      services.log?.error({ err: failure, method, path }, 'WIS2 API request failed');
      return send(res, error(500, `Unexpected error: ${failure instanceof Error ? failure.message : String(failure)}`));
    }
  };
}

/** What no route takes: the Swagger UI pages and assets, else 404. */
async function serveOther(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
  if (!isSwaggerPath(path)) return send(res, error(404, 'Not found'));
  if (method !== 'GET' && method !== 'HEAD') return send(res, error(405, 'Method not allowed', { allow: 'GET, HEAD' }));
  if (!(await serveSwagger(req, res, path))) send(res, error(404, 'Not found'));
}
