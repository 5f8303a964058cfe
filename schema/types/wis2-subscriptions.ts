/**
 * WIS2 subscription: an MQTT topic bound to a save folder, a filter, optional credentials and a download queue
 * (REST on WIS2_PORT: /subscriptions and /subscriptions/{id}). The rules are SubscriptionService's; failures carry the
 * REST API's `error` text unchanged, so both APIs read the same; each operation's table gives a refusal its code.
 */
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { ErrorInterface, type Problem } from './errors.js';
import type { Queue, SubscriptionRecord } from '../../src/wis2-service/subscriptions/model.js';
import { refusalMessage, sameForAllInput, type ReasonOf, type RefusalTable, type SubscriptionRefusal } from '../../src/wis2-service/subscriptions/refusals.js';
import type {
  CreateSubscriptionResult, DeleteSubscriptionResult, GetSubscriptionResult, SubscriptionRecordsResult, UpdateSubscriptionResult,
} from '../../src/wis2-service/subscriptions/service.js';

export const Wis2Queue = builder.enumType('Wis2Queue', {
  description: 'The download queue (REST: `high_priority`, `small_files`, `large_files`); each has its own workers.',
  values: {
    HIGH_PRIORITY: { value: 'high_priority' },
    SMALL_FILES: { value: 'small_files', description: 'The default.' },
    LARGE_FILES: { value: 'large_files' },
  } as const satisfies Record<string, { value: Queue; description?: string }>,
});

const Wis2CredentialsType = builder.enumType('Wis2CredentialsType', {
  description: 'HTTP authentication for access-controlled data: Basic (username and password) or a Bearer token.',
  values: { BASIC: { value: 'basic' }, BEARER: { value: 'bearer' } } as const,
});

const Wis2Credentials = builder.objectRef<NonNullable<SubscriptionRecord['credentials']>>('Wis2Credentials').implement({
  description: 'What is shown of stored credentials: the password and the token are write-only; where they may be sent is shown.',
  fields: (t) => ({
    type: t.expose('type', { type: Wis2CredentialsType }),
    username: t.string({ nullable: true, description: 'For BASIC.', resolve: (credentials) => ('username' in credentials && credentials.username) || null }),
    hosts: t.stringList({
      description:
        'The only hosts the credentials are sent to (REST: `credentials.hosts`), lower case; `*.example.org` stands for its subdomains. Empty: sent to no host (credentials stored before this list existed).',
      resolve: (credentials) => credentials.hosts ?? [],
    }),
    allowInsecureHttp: t.boolean({
      description: 'Whether the credentials may go over plain http:// to a listed host (REST: `credentials.allow_insecure_http`); otherwise https only.',
      resolve: (credentials) => credentials.allow_insecure_http === true,
    }),
  }),
});

export const Wis2Subscription = builder.objectRef<SubscriptionRecord>('Wis2Subscription').implement({
  description: 'A WIS2 subscription, as GET /subscriptions/{id} returns it.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'A UUID, the same as in the REST API.' }),
    topic: t.exposeString('topic', { description: 'MQTT topic filter (may hold `+` and `#`); it cannot be changed.' }),
    target: t.exposeString('save_path', { description: 'Folder the files go to, relative to the WIS2 data folder (`.` is the folder itself).' }),
    savePath: t.exposeString('save_path', { description: "The same as target, under the REST record's name (save_path)." }),
    filter: t.field({ type: 'JSON', description: 'The rule-based filter; `{}` means the default filter.', resolve: (record) => record.filter }),
    credentials: t.expose('credentials', { type: Wis2Credentials, nullable: true }),
    queue: t.expose('queue', { type: Wis2Queue }),
  }),
});

// ---- errors ----

const Wis2ErrorCode = builder.enumType('Wis2ErrorCode', {
  description:
    'The kind of failure, with the REST status it stands for: `INVALID_INPUT` 400, `NOT_FOUND` 404, `UNEXPECTED` 500, `UNAVAILABLE` 503 (the database cannot be reached).',
  values: ['INVALID_INPUT', 'NOT_FOUND', 'UNEXPECTED', 'UNAVAILABLE'] as const,
});

type Wis2ErrorCodeValue = typeof Wis2ErrorCode.$inferType;

type Wis2Problem = Problem<'Wis2SubscriptionError'> & { code: Wis2ErrorCodeValue };

const Wis2SubscriptionError = builder.objectRef<Wis2Problem>('Wis2SubscriptionError').implement({
  description: "A subscription request the service refused. `message` is the REST API's `error` text, exactly (it is English in both APIs).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.expose('code', { type: Wis2ErrorCode }) }),
});

