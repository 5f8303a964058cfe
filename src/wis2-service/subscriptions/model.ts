/**
 * The WIS2 subscription record (spec wis2-downloader §2.2) in its three forms: the stored document (secrets encrypted),
 * the redacted API record, and the grouped listing entry.
 */
import type { EncryptedBlob } from './secrets.js';

export const QUEUES = ['high_priority', 'large_files', 'small_files'] as const;
export type Queue = (typeof QUEUES)[number];
export const DEFAULT_QUEUE: Queue = 'small_files';

/**
 * Where the credentials may go (src/wis2/credential-hosts.ts): `hosts` (canonical names, `*.` wildcards, IP addresses) and
 * `allow_insecure_http`. Absent `hosts` means no host at all. Not secret: shown in responses.
 */
export interface CredentialScopeFields {
  hosts?: string[];
  allow_insecure_http?: boolean;
}

/**
 * Credentials as accepted on write: `{type:'basic', username, password}` or `{type:'bearer', token}`, plus the optional
 * scope fields (normalised by the service); extra keys kept.
 */
export type CredentialsInput =
  | ({ type: 'basic'; username: string; password: string } & CredentialScopeFields & Record<string, unknown>)
  | ({ type: 'bearer'; token: string } & CredentialScopeFields & Record<string, unknown>);

/** What a response shows of the credentials: never the password or token; the scope fields when the subscription has them. */
export type RedactedCredentials = ({ type: 'basic'; username?: string } | { type: 'bearer' }) & CredentialScopeFields;

/**
 * Stored credentials: type, username and the scope fields in clear (they are shown), the whole object sealed with
 * AES-256-GCM. The downloader decides from the sealed copy, so editing the clear fields in the database widens nothing.
 */
export interface StoredCredentials extends CredentialScopeFields {
  type: 'basic' | 'bearer';
  username?: string;
  sealed: EncryptedBlob;
}

/** The MongoDB document of `wis2_subscriptions`. */
export interface SubscriptionDocument {
  _id: string;
  topic: string;
  save_path: string;
  filter: Record<string, unknown>;
  credentials: StoredCredentials | null;
  queue: Queue;
  created_at: Date;
  updated_at: Date;
}

/** The record of GET one / POST / PUT. */
export interface SubscriptionRecord {
  id: string;
  topic: string;
  save_path: string;
  filter: Record<string, unknown>;
  credentials: RedactedCredentials | null;
  queue: Queue;
}

/** `GET /subscriptions`: topic → id → `{save_path, filter}` (nothing else, as the reference). */
export type SubscriptionListing = Record<string, Record<string, { save_path: string; filter: Record<string, unknown> }>>;

export function redactStored(credentials: StoredCredentials | null): RedactedCredentials | null {
  if (!credentials) return null;
  const redacted: RedactedCredentials =
    credentials.type === 'bearer' ? { type: 'bearer' } : credentials.username ? { type: 'basic', username: credentials.username } : { type: 'basic' };
  if (Array.isArray(credentials.hosts)) redacted.hosts = [...credentials.hosts];
  if (typeof credentials.allow_insecure_http === 'boolean') redacted.allow_insecure_http = credentials.allow_insecure_http;
  return redacted;
}

export function toRecord(doc: SubscriptionDocument): SubscriptionRecord {
  return {
    id: doc._id,
    topic: doc.topic,
    save_path: doc.save_path,
    filter: doc.filter ?? {},
    credentials: redactStored(doc.credentials),
    queue: doc.queue,
  };
}

export function groupByTopic(docs: SubscriptionDocument[]): SubscriptionListing {
  const listing: SubscriptionListing = {};
  for (const doc of docs) {
    if (!doc.topic) continue;
    (listing[doc.topic] ??= {})[doc._id] = { save_path: doc.save_path, filter: doc.filter ?? {} };
  }
  return listing;
}
