/**
 * The REST compatibility API of the GasFlux web API doc, on fets: one module per area, OpenAPI at /openapi (Swagger
 * UI and the landing page off), CORS from GASFLUX_CORS_ORIGINS, and every answer — unknown routes (404), wrong
 * methods (405) and unexpected errors (500) included — in the documented envelope.
 *
 * To add routes (the web page at `/`, …) pass another area: `createRestRouter(services, { areas: [webPage] })`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRouter, URLPattern, useCORS, type Response, type RouterComponentsBase, type RouterPlugin } from 'fets';
import type { AppServices } from '../../app-services.js';
import { RESULT_FILE_PREFIX } from '../../domain/result-files.js';
import { changesState, pathDecodes, refusedOrigin, type NodeHandler } from '../server.js';
import { replyText } from './envelope.js';
import { message, pickLanguage } from './messages.js';
import { opsRoutes } from './ops.js';
import { reportRoutes } from './reports.js';
import { resultFileRoutes, serveResultFile } from './result-files.js';
import { taskRoutes } from './tasks.js';
import { uploadRoutes } from './uploads.js';
import { rawPath, type NodeServerContext, type RestArea, type RestCall, type RestRoute } from './route.js';

/** The documented endpoints, in the doc's order. */
export const DEFAULT_AREAS: RestArea[] = [opsRoutes, uploadRoutes, taskRoutes, reportRoutes, resultFileRoutes];

export interface RestRouterOptions {
  /** More areas, registered after the documented ones. */
  areas?: RestArea[];
}

/**
 * CORS as Flask-CORS did it: `*` answers `Access-Control-Allow-Origin: *`; a list allows exactly those origins. CORS
 * decides who may read answers; who may change state is useRequestChecks' Origin rule.
 */
function corsOptions(origins: string[]) {
  if (origins.length === 0 || origins.includes('*')) return { origin: '*', credentials: false };
  return { origin: origins, credentials: false };
}

/**
 * Before any route: a path that does not percent-decode is a 400 (not fets' 500 from decoding a parameter), and a
 * state-changing request (not GET/HEAD/OPTIONS) from another site's page is a 403 (see refusedOrigin in ../server.ts:
 * GASFLUX_CORS_ORIGINS' `*` lets any origin read, only listed origins write). Both in the documented envelope.
 */
function useRequestChecks(allowedOrigins: string[]): RouterPlugin<NodeServerContext, RouterComponentsBase> {
  return {
    onRequest({ request, serverContext, endResponse }) {
      const req = serverContext.req;
      if (!req) return;
      const lang = pickLanguage(request.headers.get('accept-language'));
      if (!pathDecodes(req)) return endResponse(replyText(400, message(lang, 'bad_path_encoding'), { path: rawPath(req) }));
      if (!changesState(request.method)) return;
      const origin = refusedOrigin(req, allowedOrigins);
      if (origin !== null) return endResponse(replyText(403, message(lang, 'origin_forbidden'), { origin }));
    },
  };
}

export function createRestRouter(services: AppServices, options: RestRouterOptions = {}): NodeHandler {
  const routes: RestRoute[] = [...DEFAULT_AREAS, ...(options.areas ?? [])].flatMap((area) => area(services));
  const known = [
    ...routes.map((route) => ({ method: route.method as string, pattern: new URLPattern({ pathname: route.path }) })),
    { method: 'GET', pattern: new URLPattern({ pathname: '/openapi' }) },
  ];

  const call = (request: Request, context: NodeServerContext, params: Record<string, string>): RestCall => {
    const search = (context.req.url ?? '').split('?')[1] ?? '';
    return {
      services,
      request,
      req: context.req,
      res: context.res,
      lang: pickLanguage(request.headers.get('accept-language')),
      params,
      query: new URLSearchParams(search),
    };
  };

  const router = createRouter<NodeServerContext>({
    landingPage: false,
    openAPI: {
      endpoint: '/openapi',
      info: {
        title: 'GasFlux API (REST)',
        version: services.version,
        description:
          'The GasFlux web API: upload a drone flight, follow its processing, download the reports. Responses are `{code, message, data}` with data’s fields repeated at the top level; `Accept-Language: en` answers in English. A browser page on another origin may read (CORS, `GASFLUX_CORS_ORIGINS`), but its POST/PUT/DELETE requests are refused with 403 unless `GASFLUX_CORS_ORIGINS` lists that origin explicitly (`*` does not count); requests without `Origin` (curl, scripts, SDKs) are not affected. A path with invalid percent-encoding is a 400.',
      },
    },
    swaggerUI: { endpoint: false },
    plugins: [useCORS(corsOptions(services.config.corsOrigins)), useRequestChecks(services.config.corsOrigins)],
    onError: (error, request) => {
      services.log.error({ err: error, url: request.url }, 'REST handler failed');
      const lang = pickLanguage(request.headers.get('accept-language'));
      return replyText(500, message(lang, 'internal_error'));
    },
  });

  for (const route of routes) {
    router.route({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      description: route.description,
      tags: route.tags,
      schemas: route.schemas,
      handler: (request: Request & { params?: Record<string, string> }, context: NodeServerContext) =>
        route.handle(call(request, context, { ...(request.params ?? {}) })),
    } as never);
  }

  // fets writes `/download/:path+` as `/download/{path+}`; OpenAPI names the parameter `{path}`.
  const paths = (router as unknown as { openAPIDocument: { paths?: Record<string, unknown> } }).openAPIDocument.paths ?? {};
  for (const key of Object.keys(paths)) {
    const fixed = key.replace(/\{([^}]+)\+\}/g, '{$1}');
    if (fixed !== key) {
      paths[fixed] = paths[key];
      delete paths[key];
    }
  }

  // Everything no route took: raw `/download/…` URLs that normalise elsewhere (`/download/../x`) are still result files
  // (and refused); otherwise 405 when another method has the path, else 404.
  router.route({
    path: '/*',
    handler: (request: Request, context: NodeServerContext): Response | Promise<Response> => {
      const c = call(request, context, {});
      if (rawPath(context.req).startsWith(RESULT_FILE_PREFIX) && request.method === 'GET') return serveResultFile(c);
      const path = new URL(request.url).pathname;
      const allowed = [...new Set(known.filter((k) => k.pattern.test({ pathname: path })).map((k) => k.method))];
      if (allowed.length > 0) return replyText(405, message(c.lang, 'method_not_allowed'), {}, { headers: { allow: allowed.join(', ') } });
      return replyText(404, message(c.lang, 'not_found'), { path });
    },
  } as never);

  return (req: IncomingMessage, res: ServerResponse) => router(req, res);
}
