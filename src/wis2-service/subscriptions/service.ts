/**
 * The subscription rules (spec wis2-downloader §2.3–§2.8): create, get, list grouped by topic, partial update, delete.
 * Topic validated (MQTT syntax always, WIS2 shape unless switched off) and immutable; `target` confined to the data
 * root (`Invalid target` on escape); filter validated strictly; credentials checked as the reference, plus their
 * optional scope (`hosts`, `allow_insecure_http`: src/wis2/credential-hosts.ts), sealed at rest and never returned or
 * logged. A refusal is a result, `{ ok: false, reason }` (./refusals.ts words each reason); only bugs throw.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { unquoteTopic, validateTopic } from '../../wis2/topics.js';
import { normaliseTarget } from '../../wis2/save-path.js';
import { isFalsyFilter, validateFilter } from '../../wis2/filter/index.js';
import {
  DEFAULT_QUEUE, QUEUES, groupByTopic, toRecord,
  type CredentialsInput, type Queue, type StoredCredentials, type SubscriptionDocument, type SubscriptionListing, type SubscriptionRecord,
} from './model.js';
import { checkCredentialScope } from '../../wis2/credential-hosts.js';
import { open, seal } from './secrets.js';
import { StoreUnavailableError, type SubscriptionStore } from './store.js';
import type { InputRefusal, NotCreated, NotDeleted, NotFound, NotUpdated, TopicImmutable, Unexpected, Unreachable } from './refusals.js';
import type { RoutedSubscription } from '../../wis2/pipeline/notification-router.js';

export type ListSubscriptionsResult = { ok: true; listing: SubscriptionListing } | Unreachable | Unexpected;
export type SubscriptionRecordsResult = { ok: true; subscriptions: SubscriptionRecord[] } | Unreachable | Unexpected;
export type GetSubscriptionResult = { ok: true; subscription: SubscriptionRecord } | NotFound | Unreachable;
export type CreateSubscriptionResult = { ok: true; subscription: SubscriptionRecord } | InputRefusal | NotCreated;
export type UpdateSubscriptionResult = { ok: true; subscription: SubscriptionRecord } | NotFound | Unreachable | TopicImmutable | InputRefusal | NotUpdated;
export type DeleteSubscriptionResult = { ok: true; id: string } | NotFound | NotDeleted;

/** A checked part of a request body, or why it was refused. */
type Checked<T> = { ok: true; value: T } | InputRefusal;
const accept = <T>(value: T): Checked<T> => ({ ok: true, value });

export interface SubscriptionServiceOptions {
  dataRoot: string;
  key: Buffer;
  validateTopics: boolean;
  log?: Logger;
  /** Told after every successful create, update and delete (the MQTT side re-syncs on it). */
  onChange?: (change: { id: string; action: 'created' | 'updated' | 'deleted' }) => void | Promise<void>;
}

type Body = Record<string, unknown>;
const has = (body: Body, key: string) => Object.prototype.hasOwnProperty.call(body, key);

