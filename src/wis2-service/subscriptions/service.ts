/**
 * The subscription rules (spec wis2-downloader §2.3–§2.8): create, get, list grouped by topic, partial update, delete.
 * Topic validated (MQTT syntax always, WIS2 shape unless switched off) and immutable; `target` confined to the data
 * root (400 `Invalid target` on escape); filter validated strictly; credentials checked as the reference, plus their
 * optional scope (`hosts`, `allow_insecure_http`: src/wis2/credential-hosts.ts), sealed at rest and never returned or logged. Errors are {@link SubscriptionError}s carrying the status and the exact message.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { NO_TOPIC_PROVIDED, unquoteTopic, validateTopic } from '../../wis2/topics.js';
import { normaliseTarget } from '../../wis2/save-path.js';
import { isFalsyFilter, validateFilter } from '../../wis2/filter/index.js';
import {
  DEFAULT_QUEUE, QUEUES, groupByTopic, toRecord,
  type CredentialsInput, type Queue, type StoredCredentials, type SubscriptionDocument, type SubscriptionListing, type SubscriptionRecord,
} from './model.js';
import { checkCredentialScope } from '../../wis2/credential-hosts.js';
import { open, seal } from './secrets.js';
import { StoreUnavailableError, type SubscriptionStore } from './store.js';
import type { RoutedSubscription } from '../../wis2/pipeline/notification-router.js';

/** The reference's messages (§2.4); the backend named is ours, MongoDB, where the reference said Redis. */
export const MESSAGES = {
  noTopic: NO_TOPIC_PROVIDED,
  topicNotString: 'topic must be a string',
  topicImmutable: 'topic cannot be changed; delete the subscription and create a new one',
  credentialsObject: 'credentials must be an object',
  credentialsType: "credentials.type must be 'basic' or 'bearer'",
  basicNeeds: 'basic auth requires username and password',
  bearerNeeds: 'bearer auth requires token',
  queue: `queue must be one of: ${[...QUEUES].sort().join(', ')}`,
  invalidTarget: 'Invalid target',
  notFound: (id: string) => `Subscription '${id}' not found`,
  connect: (detail: string) => `Failed to connect to MongoDB: ${detail}`,
  persistCreate: 'Failed to persist subscription to MongoDB',
  persistUpdate: 'Failed to persist update to MongoDB',
  deleteFailed: 'Failed to delete subscription from MongoDB',
  unexpected: (detail: string) => `Unexpected error: ${detail}`,
} as const;

