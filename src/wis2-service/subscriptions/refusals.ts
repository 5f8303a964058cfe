/**
 * Why SubscriptionService refuses a request, and the words of each reason: the reference's messages (spec §2.4),
 * exact, with MongoDB named where the reference said Redis. Both APIs answer with these words unchanged (REST
 * `{"error": …}`, GraphQL `Wis2SubscriptionError.message`); each decides only the status or code of a reason.
 */
import { NO_TOPIC_PROVIDED } from '../../wis2/topics.js';
import { QUEUES } from './model.js';

/** What can be wrong with a create or update body; the second list carries the validator's own words (`detail`). */
export const INPUT_REASONS = [
  'no_topic', 'topic_not_string', 'credentials_not_object', 'credentials_type', 'basic_needs', 'bearer_needs', 'invalid_queue', 'invalid_target',
] as const;
export const DETAILED_INPUT_REASONS = ['invalid_topic', 'invalid_credentials_scope', 'invalid_filter'] as const;

export type InputRefusal =
  | { ok: false; reason: (typeof INPUT_REASONS)[number] }
  | { ok: false; reason: (typeof DETAILED_INPUT_REASONS)[number]; detail: string };

export type NotFound = { ok: false; reason: 'not_found'; id: string };
/** The database could not be reached to read (`detail`: the driver's message). */
export type Unreachable = { ok: false; reason: 'unreachable'; detail: string };
/** Reading the list failed otherwise (the reference answers 500). */
export type Unexpected = { ok: false; reason: 'unexpected'; detail: string };
/** The database could not be reached to write. */
export type NotCreated = { ok: false; reason: 'not_created' };
export type NotUpdated = { ok: false; reason: 'not_updated' };
export type NotDeleted = { ok: false; reason: 'not_deleted' };
export type TopicImmutable = { ok: false; reason: 'topic_immutable' };

export type SubscriptionRefusal = InputRefusal | NotFound | Unreachable | Unexpected | NotCreated | NotUpdated | NotDeleted | TopicImmutable;
export type RefusalReason = SubscriptionRefusal['reason'];

/** The reasons an operation's result can hold: the keys of that operation's table in each API. */
export type ReasonOf<Result> = Result extends { ok: false; reason: infer R extends string } ? R : never;
/** One API's answer to each reason an operation can give. */
export type RefusalTable<Result, Answer> = Record<ReasonOf<Result>, Answer>;

/** The same answer to every way a body can be wrong (each API answers them all alike). */
export function sameForAllInput<Answer>(answer: Answer): RefusalTable<InputRefusal, Answer> {
  return Object.fromEntries([...INPUT_REASONS, ...DETAILED_INPUT_REASONS].map((reason) => [reason, answer])) as RefusalTable<InputRefusal, Answer>;
}

type Words<R> = string | ((refusal: R) => string);

/** The words of every reason (renamed from MESSAGES: the GasFlux REST catalogue has that name). */
export const SUBSCRIPTION_MESSAGES = {
  no_topic: NO_TOPIC_PROVIDED,
  topic_not_string: 'topic must be a string',
  // validateTopic words it ("Invalid topic: …").
  invalid_topic: ({ detail }) => detail,
  topic_immutable: 'topic cannot be changed; delete the subscription and create a new one',
  credentials_not_object: 'credentials must be an object',
  credentials_type: "credentials.type must be 'basic' or 'bearer'",
  basic_needs: 'basic auth requires username and password',
  bearer_needs: 'bearer auth requires token',
  // checkCredentialScope words it (HOST_MESSAGES).
  invalid_credentials_scope: ({ detail }) => detail,
  invalid_queue: `queue must be one of: ${[...QUEUES].sort().join(', ')}`,
  invalid_target: 'Invalid target',
  invalid_filter: ({ detail }) => `Invalid filter: ${detail}`,
  not_found: ({ id }) => `Subscription '${id}' not found`,
  unreachable: ({ detail }) => `Failed to connect to MongoDB: ${detail}`,
  unexpected: ({ detail }) => `Unexpected error: ${detail}`,
  not_created: 'Failed to persist subscription to MongoDB',
  not_updated: 'Failed to persist update to MongoDB',
  not_deleted: 'Failed to delete subscription from MongoDB',
} satisfies { [R in SubscriptionRefusal as R['reason']]: Words<R> };

export function refusalMessage(refusal: SubscriptionRefusal): string {
  const words: Words<never> = SUBSCRIPTION_MESSAGES[refusal.reason];
  return typeof words === 'function' ? words(refusal as never) : words;
}
