/**
 * The web page at `/` of the GasFlux port: `client/web/index.html`, its stylesheet, and `client/web/app.ts` bundled
 * with esbuild on the first request and kept in memory. Everything is served from here (no CDN), under a strict
 * Content-Security-Policy; the page talks to `/graphql` over HTTP and graphql-ws, and frames reports from `/download/`.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PathsHandler } from './server.js';
import { projectPath } from '../project-root.js';

/** The paths the web UI answers; the HTTP server sends them here before the REST router. */
export const WEB_UI_PATHS: ReadonlySet<string> = new Set(['/', '/index.html', '/assets/app.js', '/assets/app.css']);

export type WebUiHandler = PathsHandler;

export interface WebUiOptions {
  /** Folder holding index.html, app.css and app.ts (default: client/web of this repository). */
  dir?: string;
  log?: { info(object: object, message: string): void; error(object: object, message: string): void };
}

interface Asset {
  body: Buffer;
  /** The same bytes gzipped, sent to clients that accept it. */
  gzip: Buffer;
  type: string;
  etag: string;
}

const DEFAULT_DIR = `${projectPath('client', 'web')}/`;

/** A Host header that can go into the policy: a name or address with an optional port, nothing else. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The page's policy: its own scripts and styles only, GraphQL over HTTP and websockets to this host, reports in
 * frames from this origin, no plugins, no framing of the page itself.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${sockets}`,
    "frame-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

const makeAsset = (body: Buffer, type: string): Asset => ({ body, gzip: gzipSync(body, { level: 9 }), type, etag: etagOf(body) });

export function createWebUi(options: WebUiOptions = {}): WebUiHandler {
  const dir = options.dir ?? DEFAULT_DIR;
  const cache = new Map<string, Promise<Asset>>();

  /** Each asset is made once; a failure is not cached, so the next request tries again. */
  function asset(name: string, make: () => Promise<Asset>): Promise<Asset> {
    let pending = cache.get(name);
    if (!pending) {
      pending = make();
      cache.set(name, pending);
      pending.catch(() => cache.delete(name));
    }
    return pending;
  }

  const file = (name: string, type: string) =>
    asset(name, async () => {
      return makeAsset(await readFile(`${dir}${name}`), type);
    });

  const bundle = () =>
    asset('app.js', async () => {
      const started = performance.now();
      const { build } = await import('esbuild');
      const result = await build({
        entryPoints: [`${dir}app.ts`],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        target: ['es2022'],
        minify: true,
        legalComments: 'none',
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'silent',
      });
      const body = Buffer.from(result.outputFiles[0]!.contents);
      options.log?.info({ bytes: body.length, ms: Math.round(performance.now() - started) }, 'web UI bundle built');
      return makeAsset(body, 'text/javascript; charset=utf-8');
    });

  /** Sends an asset (gzipped when accepted), or 304 when the client's copy is current; browsers revalidate each time. */
  function send(req: IncomingMessage, res: ServerResponse, item: Asset, headers: Record<string, string> = {}) {
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const etag = gzip ? `${item.etag.slice(0, -1)}-gz"` : item.etag;
    const common: Record<string, string> = { etag, vary: 'accept-encoding', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', ...headers };
    const matches = String(req.headers['if-none-match'] ?? '').split(',').some((tag) => tag.trim() === etag);
    if (matches) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    const body = gzip ? item.gzip : item.body;
    if (gzip) common['content-encoding'] = 'gzip';
    res.writeHead(200, { ...common, 'content-type': item.type, 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed\n');
      return;
    }
    try {
      if (path === '/assets/app.js') return send(req, res, await bundle());
      if (path === '/assets/app.css') return send(req, res, await file('app.css', 'text/css; charset=utf-8'));
      return send(req, res, await file('index.html', 'text/html; charset=utf-8'), {
        'content-security-policy': contentSecurityPolicy(req.headers.host),
        'referrer-policy': 'same-origin',
        'x-frame-options': 'DENY',
      });
    } catch (error) {
      options.log?.error({ err: error, path }, 'web UI asset failed');
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('The web page could not be built; see the service log.\n');
    }
  }

  return { paths: WEB_UI_PATHS, handle };
}