// Every refusal is a Wis2SubscriptionError; what tells them apart is the code, one table per operation.
type Codes<Result> = RefusalTable<Result, Wis2ErrorCodeValue>;

const INPUT_CODES = sameForAllInput<Wis2ErrorCodeValue>('INVALID_INPUT');
const LIST_CODES: Codes<SubscriptionRecordsResult> = { unreachable: 'UNAVAILABLE', unexpected: 'UNEXPECTED' };
/** A subscription that is not there is null, not an error. */
const GET_CODES: Record<Exclude<ReasonOf<GetSubscriptionResult>, 'not_found'>, Wis2ErrorCodeValue> = { unreachable: 'UNAVAILABLE' };
const CREATE_CODES: Codes<CreateSubscriptionResult> = { ...INPUT_CODES, not_created: 'UNAVAILABLE' };
const UPDATE_CODES: Codes<UpdateSubscriptionResult> = {
  ...INPUT_CODES,
  not_found: 'NOT_FOUND',
  unreachable: 'UNAVAILABLE',
  topic_immutable: 'INVALID_INPUT',
  not_updated: 'UNAVAILABLE',
};
const DELETE_CODES: Codes<DeleteSubscriptionResult> = { not_found: 'NOT_FOUND', not_deleted: 'UNAVAILABLE' };

/** A mutation's refusal as data. */
function asProblem<R extends SubscriptionRefusal>(refusal: R, codes: Record<R['reason'], Wis2ErrorCodeValue>): Wis2Problem {
  const text = refusalMessage(refusal);
  return { __typename: 'Wis2SubscriptionError', code: codes[refusal.reason as R['reason']], message: { zh: text, en: text } };
}

/** For queries, which have no error union: the same code and text as a GraphQL error. */
function asGraphqlError<R extends SubscriptionRefusal>(refusal: R, codes: Record<R['reason'], Wis2ErrorCodeValue>): never {
  throw new GraphQLError(refusalMessage(refusal), { extensions: { code: codes[refusal.reason as R['reason']] } });
}

// ---- queries ----

builder.queryFields((t) => ({
  wis2Subscriptions: t.field({
    type: [Wis2Subscription],
    description: 'Every subscription, oldest first (REST: GET /subscriptions, which groups the same records by topic).',
    resolve: async (_root, _args, context) => {
      const result = await context.services.wis2Subscriptions.records();
      return result.ok ? result.subscriptions : asGraphqlError(result, LIST_CODES);
    },
  }),
  wis2Subscription: t.field({
    type: Wis2Subscription,
    nullable: true,
    description: 'One subscription (REST: GET /subscriptions/{id}); null when there is none.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const result = await context.services.wis2Subscriptions.get(id);
      if (result.ok) return result.subscription;
      return result.reason === 'not_found' ? null : asGraphqlError(result, GET_CODES);
    },
  }),
}));

// ---- mutations ----

const Wis2CredentialsInput = builder.inputType('Wis2CredentialsInput', {
  description: 'BASIC needs username and password, BEARER needs token; otherwise the result is INVALID_INPUT with the REST message.',
  fields: (t) => ({
    type: t.field({ type: Wis2CredentialsType, required: true }),
    username: t.string(),
    password: t.string(),
    token: t.string(),
    hosts: t.stringList({
      description:
        'Host names the credentials may be sent to: exact (case-insensitive), `*.example.org` for its subdomains (not example.org itself), or IP addresses; no scheme, port or path (ports are not matched). Absent: sent to no host.',
    }),
    allowInsecureHttp: t.boolean({ description: 'Also send them over plain http:// to a listed host. Default false: https only.' }),
  }),
});

/** GraphQL credentials field names → the REST body's (snake_case, as the REST API). */
const REST_CREDENTIAL_KEYS: Record<string, string> = { allowInsecureHttp: 'allow_insecure_http' };

const CreateWis2SubscriptionInput = builder.inputType('CreateWis2SubscriptionInput', {
  description: 'What POST /subscriptions accepts.',
  fields: (t) => ({
    topic: t.string({ required: true, description: 'WIS2 topic, e.g. `cache/a/wis2/+/data/core/weather/surface-based-observations/#`. Blank: `No topic provided`.' }),
    target: t.string({ description: 'Folder under the WIS2 data folder (the data folder itself when absent). One that leaves it is refused: `Invalid target`.' }),
    filter: t.field({ type: 'JSON', description: 'A rule-based filter, validated strictly; absent, null or `{}` means the default filter.' }),
    credentials: t.field({ type: Wis2CredentialsInput }),
    queue: t.field({ type: Wis2Queue, description: 'SMALL_FILES when absent.' }),
  }),
});

