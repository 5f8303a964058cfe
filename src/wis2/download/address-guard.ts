/**
 * DESIGN decision 8: downloads go only to http(s) URLs on public addresses, unless the operator
 * allows private networks. Every address the host resolves to is checked (dns.lookup with
 * `all: true`), and the connection is then pinned to exactly those vetted addresses so a second
 * resolution cannot swap in a private one. Redirect targets go through the same check. IPv6 forms that carry an IPv4
 * address (mapped, translated, NAT64, 6to4, ISATAP) are judged by that address; IPv4-compatible, NAT64 local-use and
 * Teredo addresses are refused whole. Ranges are Node's `net.BlockList`s; `isIP` validates before anything is parsed.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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

const V4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/**
 * IPv6 blocks refused whole. The ones that carry an IPv4 address whose position is unknown or obfuscated are here too:
 * IPv4-compatible `::/96` (deprecated by RFC 4291, not routable; it also holds `::` and `::1`), NAT64 local-use
 * `64:ff9b:1::/48` (RFC 8215: the operator picks where the IPv4 sits) and Teredo `2001::/32` (RFC 4380: the client
 * IPv4 is XOR-obfuscated, and the relay decides where packets go).
 */
const V6_BLOCKED: Array<[string, number]> = [
  ['::', 96], // IPv4-compatible (deprecated), unspecified, loopback
  ['64:ff9b:1::', 48], // NAT64 local-use
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // SRv6 SIDs (RFC 9602), not globally reachable
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

function blockList(ranges: Array<[string, number]>, family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const V4_LIST = blockList(V4_BLOCKED, 'ipv4');
const V6_LIST = blockList(V6_BLOCKED, 'ipv6');

/**
 * IPv6 blocks that carry an IPv4 address at a known place; the address is judged by the IPv4 rules. `at` is the index
 * of the first of the two 16-bit groups holding it.
 */
const V6_EMBEDDING: Array<{ name: string; list: BlockList; at: number }> = [
  { name: 'IPv4-mapped', list: blockList([['::ffff:0:0', 96]], 'ipv6'), at: 6 },
  { name: 'IPv4-translated', list: blockList([['::ffff:0:0:0', 96]], 'ipv6'), at: 6 },
  { name: 'NAT64', list: blockList([['64:ff9b::', 96]], 'ipv6'), at: 6 },
  { name: '6to4', list: blockList([['2002::', 16]], 'ipv6'), at: 1 },
];

/**
 * The eight 16-bit groups of an address `isIP` has already accepted as IPv6 (zone id stripped by the caller): `::`
 * expanded, a dotted IPv4 tail turned into two groups. Node validates; this only takes the valid text apart.
 */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === null ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

const dottedOf = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * Why an address is refused, or null when it is public. For an IPv6 form that carries an IPv4 address the reason
 * names that address.
 */
export function addressRefusal(ip: string): string | null {
  const zone = ip.indexOf('%');
  const bare = zone >= 0 ? ip.slice(0, zone) : ip;
  const family = isIP(bare);
  if (family === 4) return V4_LIST.check(bare, 'ipv4') ? 'non-public IPv4 range' : null;
  if (family !== 6) return 'not an IP address';
  if (V6_LIST.check(bare, 'ipv6')) return 'non-public IPv6 range';
  const g = ipv6Groups(bare);
  if (g.length !== 8 || g.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffff)) return 'not an IP address';
  for (const form of V6_EMBEDDING) {
    if (!form.list.check(bare, 'ipv6')) continue;
    const v4 = dottedOf(g[form.at], g[form.at + 1]);
    if (V4_LIST.check(v4, 'ipv4')) return `${form.name} form of ${v4}`;
  }
  // ISATAP interface identifier (RFC 5214): `0000:5efe` or `0200:5efe` (u/g bits may vary) then an IPv4, any prefix.
  if ((g[4] & 0xfcff) === 0 && g[5] === 0x5efe) {
    const v4 = dottedOf(g[6], g[7]);
    if (V4_LIST.check(v4, 'ipv4')) return `ISATAP form of ${v4}`;
  }
  return null;
}

/**
 * True for loopback, private, link-local, unique-local, multicast and other non-public addresses, and for every IPv6
 * form that carries a non-public IPv4 address (mapped, translated, NAT64, 6to4, ISATAP) or whose IPv4 part cannot be
 * judged (IPv4-compatible, NAT64 local-use, Teredo).
 */
export function isPrivateAddress(ip: string): boolean {
  return addressRefusal(ip) !== null;
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
      const why = addressRefusal(bad.address);
      const detail = why && / form of /.test(why) ? ` (${why})` : '';
      return {
        ok: false,
        kind: 'private',
        reason: `Refused download from ${host}: ${bad.address} is a private, loopback or link-local address${detail}`,
      };
    }
  }
  return { ok: true, url, addresses };
}
