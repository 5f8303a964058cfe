/** What a REST area module declares: its routes, each with OpenAPI documentation and a thin handler. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Response, TSchema } from 'fets';
import type { AppServices } from '../../app-services.js';
import type { Lang } from './messages.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Node's request/response, as the adapter hands them to every handler. */
export interface NodeServerContext {
  req: IncomingMessage;
  res: ServerResponse;
}

/** One request, as a handler sees it. */
export interface RestCall {
  services: AppServices;
  request: Request;
  /** Node's request: its raw URL (before any normalisation) and its body stream. */
  req: IncomingMessage;
  res: ServerResponse;
  lang: Lang;
  params: Record<string, string>;
  /** The query string as sent (repeated keys: the first value wins). */
  query: URLSearchParams;
}

/**
 * Documentation-only schemas: declared request schemas are permissive (strings), so fets' own validation never
 * answers before the handler's documented messages do.
 */
export interface RouteSchemas {
  request?: { params?: TSchema; query?: TSchema; json?: TSchema; formData?: TSchema };
  responses?: { [status: number]: TSchema | undefined };
}

export interface RestRoute {
  method: HttpMethod;
  /** fets path syntax: `/task/:task_id`, `/download/:path+`. */
  path: string;
  operationId: string;
  description: string;
  tags: string[];
  schemas?: RouteSchemas;
  handle(call: RestCall): Response | Promise<Response>;
}

/** A module of routes (ops, uploads, tasks, …); the router takes a list of these, so adding a page is one more entry. */
export type RestArea = (services: AppServices) => RestRoute[];

/** The path as the client sent it (no dot-segment or percent-decoding normalisation), without the query string. */
export function rawPath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const path = url.split('?')[0];
  if (path.startsWith('/')) return path;
  // absolute-form (`GET http://host/path`): keep the path part as written
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/[^?#]*)?/i.exec(path);
  return match?.[1] ?? '/';
}
