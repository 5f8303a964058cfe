/**
 * The OpenAPI 3.0.3 document of the WIS2 REST API, served at `GET /openapi` (spec wis2-downloader §2.3). Hand-written,
 * keeping the reference's facts (title, `x-api-id`, tags, operationIds, component names) and fixing its [DOC] gaps:
 * `queue` is documented, PUT takes `credentials` and `queue`, `NotFound` shows the real message, `MatchCondition`
 * mentions `bbox` and `exists`. The server URL is relative (`.`), so the document works both on WIS2_PORT directly and
 * behind a reverse-proxy prefix such as `/api`.
 */
import { QUEUES } from '../../wis2-service/subscriptions/model.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const json = (schema: unknown, example?: unknown) => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The subscription id (a UUID; any other value simply gives 404).',
  schema: { type: 'string' },
};

export const WIS2_OPENAPI = {
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
  paths: {
    '/subscriptions': {
      get: {
        tags: ['Subscriptions'],
        operationId: 'listSubscriptions',
        summary: 'List subscriptions grouped by topic',
        description: 'Topic → subscription id → `{save_path, filter}`. No credentials, no queue.',
        responses: {
          '200': {
            description: 'Subscriptions grouped by topic',
            content: json(
              { type: 'object', additionalProperties: { type: 'object', additionalProperties: ref('SubscriptionDetail') } },
              { 'cache/a/wis2/+/data/core/weather/#': { '7f1c…': { save_path: 'surface-obs', filter: {} } } },
            ),
          },
          '500': response('InternalError'),
          '503': response('ServiceUnavailable'),
        },
      },
      post: {
        tags: ['Subscriptions'],
        operationId: 'createSubscription',
        summary: 'Create a subscription',
        requestBody: { required: true, content: json(ref('SubscriptionRequest')) },
        responses: {
          '201': {
            description: 'Created; the body is the record with credentials redacted',
            headers: { Location: { description: 'Relative URL of the new subscription', schema: { type: 'string' } } },
            content: json(ref('Subscription')),
          },
          '400': response('BadRequest'),
          '413': response('PayloadTooLarge'),
          '503': response('ServiceUnavailable'),
        },
      },
    },
    '/subscriptions/{id}': {
      parameters: [idParameter],
      get: {
        tags: ['Subscriptions'],
        operationId: 'getSubscription',
        summary: 'One subscription',
        responses: { '200': { description: 'The record', content: json(ref('Subscription')) }, '404': response('NotFound'), '503': response('ServiceUnavailable') },
      },
      put: {
        tags: ['Subscriptions'],
        operationId: 'updateSubscription',
        summary: 'Partially update a subscription',
        description:
          'Only keys present are applied: `target` (re-sanitised), `filter` (replaced wholesale), `credentials` (`null` clears ' +
          'them, absent keeps them) and `queue`. The topic cannot change.',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            properties: {
              target: { type: 'string', nullable: true },
              filter: ref('Filter'),
              credentials: { allOf: [ref('Credentials')], nullable: true },
              queue: { type: 'string', enum: [...QUEUES] },
            },
          }),
        },
        responses: {
          '200': { description: 'The updated record', content: json(ref('Subscription')) },
          '400': response('BadRequest'),
          '404': response('NotFound'),
          '413': response('PayloadTooLarge'),
          '503': response('ServiceUnavailable'),
        },
      },
      delete: {
        tags: ['Subscriptions'],
        operationId: 'deleteSubscription',
        summary: 'Delete a subscription',
        responses: {
          '200': {
            description: 'Deleted',
            content: json(
              { type: 'object', required: ['status', 'id'], properties: { status: { type: 'string', enum: ['deleted'] }, id: { type: 'string' } } },
              { status: 'deleted', id: '7f1c…' },
            ),
          },
          '404': response('NotFound'),
          '503': response('ServiceUnavailable'),
        },
      },
    },
    '/health': {
      get: {
        tags: ['Monitoring'],
        operationId: 'healthCheck',
        summary: 'Health (always 200)',
        responses: { '200': { description: 'healthy or unhealthy', content: json(ref('HealthResponse')) } },
      },
    },
    '/metrics': {
      get: {
        tags: ['Monitoring'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (wis2downloader_*)',
        responses: {
          '200': { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
          '500': { description: 'Error generating metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    '/openapi': {
      get: {
        tags: ['Monitoring'],
        operationId: 'getOpenAPI',
        summary: 'This OpenAPI document',
        responses: { '200': { description: 'OpenAPI 3.0.3 document', content: json({ type: 'object' }) } },
      },
    },
  },
  components: {
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
      BadRequest: { description: 'Invalid input', content: json(ref('Error'), { error: 'No topic provided' }) },
      NotFound: { description: 'No such subscription', content: json(ref('Error'), { error: "Subscription '7f1c…' not found" }) },
      PayloadTooLarge: { description: 'Body over 1 MiB', content: json(ref('Error')) },
      InternalError: { description: 'Unexpected error', content: json(ref('Error'), { error: 'Unexpected error: …' }) },
      ServiceUnavailable: { description: 'The database is unreachable', content: json(ref('Error')) },
    },
  },
} as const;
