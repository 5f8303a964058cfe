/**
 * DESIGN decision 8: downloads go only to http(s) URLs on public addresses, unless the operator
 * allows private networks. Every address the host resolves to is checked (dns.lookup with
 * `all: true`), and the connection is then pinned to exactly those vetted addresses so a second
 * resolution cannot swap in a private one. Redirect targets go through the same check.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type GuardResult =
  | { ok: true; url: URL; addresses: ResolvedAddress[] }
  | { ok: false; kind: 'scheme' | 'private' | 'unresolvable'; reason: string };

export interface GuardOptions {
  allowPrivateNetworks?: boolean;
  /** For tests: replaces dns.lookup(host, { all: true }). */
  resolve?: (host: string) => Promise<ResolvedAddress[]>;
  /** For tests: replaces {@link isPrivateAddress}. */
  isPrivate?: (ip: string) => boolean;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const V4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function v4Blocked(ip: string): boolean {
  const n = ipv4ToInt(ip);
  return V4_BLOCKED.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = ipv4ToInt(base);
    return n >= start && n < start + size;
  });
}

/** Expands an IPv6 address to its 8 16-bit groups (handles `::` and a dotted IPv4 tail). */
function ipv6Groups(ip: string): number[] {
  let text = ip.split('%')[0].toLowerCase();
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const n = ipv4ToInt(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === null ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g || '0', 16));
}

function v6Blocked(ip: string): boolean {
  const g = ipv6Groups(ip);
  if (g.length !== 8) return true;
  const allZeroTo = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (allZeroTo(7) && (g[7] === 0 || g[7] === 1)) return true; // :: and ::1
  if (allZeroTo(5) && g[5] === 0xffff) {
    // IPv4-mapped: judge the IPv4 address
    return v4Blocked(`${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`);
  }
  if ((g[0] & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0] & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  return false;
}

/** True for loopback, private, link-local, unique-local, multicast and other non-public addresses. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return v4Blocked(ip);
  if (family === 6) return v6Blocked(ip);
  return true;
}

const defaultResolve = async (host: string): Promise<ResolvedAddress[]> =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * Checks one URL (the first one or a redirect target). IP literals are judged without any DNS
 * query or connection; host names are resolved and every address must pass.
 */
export async function guardUrl(href: string | URL, options: GuardOptions = {}): Promise<GuardResult> {
  let url: URL;
  try {
    url = href instanceof URL ? href : new URL(href);
  } catch {
    return { ok: false, kind: 'scheme', reason: `Unsupported download URL ${String(href)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, kind: 'scheme', reason: `Unsupported download URL ${url.href}` };
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch (error) {
      return { ok: false, kind: 'unresolvable', reason: `Cannot resolve ${host}: ${(error as Error).message}` };
    }
    if (addresses.length === 0) return { ok: false, kind: 'unresolvable', reason: `Cannot resolve ${host}` };
  }
  if (!options.allowPrivateNetworks) {
    const isPrivate = options.isPrivate ?? isPrivateAddress;
    const bad = addresses.find((a) => isPrivate(a.address));
    if (bad) {
      return {
        ok: false,
        kind: 'private',
        reason: `Refused download from ${host}: ${bad.address} is a private, loopback or link-local address`,
      };
    }
  }
  return { ok: true, url, addresses };
}
