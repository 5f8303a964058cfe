/**
 * The address guard (DESIGN decision 8) against IPv6 spellings that carry an IPv4 address: IPv4-mapped, IPv4-compatible,
 * IPv4-translated (SIIT), NAT64 (well-known and local-use prefixes), 6to4, Teredo and ISATAP. Each embedded IPv4 address
 * is judged by the IPv4 rules; the forms that cannot be judged (Teredo, NAT64 local-use, the deprecated IPv4-compatible
 * block) are refused whole. Then the same through URLs and through the fetcher, which refuses before any connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchToFile, guardUrl, isPrivateAddress } from '../../src/wis2/download/index.ts';
import { useFileServer } from '../helpers/file-server.ts';

/** [address as DNS or a URL gives it, refused?, why] */
const TABLE: Array<[string, boolean, string]> = [
  // plain IPv4 and IPv6 (unchanged)
  ['127.0.0.1', true, 'IPv4 loopback'],
  ['10.0.0.1', true, 'IPv4 private'],
  ['169.254.169.254', true, 'IPv4 link-local (cloud metadata)'],
  ['100.64.0.1', true, 'carrier-grade NAT'],
  ['8.8.8.8', false, 'public IPv4'],
  ['93.184.216.34', false, 'public IPv4'],
  ['::1', true, 'IPv6 loopback'],
  ['::', true, 'unspecified'],
  ['fe80::1', true, 'link-local'],
  ['fe80::1%eth0', true, 'link-local with a zone id'],
  ['FE80::1', true, 'link-local in upper case'],
  ['fd00::1', true, 'unique local'],
  ['fec0::1', true, 'site-local'],
  ['ff02::1', true, 'multicast'],
  ['2001:db8::1', true, 'documentation'],
  ['3fff::1', true, 'documentation (RFC 9637)'],
  ['100::1', true, 'discard-only'],
  ['2001:2::1', true, 'benchmarking'],
  ['2606:4700::1111', false, 'public IPv6'],
  ['2a00:1450:4001:80b::200e', false, 'public IPv6'],
  // IPv4-mapped ::ffff:0:0/96, every spelling
  ['::ffff:127.0.0.1', true, 'mapped loopback, dotted'],
  ['::ffff:7f00:1', true, 'mapped loopback, hex'],
  ['::FFFF:7F00:0001', true, 'mapped loopback, upper case, leading zeros'],
  ['0:0:0:0:0:ffff:127.0.0.1', true, 'mapped loopback, uncompressed dotted'],
  ['0000:0000:0000:0000:0000:ffff:7f00:0001', true, 'mapped loopback, full form'],
  ['::ffff:10.1.2.3', true, 'mapped private'],
  ['::ffff:a9fe:a9fe', true, 'mapped link-local'],
  ['::ffff:8.8.8.8', false, 'mapped public'],
  ['::ffff:808:808', false, 'mapped public, hex'],
  // IPv4-compatible ::/96 (deprecated, RFC 4291): refused whatever it holds
  ['::127.0.0.1', true, 'compatible loopback, dotted'],
  ['::7f00:1', true, 'compatible loopback, hex'],
  ['0:0:0:0:0:0:7f00:1', true, 'compatible loopback, uncompressed'],
  ['::a00:1', true, 'compatible private'],
  ['::8.8.8.8', true, 'compatible (deprecated, not routable) even for a public IPv4'],
  // IPv4-translated ::ffff:0:0:0/96 (RFC 2765)
  ['::ffff:0:7f00:1', true, 'translated loopback'],
  ['::ffff:0:127.0.0.1', true, 'translated loopback, dotted'],
  ['0:0:0:0:ffff:0:a9fe:a9fe', true, 'translated link-local'],
  ['::ffff:0:808:808', false, 'translated public'],
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052): what DNS64 hands out on IPv6-only networks
  ['64:ff9b::7f00:1', true, 'NAT64 loopback'],
  ['64:FF9B::127.0.0.1', true, 'NAT64 loopback, dotted, upper case'],
  ['64:ff9b:0:0:0:0:a00:1', true, 'NAT64 private, uncompressed'],
  ['64:ff9b::c0a8:101', true, 'NAT64 192.168.1.1'],
  ['64:ff9b::808:808', false, 'NAT64 public (DNS64)'],
  // NAT64 local-use 64:ff9b:1::/48 (RFC 8215): the IPv4 position is the operator's choice; never global
  ['64:ff9b:1::1', true, 'NAT64 local-use'],
  ['64:ff9b:1::8.8.8.8', true, 'NAT64 local-use even with a public tail'],
  ['64:ff9b:1:7f00:1::', true, 'NAT64 local-use /48 + /56 layout'],
  // 6to4 2002::/16 (RFC 3056): the IPv4 is in bits 16–47
  ['2002:7f00:1::', true, '6to4 of 127.0.0.1'],
  ['2002:7f00:0001::1', true, '6to4 of 127.0.0.1, leading zeros'],
  ['2002:a00:1::1', true, '6to4 of 10.0.0.1'],
  ['2002:a9fe:a9fe::', true, '6to4 of 169.254.169.254'],
  ['2002:808:808::1', false, '6to4 of a public IPv4'],
  // Teredo 2001::/32 (RFC 4380): the client IPv4 is obfuscated, so the whole prefix is refused
  ['2001::1', true, 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true, 'Teredo (the RFC 4380 example)'],
  ['2001:0000:0:0:0:0:80ff:fffe', true, 'Teredo, obfuscated 127.0.0.1'],
  // ISATAP interface identifiers (RFC 5214) carry an IPv4 in the last 32 bits under any prefix
  ['2a00:1450::5efe:a00:1', true, 'ISATAP of 10.0.0.1'],
  ['2a00:1450::200:5efe:7f00:1', true, 'ISATAP (global bit) of 127.0.0.1'],
  ['2a00:1450::5efe:808:808', false, 'ISATAP of a public IPv4'],
  // not an address at all
  ['not-an-ip', true, 'garbage'],
  ['', true, 'empty'],
];

