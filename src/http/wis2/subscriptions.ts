/**
 * GET/POST /subscriptions and GET/PUT/DELETE /subscriptions/{id}: SubscriptionService's results as the reference
 * answers them: the record (201 + `Location` on create), or `{"error": …}` with the refusal's words and the status
 * its operation's table gives.
 */
import { QUEUES } from '../../wis2-service/subscriptions/model.js';
import { refusalMessage, sameForAllInput, type RefusalTable, type SubscriptionRefusal } from '../../wis2-service/subscriptions/refusals.js';
import type {
  CreateSubscriptionResult, DeleteSubscriptionResult, GetSubscriptionResult, ListSubscriptionsResult, UpdateSubscriptionResult,
} from '../../wis2-service/subscriptions/service.js';
import { jsonContent, ref, response } from './openapi.js';
import { error, json, type Wis2Reply, type Wis2Route } from './route.js';

type Statuses<Result> = RefusalTable<Result, 400 | 404 | 500 | 503>;

const INPUT = sameForAllInput<400>(400);
const LIST: Statuses<ListSubscriptionsResult> = { unreachable: 503, unexpected: 500 };
const GET: Statuses<GetSubscriptionResult> = { not_found: 404, unreachable: 503 };
const CREATE: Statuses<CreateSubscriptionResult> = { ...INPUT, not_created: 503 };
const UPDATE: Statuses<UpdateSubscriptionResult> = { ...INPUT, not_found: 404, unreachable: 503, topic_immutable: 400, not_updated: 503 };
const DELETE: Statuses<DeleteSubscriptionResult> = { not_found: 404, not_deleted: 503 };

function refused<R extends SubscriptionRefusal>(refusal: R, statuses: Record<R['reason'], number>): Wis2Reply {
  return error(statuses[refusal.reason as R['reason']], refusalMessage(refusal));
}

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The subscription id (a UUID; any other value simply gives 404).',
  schema: { type: 'string' },
};

export const SUBSCRIPTION_ROUTES: Wis2Route[] = [
  {
    method: 'GET',
    path: '/subscriptions',
    operationId: 'listSubscriptions',
    summary: 'List subscriptions grouped by topic',
    description: 'Topic → subscription id → `{save_path, filter}`. No credentials, no queue.',
    tags: ['Subscriptions'],
    schemas: {
      responses: {
        200: {
          description: 'Subscriptions grouped by topic',
          content: jsonContent(
            { type: 'object', additionalProperties: { type: 'object', additionalProperties: ref('SubscriptionDetail') } },
            { 'cache/a/wis2/+/data/core/weather/#': { '7f1c…': { save_path: 'surface-obs', filter: {} } } },
          ),
        },
        500: response('InternalError'),
        503: response('ServiceUnavailable'),
      },
    },
    async handle(call) {
      const result = await call.services.subscriptions.list();
      return result.ok ? json(200, result.listing) : refused(result, LIST);
    },
  },
  {
    method: 'POST',
    path: '/subscriptions',
    operationId: 'createSubscription',
    summary: 'Create a subscription',
    tags: ['Subscriptions'],
    schemas: {
      requestBody: { required: true, content: jsonContent(ref('SubscriptionRequest')) },
      responses: {
        201: {
          description: 'Created; the body is the record with credentials redacted',
          headers: { Location: { description: 'Relative URL of the new subscription', schema: { type: 'string' } } },
          content: jsonContent(ref('Subscription')),
        },
        400: response('BadRequest'),
        413: response('PayloadTooLarge'),
        503: response('ServiceUnavailable'),
      },
    },
    async handle(call) {
      const result = await call.services.subscriptions.create(await call.json());
      if (!result.ok) return refused(result, CREATE);
      return json(201, result.subscription, { location: `/subscriptions/${encodeURIComponent(result.subscription.id)}` });
    },
  },
  {
    method: 'GET',
    path: '/subscriptions/:id',
    operationId: 'getSubscription',
    summary: 'One subscription',
    tags: ['Subscriptions'],
    schemas: {
      params: [idParameter],
      responses: { 200: { description: 'The record', content: jsonContent(ref('Subscription')) }, 404: response('NotFound'), 503: response('ServiceUnavailable') },
    },
    async handle(call) {
      const result = await call.services.subscriptions.get(call.params.id);
      return result.ok ? json(200, result.subscription) : refused(result, GET);
    },
  },
  {
    method: 'PUT',
    path: '/subscriptions/:id',
    operationId: 'updateSubscription',
    summary: 'Partially update a subscription',
    description:
      'Only keys present are applied: `target` (re-sanitised), `filter` (replaced wholesale), `credentials` (`null` clears ' +
      'them, absent keeps them) and `queue`. The topic cannot change.',
    tags: ['Subscriptions'],
    schemas: {
      params: [idParameter],
      requestBody: {
        required: true,
        content: jsonContent({
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
        200: { description: 'The updated record', content: jsonContent(ref('Subscription')) },
        400: response('BadRequest'),
        404: response('NotFound'),
        413: response('PayloadTooLarge'),
        503: response('ServiceUnavailable'),
      },
    },
    async handle(call) {
      const result = await call.services.subscriptions.update(call.params.id, await call.json());
      return result.ok ? json(200, result.subscription) : refused(result, UPDATE);
    },
  },
  {
    method: 'DELETE',
    path: '/subscriptions/:id',
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription',
    tags: ['Subscriptions'],
    schemas: {
      params: [idParameter],
      responses: {
        200: {
          description: 'Deleted',
          content: jsonContent(
            { type: 'object', required: ['status', 'id'], properties: { status: { type: 'string', enum: ['deleted'] }, id: { type: 'string' } } },
            { status: 'deleted', id: '7f1c…' },
          ),
        },
        404: response('NotFound'),
        503: response('ServiceUnavailable'),
      },
    },
    async handle(call) {
      const result = await call.services.subscriptions.delete(call.params.id);
      return result.ok ? json(200, { status: 'deleted', id: result.id }) : refused(result, DELETE);
    },
  },
];