const UpdateWis2SubscriptionInput = builder.inputType('UpdateWis2SubscriptionInput', {
  description: 'What PUT /subscriptions/{id} accepts: only the fields given change.',
  fields: (t) => ({
    topic: t.string({ description: 'Accepted only when it is the current topic: topics cannot be changed.' }),
    target: t.string({ description: 'Null or empty: the data folder itself.' }),
    filter: t.field({ type: 'JSON', description: 'Replaces the filter; null or `{}` means the default filter.' }),
    credentials: t.field({ type: Wis2CredentialsInput, description: 'Replaces the credentials; null removes them.' }),
    queue: t.field({ type: Wis2Queue }),
  }),
});

/** The REST body for an input: the keys the client gave (null included), since absent and null differ on update. */
function restBody(input: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, key === 'credentials' && value ? restCredentials(value as object) : value]),
  );
}

/** The credentials input in REST form; a null `hosts` or `allowInsecureHttp` is the field left out, as in GraphQL. */
function restCredentials(input: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input)
      .filter(([key, value]) => value !== undefined && !(value === null && (key === 'hosts' || key in REST_CREDENTIAL_KEYS)))
      .map(([key, value]) => [REST_CREDENTIAL_KEYS[key] ?? key, value]),
  );
}

const Wis2SubscriptionSuccess = (name: string, description: string) =>
  builder.objectRef<{ __typename: string; subscription: SubscriptionRecord }>(name).implement({
    description,
    fields: (t) => ({ subscription: t.expose('subscription', { type: Wis2Subscription }) }),
  });

const CreateWis2SubscriptionSuccess = Wis2SubscriptionSuccess('CreateWis2SubscriptionSuccess', 'The new subscription; its topic is subscribed to on the broker.');
const UpdateWis2SubscriptionSuccess = Wis2SubscriptionSuccess('UpdateWis2SubscriptionSuccess', 'The subscription after the update.');

const DeleteWis2SubscriptionSuccess = builder.objectRef<{ __typename: 'DeleteWis2SubscriptionSuccess'; id: string }>('DeleteWis2SubscriptionSuccess').implement({
  description: 'The subscription is gone (files already downloaded stay).',
  fields: (t) => ({ id: t.exposeID('id') }),
});

const resolveType = (result: { __typename: string }) => result.__typename;

const CreateWis2SubscriptionResult = builder.unionType('CreateWis2SubscriptionResult', {
  types: [CreateWis2SubscriptionSuccess, Wis2SubscriptionError],
  resolveType,
});
const UpdateWis2SubscriptionResult = builder.unionType('UpdateWis2SubscriptionResult', {
  types: [UpdateWis2SubscriptionSuccess, Wis2SubscriptionError],
  resolveType,
});
const DeleteWis2SubscriptionResult = builder.unionType('DeleteWis2SubscriptionResult', {
  types: [DeleteWis2SubscriptionSuccess, Wis2SubscriptionError],
  resolveType,
});

builder.mutationFields((t) => ({
  createWis2Subscription: t.field({
    type: CreateWis2SubscriptionResult,
    description: 'Subscribes to a WIS2 topic (REST: POST /subscriptions).',
    args: { input: t.arg({ type: CreateWis2SubscriptionInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const result = await context.services.wis2Subscriptions.create(restBody(input));
      return result.ok ? { __typename: 'CreateWis2SubscriptionSuccess', subscription: result.subscription } : asProblem(result, CREATE_CODES);
    },
  }),
  updateWis2Subscription: t.field({
    type: UpdateWis2SubscriptionResult,
    description: 'Changes target, filter, credentials or queue (REST: PUT /subscriptions/{id}).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWis2SubscriptionInput, required: true }) },
    resolve: async (_root, { id, input }, context) => {
      const result = await context.services.wis2Subscriptions.update(id, restBody(input));
      return result.ok ? { __typename: 'UpdateWis2SubscriptionSuccess', subscription: result.subscription } : asProblem(result, UPDATE_CODES);
    },
  }),
  deleteWis2Subscription: t.field({
    type: DeleteWis2SubscriptionResult,
    description: 'Unsubscribes and forgets the subscription (REST: DELETE /subscriptions/{id}).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const result = await context.services.wis2Subscriptions.delete(id);
      return result.ok ? { __typename: 'DeleteWis2SubscriptionSuccess' as const, id } : asProblem(result, DELETE_CODES);
    },
  }),
}));
