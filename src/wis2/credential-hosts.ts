/**
 * Where a subscription's credentials may be sent (spec wis2-downloader §5.9 [REC], DESIGN decision 8):
 * `credentials.hosts` lists host names — exact, case-insensitive, a trailing dot ignored — or `*.example.org` for every
 * subdomain of example.org at any depth (not example.org itself), or IP addresses. Ports are not part of an entry and
 * not matched: a listed host gets the credentials on whatever port the link names. Plain `http://` needs
 * `credentials.allow_insecure_http: true` as well. No list (every subscription stored before it existed) means no host.
 * The rules here are pure; the service turns a refusal into a 400 and the download handler asks before every hop.
 */
import { isIP } from 'node:net';

export const MAX_CREDENTIAL_HOSTS = 100;

export const HOST_MESSAGES = {
  hostsList: 'credentials.hosts must be a list of host names',
  tooMany: `credentials.hosts may hold at most ${MAX_CREDENTIAL_HOSTS} host names`,
  badHost: (index: number, value: unknown) =>
    `credentials.hosts[${index}] is not a host name: ${JSON.stringify(value) ?? String(value)} ` +
    '(give a name such as cache.example.org, *.example.org for its subdomains, or an IP address; no scheme, port or path)',
  insecure: 'credentials.allow_insecure_http must be true or false',
} as const;

/** Characters a host name entry may hold before canonicalisation (non-ASCII for internationalised names). */
const NAME_TEXT = /^[A-Za-z0-9._\-\u0080-\uffff]+$/;
const LABEL = /^[a-z0-9_-]+$/;

/**
 * The canonical form of one `credentials.hosts` entry (lower case, punycode, IPv6 in brackets, no trailing dot), or
 * null when it is not a host name, a `*.` wildcard over a name of two labels or more, or an IP address.
 */
export function normaliseHostPattern(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 260) return null;
  const wildcard = raw.startsWith('*.');
  let text = wildcard ? raw.slice(2) : raw;
  if (isIP(text) === 6) text = `[${text}]`;
  if (text.startsWith('[')) {
    if (!/^\[[0-9A-Fa-f:.]+\]$/.test(text) || isIP(text.slice(1, -1)) !== 6) return null;
  } else if (!NAME_TEXT.test(text)) {
    return null;
  }
  let host: string;
  try {
    host = new URL(`http://${text}/`).hostname;
  } catch {
    return null;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (!host) return null;
  const ip = isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0;
  if (!ip && !host.split('.').every((label) => LABEL.test(label))) return null;
  if (wildcard && (ip || !host.includes('.'))) return null;
  return wildcard ? `*.${host}` : host;
}

export type ScopeCheck =
  | { ok: true; hosts?: string[]; allowInsecureHttp?: boolean }
  | { ok: false; error: string };

/** Validates the optional `hosts` and `allow_insecure_http` of a credentials object; the given keys come back normalised. */
export function checkCredentialScope(credentials: Record<string, unknown>): ScopeCheck {
  const result: { ok: true; hosts?: string[]; allowInsecureHttp?: boolean } = { ok: true };
  if (Object.prototype.hasOwnProperty.call(credentials, 'hosts')) {
    const raw = credentials.hosts;
    if (!Array.isArray(raw)) return { ok: false, error: HOST_MESSAGES.hostsList };
    if (raw.length > MAX_CREDENTIAL_HOSTS) return { ok: false, error: HOST_MESSAGES.tooMany };
    const hosts: string[] = [];
    for (const [index, entry] of raw.entries()) {
      const host = normaliseHostPattern(entry);
      if (host === null) return { ok: false, error: HOST_MESSAGES.badHost(index, entry) };
      if (!hosts.includes(host)) hosts.push(host);
    }
    result.hosts = hosts;
  }
  if (Object.prototype.hasOwnProperty.call(credentials, 'allow_insecure_http')) {
    if (typeof credentials.allow_insecure_http !== 'boolean') return { ok: false, error: HOST_MESSAGES.insecure };
    result.allowInsecureHttp = credentials.allow_insecure_http;
  }
  return result;
}

/** True when `hostname` (a URL's hostname) is one of `patterns` (canonical entries). */
export function matchesCredentialHost(patterns: readonly string[], hostname: string): boolean {
  let host = hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (!host) return false;
  return patterns.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
}

export interface CredentialScope {
  hosts: string[];
  allowInsecureHttp: boolean;
}

/** The scope of stored credentials (the sealed object); entries that are not valid now match nothing. */
export function credentialScope(credentials: Record<string, unknown>): CredentialScope {
  const hosts = Array.isArray(credentials.hosts)
    ? credentials.hosts.map(normaliseHostPattern).filter((host): host is string => host !== null)
    : [];
  return { hosts, allowInsecureHttp: credentials.allow_insecure_http === true };
}

export const NO_HOSTS = "the subscription's credentials have no credentials.hosts";

/** Null when a request to `url` may carry the credentials; otherwise why it may not (for logs and outcome reasons). */
export function credentialsWithheld(scope: CredentialScope, url: URL): string | null {
  if (scope.hosts.length === 0) return NO_HOSTS;
  if (!matchesCredentialHost(scope.hosts, url.hostname)) return `${url.hostname} is not in credentials.hosts`;
  if (url.protocol !== 'https:' && !scope.allowInsecureHttp) return 'plain http and credentials.allow_insecure_http is not true';
  return null;
}