/** Python truthiness of a JSON value, as the reference's `if not x` checks. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

export class SubscriptionService {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly options: SubscriptionServiceOptions,
  ) {}

  async list(): Promise<ListSubscriptionsResult> {
    const all = await this.loadAll();
    return all.ok ? { ok: true, listing: groupByTopic(all.docs) } : all;
  }

  /** Every subscription as a full redacted record, oldest first (GraphQL lists these; REST only has the grouping). */
  async records(): Promise<SubscriptionRecordsResult> {
    const all = await this.loadAll();
    return all.ok ? { ok: true, subscriptions: all.docs.map(toRecord) } : all;
  }

  async get(id: string): Promise<GetSubscriptionResult> {
    const loaded = await this.load(id);
    return loaded.ok ? { ok: true, subscription: toRecord(loaded.doc) } : loaded;
  }

  async create(input: unknown): Promise<CreateSubscriptionResult> {
    const body: Body = isObject(input) ? input : {};
    // Checked in the reference's order: the first fault is the one reported.
    const topic = this.checkTopic(body.topic);
    if (!topic.ok) return topic;
    const credentials = has(body, 'credentials') ? checkCredentials(body.credentials) : accept(null);
    if (!credentials.ok) return credentials;
    const queue = has(body, 'queue') ? checkQueue(body.queue) : accept(DEFAULT_QUEUE);
    if (!queue.ok) return queue;
    const savePath = this.checkTarget(body.target);
    if (!savePath.ok) return savePath;
    const filter = checkFilter(has(body, 'filter') && body.filter !== undefined ? body.filter : body.filters);
    if (!filter.ok) return filter;
    const id = randomUUID();
    const now = new Date();
    const doc: SubscriptionDocument = {
      _id: id,
      topic: topic.value,
      save_path: savePath.value,
      filter: filter.value,
      credentials: credentials.value ? this.sealCredentials(id, credentials.value) : null,
      queue: queue.value,
      created_at: now,
      updated_at: now,
    };
    if (!(await written(() => this.store.insert(doc)))) return { ok: false, reason: 'not_created' };
    this.options.log?.info({ subscription: id, topic: doc.topic, queue: doc.queue, credentials: doc.credentials?.type ?? null }, 'WIS2 subscription created');
    await this.changed(id, 'created');
    return { ok: true, subscription: toRecord(doc) };
  }

  /** Partial update: only keys present are applied; `credentials: null` clears them; a different topic is refused. */
  async update(id: string, input: unknown): Promise<UpdateSubscriptionResult> {
    const body: Body = isObject(input) ? input : {};
    const loaded = await this.load(id);
    if (!loaded.ok) return loaded;
    const current = loaded.doc;
    const next: SubscriptionDocument = { ...current, updated_at: new Date() };
    if (has(body, 'topic') && body.topic !== undefined && body.topic !== null) {
      if (typeof body.topic !== 'string') return { ok: false, reason: 'topic_not_string' };
      if (unquoteTopic(body.topic) !== current.topic) return { ok: false, reason: 'topic_immutable' };
    }
    if (has(body, 'credentials')) {
      const credentials = body.credentials === null ? accept(null) : checkCredentials(body.credentials);
      if (!credentials.ok) return credentials;
      next.credentials = credentials.value ? this.sealCredentials(id, credentials.value) : null;
    }
    if (has(body, 'queue')) {
      const queue = checkQueue(body.queue);
      if (!queue.ok) return queue;
      next.queue = queue.value;
    }
    if (has(body, 'target')) {
      const savePath = this.checkTarget(body.target);
      if (!savePath.ok) return savePath;
      next.save_path = savePath.value;
    }
    if (has(body, 'filter')) {
      const filter = checkFilter(body.filter);
      if (!filter.ok) return filter;
      next.filter = filter.value;
    }
    const replaced = await written(() => this.store.replace(next));
    if (!replaced) return { ok: false, reason: 'not_updated' };
    if (!replaced.answer) return { ok: false, reason: 'not_found', id };
    this.options.log?.info({ subscription: id, topic: next.topic, queue: next.queue, credentials: next.credentials?.type ?? null }, 'WIS2 subscription updated');
    await this.changed(id, 'updated');
    return { ok: true, subscription: toRecord(next) };
  }

  async delete(id: string): Promise<DeleteSubscriptionResult> {
    const deleted = await written(() => this.store.delete(id));
    if (!deleted) return { ok: false, reason: 'not_deleted' };
    if (!deleted.answer) return { ok: false, reason: 'not_found', id };
    this.options.log?.info({ subscription: id }, 'WIS2 subscription deleted');
    await this.changed(id, 'deleted');
    return { ok: true, id };
  }

  /**
   * The clear credentials of a subscription, for the downloader only (never for a response or a log); null when it
   * has none or is gone. A store failure, or a sealed blob that does not open, throws.
   */
  async credentialsFor(id: string): Promise<CredentialsInput | null> {
    const doc = await this.store.get(id);
    if (!doc?.credentials) return null;
    return JSON.parse(open(this.options.key, doc.credentials.sealed, id)) as CredentialsInput;
  }

  /** Every stored subscription as the notification router needs it (no credentials: the job asks for them). */
  async routed(): Promise<RoutedSubscription[]> {
    return (await this.store.list()).map((doc) => ({
      id: doc._id,
      topic: doc.topic,
      savePath: doc.save_path,
      filter: doc.filter ?? {},
      queue: doc.queue,
    }));
  }

  healthy(): Promise<boolean> {
    return this.store.ping();
  }

  private async changed(id: string, action: 'created' | 'updated' | 'deleted'): Promise<void> {
    try {
      await this.options.onChange?.({ id, action });
    } catch (error) {
      // The change is stored; the MQTT side also re-syncs periodically, so a lost notice only delays it.
      this.options.log?.warn({ err: error, subscription: id }, 'WIS2 subscription change notice failed');
    }
  }

  private async loadAll(): Promise<{ ok: true; docs: SubscriptionDocument[] } | Unreachable | Unexpected> {
    try {
      return { ok: true, docs: await this.store.list() };
    } catch (error) {
      if (error instanceof StoreUnavailableError) return { ok: false, reason: 'unreachable', detail: error.message };
      return { ok: false, reason: 'unexpected', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async load(id: string): Promise<{ ok: true; doc: SubscriptionDocument } | NotFound | Unreachable> {
    let doc: SubscriptionDocument | null;
    try {
      doc = await this.store.get(id);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return { ok: false, reason: 'unreachable', detail: error.message };
      throw error;
    }
    return doc ? { ok: true, doc } : { ok: false, reason: 'not_found', id };
  }

  private checkTopic(raw: unknown): Checked<string> {
    if (raw === undefined || raw === null) return { ok: false, reason: 'no_topic' };
    if (typeof raw !== 'string') return { ok: false, reason: 'topic_not_string' };
    const topic = unquoteTopic(raw);
    const result = validateTopic(topic, { wis2: this.options.validateTopics });
    if (result.ok) return accept(topic);
    return result.code === 'empty' ? { ok: false, reason: 'no_topic' } : { ok: false, reason: 'invalid_topic', detail: result.error };
  }

  private checkTarget(raw: unknown): Checked<string> {
    if (raw !== undefined && raw !== null && typeof raw !== 'string') return { ok: false, reason: 'invalid_target' };
    const result = normaliseTarget(raw as string | null | undefined, this.options.dataRoot);
    return result.ok ? accept(result.savePath) : { ok: false, reason: 'invalid_target' };
  }

  private sealCredentials(id: string, credentials: CredentialsInput): StoredCredentials {
    const stored: StoredCredentials = { type: credentials.type, sealed: seal(this.options.key, JSON.stringify(credentials), id) };
    if (credentials.type === 'basic' && credentials.username) stored.username = String(credentials.username);
    if (credentials.hosts) stored.hosts = [...credentials.hosts];
    if (credentials.allow_insecure_http !== undefined) stored.allow_insecure_http = credentials.allow_insecure_http;
    return stored;
  }
}

/** A write's answer, or null when the database could not be reached. */
async function written<T>(write: () => Promise<T>): Promise<{ answer: T } | null> {
  try {
    return { answer: await write() };
  } catch (error) {
    if (error instanceof StoreUnavailableError) return null;
    throw error;
  }
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** §2.5, in the reference's order; then the scope (`hosts`, `allow_insecure_http`), stored normalised. */
function checkCredentials(value: unknown): Checked<CredentialsInput | null> {
  if (value === null) return accept(null); // POST with `credentials: null`: none
  if (!isObject(value)) return { ok: false, reason: 'credentials_not_object' };
  if (value.type !== 'basic' && value.type !== 'bearer') return { ok: false, reason: 'credentials_type' };
  if (value.type === 'basic') {
    if (!truthy(value.username) || !truthy(value.password)) return { ok: false, reason: 'basic_needs' };
  } else if (!truthy(value.token)) return { ok: false, reason: 'bearer_needs' };
  const scope = checkCredentialScope(value);
  if (!scope.ok) return { ok: false, reason: 'invalid_credentials_scope', detail: scope.error };
  const credentials: Body = { ...value };
  if (scope.hosts) credentials.hosts = scope.hosts;
  if (scope.allowInsecureHttp !== undefined) credentials.allow_insecure_http = scope.allowInsecureHttp;
  return accept(credentials as CredentialsInput);
}

function checkQueue(value: unknown): Checked<Queue> {
  if (typeof value !== 'string' || !(QUEUES as readonly string[]).includes(value)) return { ok: false, reason: 'invalid_queue' };
  return accept(value as Queue);
}

/** A falsy filter is stored as `{}` (the default filter applies at download time); anything else must validate strictly. */
function checkFilter(value: unknown): Checked<Record<string, unknown>> {
  if (isFalsyFilter(value)) return accept({});
  const result = validateFilter(value, { strict: true });
  if (result.ok) return accept(value as Record<string, unknown>);
  const first = result.issues[0];
  const where = first.pointer ? `${first.pointer}: ` : '';
  const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : '';
  return { ok: false, reason: 'invalid_filter', detail: `${where}${first.message}${more}` };
}