export class SubscriptionError extends Error {
  constructor(readonly status: 400 | 404 | 500 | 503, message: string) {
    super(message);
  }
}

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

  async list(): Promise<SubscriptionListing> {
    return groupByTopic(await this.loadAll());
  }

  /** Every subscription as a full redacted record, oldest first (GraphQL lists these; REST only has the grouping). */
  async records(): Promise<SubscriptionRecord[]> {
    return (await this.loadAll()).map(toRecord);
  }

  async get(id: string): Promise<SubscriptionRecord> {
    return toRecord(await this.load(id));
  }

  async create(input: unknown): Promise<SubscriptionRecord> {
    const body: Body = isObject(input) ? input : {};
    const topic = this.checkTopic(body.topic);
    const credentials = has(body, 'credentials') ? checkCredentials(body.credentials) : null;
    const queue = has(body, 'queue') ? checkQueue(body.queue) : DEFAULT_QUEUE;
    const savePath = this.checkTarget(body.target);
    const filter = checkFilter(has(body, 'filter') && body.filter !== undefined ? body.filter : body.filters);
    const id = randomUUID();
    const now = new Date();
    const doc: SubscriptionDocument = {
      _id: id,
      topic,
      save_path: savePath,
      filter,
      credentials: credentials ? this.sealCredentials(id, credentials) : null,
      queue,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.insert(doc);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new SubscriptionError(503, MESSAGES.persistCreate);
      throw error;
    }
    this.options.log?.info({ subscription: id, topic, queue, credentials: doc.credentials?.type ?? null }, 'WIS2 subscription created');
    await this.changed(id, 'created');
    return toRecord(doc);
  }

  /** Partial update: only keys present are applied; `credentials: null` clears them; a different topic is refused. */
  async update(id: string, input: unknown): Promise<SubscriptionRecord> {
    const body: Body = isObject(input) ? input : {};
    const current = await this.load(id);
    const next: SubscriptionDocument = { ...current, updated_at: new Date() };
    if (has(body, 'topic') && body.topic !== undefined && body.topic !== null) {
      if (typeof body.topic !== 'string') throw new SubscriptionError(400, MESSAGES.topicNotString);
      if (unquoteTopic(body.topic) !== current.topic) throw new SubscriptionError(400, MESSAGES.topicImmutable);
    }
    if (has(body, 'credentials')) {
      const credentials = body.credentials === null ? null : checkCredentials(body.credentials);
      next.credentials = credentials ? this.sealCredentials(id, credentials) : null;
    }
    if (has(body, 'queue')) next.queue = checkQueue(body.queue);
    if (has(body, 'target')) next.save_path = this.checkTarget(body.target);
    if (has(body, 'filter')) next.filter = checkFilter(body.filter);
    let replaced: boolean;
    try {
      replaced = await this.store.replace(next);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new SubscriptionError(503, MESSAGES.persistUpdate);
      throw error;
    }
    if (!replaced) throw new SubscriptionError(404, MESSAGES.notFound(id));
    this.options.log?.info({ subscription: id, topic: next.topic, queue: next.queue, credentials: next.credentials?.type ?? null }, 'WIS2 subscription updated');
    await this.changed(id, 'updated');
    return toRecord(next);
  }

  async delete(id: string): Promise<{ status: 'deleted'; id: string }> {
    let deleted: boolean;
    try {
      deleted = await this.store.delete(id);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new SubscriptionError(503, MESSAGES.deleteFailed);
      throw error;
    }
    if (!deleted) throw new SubscriptionError(404, MESSAGES.notFound(id));
    this.options.log?.info({ subscription: id }, 'WIS2 subscription deleted');
    await this.changed(id, 'deleted');
    return { status: 'deleted', id };
  }

  /** The clear credentials of a subscription, for the downloader only (never for a response or a log). */
  async credentialsFor(id: string): Promise<CredentialsInput | null> {
    const doc = await this.load(id);
    if (!doc.credentials) return null;
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

  private async loadAll(): Promise<SubscriptionDocument[]> {
    try {
      return await this.store.list();
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new SubscriptionError(503, MESSAGES.connect(error.message));
      throw new SubscriptionError(500, MESSAGES.unexpected(error instanceof Error ? error.message : String(error)));
    }
  }

  private async load(id: string): Promise<SubscriptionDocument> {
    let doc: SubscriptionDocument | null;
    try {
      doc = await this.store.get(id);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new SubscriptionError(503, MESSAGES.connect(error.message));
      throw error;
    }
    if (!doc) throw new SubscriptionError(404, MESSAGES.notFound(id));
    return doc;
  }

  private checkTopic(raw: unknown): string {
    if (raw === undefined || raw === null) throw new SubscriptionError(400, MESSAGES.noTopic);
    if (typeof raw !== 'string') throw new SubscriptionError(400, MESSAGES.topicNotString);
    const topic = unquoteTopic(raw);
    const result = validateTopic(topic, { wis2: this.options.validateTopics });
    if (!result.ok) throw new SubscriptionError(400, result.error);
    return topic;
  }

  private checkTarget(raw: unknown): string {
    if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new SubscriptionError(400, MESSAGES.invalidTarget);
    const result = normaliseTarget(raw as string | null | undefined, this.options.dataRoot);
    if (!result.ok) throw new SubscriptionError(400, result.error);
    return result.savePath;
  }

  private sealCredentials(id: string, credentials: CredentialsInput): StoredCredentials {
    const stored: StoredCredentials = { type: credentials.type, sealed: seal(this.options.key, JSON.stringify(credentials), id) };
    if (credentials.type === 'basic' && credentials.username) stored.username = String(credentials.username);
    if (credentials.hosts) stored.hosts = [...credentials.hosts];
    if (credentials.allow_insecure_http !== undefined) stored.allow_insecure_http = credentials.allow_insecure_http;
    return stored;
  }
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** §2.5, in the reference's order; then the scope (`hosts`, `allow_insecure_http`), stored normalised. */
function checkCredentials(value: unknown): CredentialsInput | null {
  if (value === null) return null; // POST with `credentials: null`: none
  if (!isObject(value)) throw new SubscriptionError(400, MESSAGES.credentialsObject);
  if (value.type !== 'basic' && value.type !== 'bearer') throw new SubscriptionError(400, MESSAGES.credentialsType);
  if (value.type === 'basic') {
    if (!truthy(value.username) || !truthy(value.password)) throw new SubscriptionError(400, MESSAGES.basicNeeds);
  } else if (!truthy(value.token)) throw new SubscriptionError(400, MESSAGES.bearerNeeds);
  const scope = checkCredentialScope(value);
  if (!scope.ok) throw new SubscriptionError(400, scope.error);
  const credentials: Body = { ...value };
  if (scope.hosts) credentials.hosts = scope.hosts;
  if (scope.allowInsecureHttp !== undefined) credentials.allow_insecure_http = scope.allowInsecureHttp;
  return credentials as CredentialsInput;
}

function checkQueue(value: unknown): Queue {
  if (typeof value !== 'string' || !(QUEUES as readonly string[]).includes(value)) throw new SubscriptionError(400, MESSAGES.queue);
  return value as Queue;
}

/** A falsy filter is stored as `{}` (the default filter applies at download time); anything else must validate strictly. */
function checkFilter(value: unknown): Record<string, unknown> {
  if (isFalsyFilter(value)) return {};
  const result = validateFilter(value, { strict: true });
  if (!result.ok) {
    const first = result.issues[0];
    const where = first.pointer ? `${first.pointer}: ` : '';
    const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : '';
    throw new SubscriptionError(400, `Invalid filter: ${where}${first.message}${more}`);
  }
  return value as Record<string, unknown>;
}