describe('address classification: IPv6 forms that embed an IPv4 address', () => {
  test('every row of the table gets its verdict', () => {
    const wrong = TABLE.filter(([ip, refused]) => isPrivateAddress(ip) !== refused).map(([ip, refused, why]) => `${ip} (${why}): expected ${refused ? 'refused' : 'allowed'}`);
    assert.deepEqual(wrong, []);
  });

  test('URL host forms: brackets, upper case, compressed zeros and ports are judged as the address they name, without DNS', async () => {
    const resolve = async () => {
      throw new Error('no DNS for literals');
    };
    const refused = [
      'http://[::127.0.0.1]/x.bufr4',
      'http://[::ffff:0:7f00:1]/x.bufr4',
      'http://[64:ff9b::7f00:1]/x.bufr4',
      'http://[64:FF9B::127.0.0.1]:8080/x.bufr4',
      'http://[0:0:0:0:0:FFFF:127.0.0.1]/x.bufr4',
      'https://[::ffff:7f00:0001]:443/x.bufr4',
      'https://[2002:7f00:0001::]/x.bufr4',
      'http://[2001:0::1]/x.bufr4',
      'http://[64:ff9b:1::a]/x.bufr4',
      'http://0x7f.1/x.bufr4',
      'http://127.0.0.1./x.bufr4',
      'http://2130706433/x.bufr4',
    ];
    for (const href of refused) {
      const result = await guardUrl(href, { resolve });
      assert.equal(result.ok, false, href);
      assert.equal(!result.ok && result.kind, 'private', href);
    }
    for (const href of ['http://[64:ff9b::808:808]/x.bufr4', 'https://[2606:4700::1111]/x.bufr4', 'http://[::ffff:8.8.8.8]/x.bufr4']) {
      assert.equal((await guardUrl(href, { resolve })).ok, true, href);
    }
  });

  test('the refusal names the IPv4 address an IPv6 form carries', async () => {
    const result = await guardUrl('http://[64:ff9b::a9fe:a9fe]/latest/meta-data');
    assert.ok(!result.ok);
    assert.match(result.reason, /64:ff9b::a9fe:a9fe is a private, loopback or link-local address/);
    assert.match(result.reason, /169\.254\.169\.254/);
  });

  test('a host name that resolves to an embedding form is refused like the literal', async () => {
    for (const address of ['::ffff:0:7f00:1', '64:ff9b::a00:1', '2002:c0a8:101::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2']) {
      const result = await guardUrl('http://cache.example/x.bufr4', { resolve: async () => [{ address: '8.8.8.8', family: 4 }, { address, family: 6 }] });
      assert.equal(result.ok, false, address);
    }
    const dns64 = await guardUrl('http://cache.example/x.bufr4', { resolve: async () => [{ address: '64:ff9b::808:808', family: 6 }] });
    assert.equal(dns64.ok, true, 'a public server behind DNS64 is reachable');
  });

  test('WIS2_ALLOW_PRIVATE_NETWORKS lets every form through (Teredo included)', async () => {
    for (const href of ['http://[::127.0.0.1]/', 'http://[2001::1]/', 'http://[64:ff9b:1::1]/']) {
      assert.equal((await guardUrl(href, { allowPrivateNetworks: true })).ok, true, href);
    }
  });
});

describe('the fetcher refuses embedding forms before any connection', () => {
  // Dual-stack on every interface: ::ffff:127.0.0.1 and ::1 reach it; a guard gap would show as a connection.
  const files = useFileServer({ host: '::' });
  let port = '';
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wis2-guard-'));
    files.fallback = () => ({ body: Buffer.from('BUFR secret 7777') });
    port = new URL(files.base).port;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('IPv4-compatible, IPv4-translated, NAT64, 6to4 and Teredo hosts end SKIPPED UnsupportedDownloadURL with no attempt', async () => {
    const hosts = ['[::127.0.0.1]', '[::7f00:1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::1]', '[2001:0::7f00:1]', '[64:ff9b:1::7f00:1]', '[::ffff:7f00:1]'];
    for (const host of hosts) {
      const attempts: string[] = [];
      const href = `http://${host}:${port}/x.bufr4`;
      const result = await fetchToFile({
        url: href,
        tempPath: join(dir, 'x.tmp'),
        hashMethod: 'sha512',
        allowPrivateNetworks: false,
        connectTimeoutMs: 500,
        maxNetworkRetries: 0,
        retryBaseDelayMs: 1,
        onAttempt: (a) => void attempts.push(a.url),
      });
      assert.ok(!result.ok, href);
      assert.equal(result.outcome.status, 'SKIPPED', `${href}: ${result.outcome.reason}`);
      assert.equal(result.outcome.errorClass, 'UnsupportedDownloadURL', href);
      assert.match(result.outcome.reason, /is a private, loopback or link-local address/, href);
      assert.deepEqual(attempts, [], `${href}: no connection attempt`);
    }
    assert.equal(files.connections, 0, 'the server never saw a connection');
    // The server is reachable: allowing private networks fetches from the mapped loopback form.
    const allowed = await fetchToFile({ url: `http://[::ffff:7f00:1]:${port}/x.bufr4`, tempPath: join(dir, 'y.tmp'), hashMethod: 'sha512', allowPrivateNetworks: true });
    assert.equal(allowed.ok, true);
    assert.equal(files.connections, 1);
  });
});
