/**
 * What a WIS2 API module declares, in the shape of the REST side's routes (src/http/rest/route.ts): each route has
 * its method, path, operationId, tags, OpenAPI documentation and a thin handler. The OpenAPI document is generated
 * from these (./openapi.ts). Answers are as the reference's: JSON with keys sorted as Flask sorts them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.js';
import type { SubscriptionService } from '../../wis2-service/subscriptions/service.js';
import type { Wis2Metrics } from '../../wis2-service/metrics.js';

export type Wis2Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Wis2Tag = 'Subscriptions' | 'Monitoring';

/** What the WIS2 port's handlers use. */
export interface Wis2Services {
  subscriptions: SubscriptionService;
  /** The app's (the download pipeline records into it). */
  metrics: Wis2Metrics;
  log?: Logger;
}

/** One request, as a handler sees it. */
export interface Wis2Call {
  services: Wis2Services;
  req: IncomingMessage;
  /** The path parameters, percent-decoded. */
  params: Record<string, string>;
  /** The JSON body when the content type is JSON; anything else, or invalid JSON, is `{}` (as the reference). */
  json(): Promise<unknown>;
}

/** A JSON answer (keys sorted), or a text one (metrics). */
export type Wis2Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string };

/** OpenAPI 3.0 fragments, as written in the document (components referenced with `$ref`). */
export interface Wis2RouteSchemas {
  /** The path's parameters; written once on the path item, shared by every operation of the path. */
  params?: object[];
  requestBody?: object;
  responses: { [status: number]: object };
}

export interface Wis2Route {
  method: Wis2Method;
  /** `/subscriptions/:id`: a `:name` segment matches one segment of the path. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: Wis2Tag[];
  /** Also answers HEAD, as GET without the body (the monitoring routes; the reference's Flask answered HEAD there). */
  head?: boolean;
  schemas: Wis2RouteSchemas;
  handle(call: Wis2Call): Wis2Reply | Promise<Wis2Reply>;
}

/** JSON with object keys sorted at every level (Flask's `sort_keys`), so byte-for-byte comparisons hold. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Wis2Reply => ({ status, json: body, headers });

/** The reference's error body. */
export const error = (status: number, message: string, headers?: Record<string, string>): Wis2Reply => json(status, { error: message }, headers);

export function send(res: ServerResponse, reply: Wis2Reply): void {
  const [body, type] = 'json' in reply ? [sortedJson(reply.json), 'application/json'] : [reply.text, reply.contentType];
  res.writeHead(reply.status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...('headers' in reply ? reply.headers : {}) });
  res.end(body);
}
