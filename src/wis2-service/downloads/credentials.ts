/**
 * A subscription's credentials on a download: the Authorization header, sent only to the hosts their `hosts` list
 * names, and over plain http only with `allow_insecure_http: true` (the rules: src/wis2/credential-hosts.ts). Where
 * they are withheld, the log says so once per subscription and reason.
 */
import type { Logger } from '../../logger.js';
import { credentialScope, credentialsWithheld, NO_HOSTS } from '../../wis2/credential-hosts.js';
import type { FetchOptions } from '../../wis2/download/fetcher.js';
import type { CredentialsInput } from '../subscriptions/model.js';

type CredentialsLog = Pick<Logger, 'warn'>;

export function authorizationHeader(credentials: CredentialsInput | null | undefined): Record<string, string> {
  if (!credentials) return {};
  if (credentials.type === 'basic') {
    const token = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
    return { authorization: `Basic ${token}` };
  }
  if (credentials.type === 'bearer') return { authorization: `Bearer ${credentials.token}` };
  return {};
}

/** What has been warned about already: one warning per subscription and reason per process, bounded. */
const warned = new Set<string>();
const MAX_WARNED = 10_000;

function warnOnce(log: CredentialsLog | undefined, subscriptionId: string, why: string): void {
  const key = `${subscriptionId}\n${why}`;
  if (warned.has(key)) return;
  if (warned.size >= MAX_WARNED) warned.clear();
  warned.add(key);
  const message =
    why === NO_HOSTS
      ? 'WIS2 subscription credentials have no credentials.hosts, so they are sent to no host; set credentials.hosts (PUT /subscriptions/{id})'
      : 'WIS2 subscription credentials withheld from a download host';
  log?.warn({ subscription: subscriptionId, reason: why }, message);
}

/**
 * The fetcher's credentials option: the header value and, per request, whether it may carry it (warning once per
 * subscription and reason when it may not). Undefined when the subscription has no credentials.
 */
export function scopedCredentials(credentials: CredentialsInput | null, subscriptionId: string, log?: CredentialsLog): FetchOptions['credentials'] {
  const authorization = authorizationHeader(credentials).authorization;
  if (!credentials || !authorization) return undefined;
  const scope = credentialScope(credentials);
  return {
    authorization,
    withheldFrom: (url) => {
      const why = credentialsWithheld(scope, url);
      if (why) warnOnce(log, subscriptionId, why);
      return why;
    },
  };
}
