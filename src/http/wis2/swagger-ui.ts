/**
 * Swagger UI for the WIS2 REST API at `GET /` and `GET /swagger`, with every asset served from the swagger-ui-dist
 * package on this server (WIS2 sites are often offline or air-gapped; the reference loaded it from unpkg.com).
 * All URLs in the page are relative (`swagger-ui/…`, `openapi`), so it also works behind a path prefix such as `/api`
 * (the reference hard-coded `/api/openapi`). A Content-Security-Policy keeps the page on this origin.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the assets are served from. */
export const SWAGGER_ASSET_PREFIX = '/swagger-ui/';
/** The pages that show Swagger UI. */
export const SWAGGER_PAGES = ['/', '/swagger'] as const;

const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files served from the package (a fixed list: no path from the request ever reaches the file system). */
const PACKAGE_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi', document.baseURI).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>WIS2 Downloader API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="swagger-ui/swagger-ui.css">
  <link rel="icon" type="image/png" href="swagger-ui/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="swagger-ui/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger-ui/swagger-ui-bundle.js"></script>
  <script src="swagger-ui/init.js"></script>
</body>
</html>
`;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ');

const cache = new Map<string, Promise<Buffer>>();

function packageAsset(name: string): Promise<Buffer> {
  let body = cache.get(name);
  if (!body) {
    body = readFile(join(distDir, name));
    body.catch(() => cache.delete(name));
    cache.set(name, body);
  }
  return body;
}

function sendBody(req: IncomingMessage, res: ServerResponse, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-length': String(Buffer.byteLength(body)), 'x-content-type-options': 'nosniff', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Whether `path` is one of the Swagger UI pages or assets. */
export function isSwaggerPath(path: string): boolean {
  return (SWAGGER_PAGES as readonly string[]).includes(path) || path.startsWith(SWAGGER_ASSET_PREFIX);
}

/**
 * Serves a page or an asset (GET or HEAD, checked by the caller). Returns false when `path` names no asset, so the
 * caller answers 404 as for any unknown route.
 */
export async function serveSwagger(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  if ((SWAGGER_PAGES as readonly string[]).includes(path)) {
    sendBody(req, res, PAGE_HTML, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-cache' });
    return true;
  }
  const name = path.slice(SWAGGER_ASSET_PREFIX.length);
  if (name === 'init.js') {
    sendBody(req, res, INIT_JS, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    return true;
  }
  const type = Object.hasOwn(PACKAGE_ASSETS, name) ? PACKAGE_ASSETS[name] : undefined;
  if (!type) return false;
  sendBody(req, res, await packageAsset(name), { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  return true;
}
