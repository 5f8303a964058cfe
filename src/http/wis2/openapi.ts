/**
 * The OpenAPI 3.0.3 document of the WIS2 REST API, served at `GET /openapi` (spec wis2-downloader §2.3): its paths are
 * generated from the routes (each declares its operation), around the fixed parts here, which keep the reference's
 * facts (title, `x-api-id`, tags, component names) and fix its [DOC] gaps: `queue` is documented, PUT takes
 * `credentials` and `queue`, `NotFound` shows the real message, `MatchCondition` mentions `bbox` and `exists`. The
 * server URL is relative (`.`), so the document works both on WIS2_PORT directly and behind a reverse-proxy prefix
 * such as `/api`.
 */
import { QUEUES } from '../../wis2-service/subscriptions/model.js';
import type { Wis2Route } from './route.js';

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
export const jsonContent = (schema: unknown, example?: unknown) => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});

const HEAD = {
  openapi: '3.0.3',
  info: {
    title: 'WIS2 Downloader API',
    version: '3.0.0',
    description:
      'Subscribe to WIS2 topics and download the data they announce. Subscriptions live in MongoDB; credentials are ' +
      'write-only (never returned) and encrypted at rest.',
    license: { name: 'AGPL-3.0-only' },
  },
  'x-api-id': 'wis2-downloader-api',
  servers: [{ url: '.', description: 'This server (relative, so it also works behind a path prefix)' }],
  tags: [
    { name: 'Subscriptions', description: 'Create, list, update and delete subscriptions' },
    { name: 'Monitoring', description: 'Health, metrics and this document' },
  ],
};

const COMPONENTS = {
  schemas: {
    Credentials: {
      type: 'object',
      description:
        'Write-only secrets: `password` and `token` are never returned; a response shows `type` (and `username`), and `hosts` and `allow_insecure_http` when set. ' +
        'The credentials are sent only to a host in `hosts`, and over plain http only with `allow_insecure_http: true`; without `hosts` they are sent to no host.',
      required: ['type'],
      properties: {
        type: { type: 'string', enum: ['basic', 'bearer'] },
        username: { type: 'string', description: 'basic' },
        password: { type: 'string', writeOnly: true, description: 'basic' },
        token: { type: 'string', writeOnly: true, description: 'bearer' },
        hosts: {
          type: 'array',
          maxItems: 100,
          items: { type: 'string' },
          description:
            'Host names the credentials may be sent to (also on redirects): exact, case-insensitive; `*.example.org` for every subdomain of example.org (not example.org itself); IP addresses. No scheme, port or path; ports are not matched.',
          example: ['cache.example.org', '*.data.example.org'],
        },
        allow_insecure_http: { type: 'boolean', default: false, description: 'Also send the credentials over plain http:// to a listed host' },
      },
    },
    Subscription: {
      type: 'object',
      required: ['id', 'topic', 'save_path', 'filter', 'credentials', 'queue'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        topic: { type: 'string' },
        save_path: { type: 'string', description: 'Relative to the data folder' },
        filter: ref('Filter'),
        credentials: { allOf: [ref('Credentials')], nullable: true },
        queue: { type: 'string', enum: [...QUEUES] },
      },
    },
    SubscriptionDetail: {
      type: 'object',
      required: ['save_path', 'filter'],
      properties: { save_path: { type: 'string' }, filter: ref('Filter') },
    },
    SubscriptionRequest: {
      type: 'object',
      required: ['topic'],
      properties: {
        topic: { type: 'string', description: 'MQTT topic, wildcards allowed; percent-decoded and trimmed', example: 'cache/a/wis2/+/data/core/weather/#' },
        target: { type: 'string', nullable: true, description: 'Folder under the data folder; escapes are rejected' },
        filter: ref('Filter'),
        filters: { allOf: [ref('Filter')], description: 'Legacy alias of `filter` (POST only)', deprecated: true },
        credentials: { allOf: [ref('Credentials')], nullable: true },
        queue: { type: 'string', enum: [...QUEUES], default: 'small_files' },
      },
    },
    Filter: {
      type: 'object',
      description: 'Empty means the built-in default filter.',
      properties: { name: { type: 'string' }, description: { type: 'string' }, rules: { type: 'array', items: ref('FilterRule') } },
    },
    FilterRule: {
      type: 'object',
      required: ['id', 'order', 'match', 'action'],
      properties: {
        id: { type: 'string' },
        order: { type: 'number' },
        match: ref('MatchCondition'),
        action: { type: 'string', enum: ['accept', 'reject', 'continue'] },
        reason: { type: 'string' },
      },
    },
    MatchCondition: {
      type: 'object',
      description:
        'The first recognised key decides: `always`, `all`, `any`, `not`, `size`, `bbox`, `property`, or a simple field ' +
        '(`media_type`, `centre_id`, `data_id`, `metadata_id`, `topic`, `href`) with one operator: `equals`, `not_equals`, ' +
        '`in`, `not_in`, `pattern`, `regex`, `gt`, `gte`, `lt`, `lte`, `between`, `exists`.',
      additionalProperties: true,
    },
    HealthResponse: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['healthy', 'unhealthy'] } },
    },
    Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
  },
  responses: {
    BadRequest: { description: 'Invalid input', content: jsonContent(ref('Error'), { error: 'No topic provided' }) },
    NotFound: { description: 'No such subscription', content: jsonContent(ref('Error'), { error: "Subscription '7f1c…' not found" }) },
    PayloadTooLarge: { description: 'Body over 1 MiB', content: jsonContent(ref('Error')) },
    InternalError: { description: 'Unexpected error', content: jsonContent(ref('Error'), { error: 'Unexpected error: …' }) },
    ServiceUnavailable: { description: 'The database is unreachable', content: jsonContent(ref('Error')) },
  },
};

/** `/subscriptions/:id` → `/subscriptions/{id}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, '{$1}');

/** The document for `routes`, their paths in the order the routes are given. */
export function openApiDocument(routes: readonly Wis2Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { params, requestBody, responses } = route.schemas;
    const item = (paths[openApiPath(route.path)] ??= params ? { parameters: params } : {});
    item[route.method.toLowerCase()] = {
      tags: route.tags,
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return { ...HEAD, paths, components: COMPONENTS };
}
