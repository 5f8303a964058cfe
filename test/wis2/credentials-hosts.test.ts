/**
 * Subscription credentials go only where the subscription says: `credentials.hosts` (exact names, case-insensitive,
 * `*.` for subdomains, ports not matched) and never over plain http unless `credentials.allow_insecure_http` is true.
 * Without `hosts` (subscriptions stored before the list existed) they go nowhere; a 401/403 then says why. Redirects
 * carry them only to listed hosts. The list is shown (REST and GraphQL), validated with messages naming the field, and
 * stored; the secret still never comes back.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTestApp } from '../helpers/app-harness.ts';
import { useFileServer } from '../helpers/file-server.ts';
import { DedupStore } from '../../src/wis2-service/downloads/dedup-store.ts';
import { processDownload, type DownloadContext, type DownloadJobData } from '../../src/wis2-service/downloads/handler.ts';
import { DownloadRecords } from '../../src/wis2-service/downloads/records.ts';
import { SUBSCRIPTIONS_COLLECTION, type SubscriptionService } from '../../src/wis2-service/subscriptions/index.ts';
import { credentialsWithheld, matchesCredentialHost } from '../../src/wis2/credential-hosts.ts';
import type { DownloadOutcome } from '../../src/wis2/outcomes.ts';
import { bufr, sha512 } from './helpers/wis2-e2e.ts';
import { synopRequest } from './helpers/download-request.ts';

const TOPIC = 'cache/a/wis2/+/data/recommended/weather/surface-based-observations/#';
const reason = (o: DownloadOutcome) => (o.status === 'SUCCESS' ? '' : o.reason);

// One API process for the file: the REST and GraphQL checks, and the subscriptions the downloads read.
const running = useTestApp({ role: 'api' });

describe('credentials.hosts: which host names match', () => {
  test('exact names case-insensitively, a trailing dot ignored, *. for subdomains at any depth but not the name itself', () => {
    const cases: Array<[string[], string, boolean]> = [
      [['cache.example.org'], 'cache.example.org', true],
      [['cache.example.org'], 'CACHE.Example.org', true],
      [['cache.example.org'], 'cache.example.org.', true],
      [['cache.example.org'], 'evil-cache.example.org', false],
      [['cache.example.org'], 'cache.example.org.evil.net', false],
      [['cache.example.org'], 'example.org', false],
      [['*.example.org'], 'a.example.org', true],
      [['*.example.org'], 'a.b.example.org', true],
      [['*.example.org'], 'example.org', false],
      [['*.example.org'], 'badexample.org', false],
      [['127.0.0.1'], '127.0.0.1', true],
      [['127.0.0.1'], '127.0.0.2', false],
      [['[::1]'], '[::1]', true],
      [[], 'cache.example.org', false],
    ];
    for (const [hosts, host, expected] of cases) assert.equal(matchesCredentialHost(hosts, host), expected, `${JSON.stringify(hosts)} ~ ${host}`);
  });

  test('https to a listed host carries them; plain http only with allow_insecure_http; the port is not matched', () => {
    const scope = { hosts: ['cache.example.org'], allowInsecureHttp: false };
    assert.equal(credentialsWithheld(scope, new URL('https://cache.example.org/x.bufr4')), null);
    assert.equal(credentialsWithheld(scope, new URL('https://Cache.Example.org:8443/x.bufr4')), null);
    assert.equal(credentialsWithheld(scope, new URL('http://cache.example.org/x.bufr4')), 'plain http and credentials.allow_insecure_http is not true');
    assert.equal(credentialsWithheld({ ...scope, allowInsecureHttp: true }, new URL('http://cache.example.org/x.bufr4')), null);
    assert.equal(credentialsWithheld(scope, new URL('https://other.example.org/x.bufr4')), 'other.example.org is not in credentials.hosts');
    assert.equal(credentialsWithheld({ hosts: [], allowInsecureHttp: true }, new URL('https://cache.example.org/')), "the subscription's credentials have no credentials.hosts");
  });
});

describe('credentials.hosts in the REST and GraphQL APIs', () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running().wis2Url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${running().url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  };
  const fields = (success: string) =>
    `__typename ... on ${success} { subscription { id credentials { type username hosts allowInsecureHttp } } } ... on Wis2SubscriptionError { code message }`;
  const CREATE = `mutation ($input: CreateWis2SubscriptionInput!) { createWis2Subscription(input: $input) { ${fields('CreateWis2SubscriptionSuccess')} } }`;
  const UPDATE = `mutation ($id: ID!, $input: UpdateWis2SubscriptionInput!) { updateWis2Subscription(id: $id, input: $input) { ${fields('UpdateWis2SubscriptionSuccess')} } }`;

  test('REST: hosts and allow_insecure_http are accepted, normalised, shown back and stored; the password never', async () => {
    const created = await call('POST', '/subscriptions', {
      topic: TOPIC,
      credentials: { type: 'basic', username: 'myuser', password: 'pw-H0STS', hosts: ['Cache.Example.ORG', '*.Data.example.net', '127.0.0.1', '::1'], allow_insecure_http: true },
    });
    assert.equal(created.status, 201, created.text);
    const shown = { type: 'basic', username: 'myuser', hosts: ['cache.example.org', '*.data.example.net', '127.0.0.1', '[::1]'], allow_insecure_http: true };
    assert.deepEqual(created.json.credentials, shown);
    assert.doesNotMatch(created.text, /pw-H0STS/);
    const got = await call('GET', `/subscriptions/${created.json.id}`);
    assert.deepEqual(got.json.credentials, shown);
    assert.doesNotMatch(got.text, /pw-H0STS/);
    const listing = await call('GET', '/subscriptions');
    assert.doesNotMatch(listing.text, /pw-H0STS|credentials|cache\.example\.org/);

    const doc = await running().app.services().database.db.collection(SUBSCRIPTIONS_COLLECTION).findOne({ _id: created.json.id as never });
    assert.deepEqual(doc?.credentials.hosts, shown.hosts);
    assert.equal(doc?.credentials.allow_insecure_http, true);
    assert.doesNotMatch(JSON.stringify(doc), /pw-H0STS/);

    // PUT replaces the credentials whole: a bearer token for one host, https only.
    const put = await call('PUT', `/subscriptions/${created.json.id}`, { credentials: { type: 'bearer', token: 'tok-H0STS', hosts: ['cache.example.org'] } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.credentials, { type: 'bearer', hosts: ['cache.example.org'] });
    assert.doesNotMatch(put.text, /tok-H0STS/);
    // Without hosts the record is the reference's, unchanged.
    const plain = await call('POST', '/subscriptions', { topic: TOPIC, credentials: { type: 'bearer', token: 't' } });
    assert.deepEqual(plain.json.credentials, { type: 'bearer' });
  });

  test('REST: bad hosts and allow_insecure_http values are 400 with a message naming the field, on POST and PUT', async () => {
    const base = { type: 'bearer', token: 't' };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ hosts: 'cache.example.org' }, /^credentials\.hosts must be a list of host names$/],
      [{ hosts: null }, /^credentials\.hosts must be a list of host names$/],
      [{ hosts: [5] }, /^credentials\.hosts\[0\] is not a host name: 5/],
      [{ hosts: ['ok.example', 'https://cache.example.org/'] }, /^credentials\.hosts\[1\] is not a host name: "https:\/\/cache\.example\.org\/"/],
      [{ hosts: ['cache.example.org:443'] }, /^credentials\.hosts\[0\] is not a host name: "cache\.example\.org:443" \(.*no scheme, port or path/],
      [{ hosts: ['[::1]:443'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: ['user@cache.example.org'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: ['cache.example.org/data'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: [''] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: [' cache.example.org'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: ['*'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: ['*.org'] }, /^credentials\.hosts\[0\] is not a host name: "\*\.org"/],
      [{ hosts: ['a.*.example.org'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: ['*.10.0.0.1'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: ['a..example.org'] }, /^credentials\.hosts\[0\] is not a host name/],
      [{ hosts: Array.from({ length: 101 }, (_, i) => `h${i}.example.org`) }, /^credentials\.hosts may hold at most 100 host names$/],
      [{ hosts: ['cache.example.org'], allow_insecure_http: 'yes' }, /^credentials\.allow_insecure_http must be true or false$/],
      [{ allow_insecure_http: 1 }, /^credentials\.allow_insecure_http must be true or false$/],
    ];
    const sub = await call('POST', '/subscriptions', { topic: TOPIC });
    for (const [extra, message] of cases) {
      const post = await call('POST', '/subscriptions', { topic: TOPIC, credentials: { ...base, ...extra } });
      assert.equal(post.status, 400, JSON.stringify(extra));
      assert.match(post.json.error, message, JSON.stringify(extra));
      const put = await call('PUT', `/subscriptions/${sub.json.id}`, { credentials: { ...base, ...extra } });
      assert.equal(put.status, 400, JSON.stringify(extra));
      assert.match(put.json.error, message);
    }
    // The reference's checks come first, with their exact messages.
    const first = await call('POST', '/subscriptions', { topic: TOPIC, credentials: { type: 'bearer', hosts: 5 } });
    assert.deepEqual(first.json, { error: 'bearer auth requires token' });
  });

  test('GraphQL: hosts and allowInsecureHttp in the inputs and on Wis2Credentials; refusals are INVALID_INPUT with the REST text', async () => {
    const created = await gql(CREATE, {
      input: { topic: TOPIC, credentials: { type: 'BASIC', username: 'u', password: 'pw-GQL', hosts: ['Cache.Example.org'], allowInsecureHttp: true } },
    });
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const sub = created.data!.createWis2Subscription.subscription;
    assert.deepEqual(sub.credentials, { type: 'BASIC', username: 'u', hosts: ['cache.example.org'], allowInsecureHttp: true });
    const rest = await call('GET', `/subscriptions/${sub.id}`);
    assert.deepEqual(rest.json.credentials, { type: 'basic', username: 'u', hosts: ['cache.example.org'], allow_insecure_http: true });

    const updated = await gql(UPDATE, { id: sub.id, input: { credentials: { type: 'BEARER', token: 'tok-GQL', hosts: ['*.example.org'] } } });
    assert.deepEqual(updated.data!.updateWis2Subscription.subscription.credentials, { type: 'BEARER', username: null, hosts: ['*.example.org'], allowInsecureHttp: false });

    const legacy = await gql(CREATE, { input: { topic: TOPIC, credentials: { type: 'BEARER', token: 't' } } });
    assert.deepEqual(legacy.data!.createWis2Subscription.subscription.credentials, { type: 'BEARER', username: null, hosts: [], allowInsecureHttp: false });

    const refused = await gql(CREATE, { input: { topic: TOPIC, credentials: { type: 'BEARER', token: 't', hosts: ['cache.example.org:8443'] } } });
    const expected = await call('POST', '/subscriptions', { topic: TOPIC, credentials: { type: 'bearer', token: 't', hosts: ['cache.example.org:8443'] } });
    assert.equal(expected.status, 400);
    assert.deepEqual(refused.data!.createWis2Subscription, { __typename: 'Wis2SubscriptionError', code: 'INVALID_INPUT', message: expected.json.error });
    assert.doesNotMatch(JSON.stringify([created, updated]), /pw-GQL|tok-GQL/);
  });
});

describe('credentials at download time go only to listed hosts', () => {
  const files = useFileServer();
  const warnings: Array<{ data: unknown; message: string }> = [];
  let service: SubscriptionService;
  let stores: DownloadContext['stores'];
  let dataRoot: string;
  let port = '';

  before(() => {
    const { app, config } = running();
    const { db } = app.services().database;
    service = app.services().wis2Subscriptions;
    stores = { dedup: new DedupStore(db), records: new DownloadRecords(db) };
    dataRoot = config.wis2.dataFolder;
    port = new URL(files.base).port;
  });

  const BASIC = { type: 'basic', username: 'alice', password: 'pw-D0WNLOAD' };
  const AUTH = `Basic ${Buffer.from('alice:pw-D0WNLOAD').toString('base64')}`;

  /** A subscription as the API stores it (normalised, sealed), and a download context that reads it back the app's way. */
  async function subscription(credentials: Record<string, unknown>): Promise<string> {
    const created = await service.create({ topic: TOPIC, target: 'restricted', credentials });
    assert.ok(created.ok, JSON.stringify(created));
    return created.subscription.id;
  }
  const context = (extra: Partial<DownloadContext> = {}): DownloadContext => ({
    stores,
    dataRoot,
    allowPrivateNetworks: true,
    credentialsFor: (id) => service.credentialsFor(id),
    log: { info: () => undefined, error: () => undefined, warn: (data: unknown, message?: string) => void warnings.push({ data, message: message ?? '' }) } as DownloadContext['log'],
    fetch: { retryBaseDelayMs: 10, maxNetworkRetries: 0, connectTimeoutMs: 2_000, readTimeoutMs: 5_000 },
    ...extra,
  });
  const request = (subscriptionId: string, href: string, body: Buffer): DownloadJobData =>
    synopRequest(body, {
      subscriptionId,
      savePath: 'restricted',
      topic: 'cache/a/wis2/de-dwd/data/recommended/weather/surface-based-observations/synop',
      messageId: randomUUID(),
      dataId: `de-dwd/synop/${randomUUID()}`,
      href,
    });
  /** Serves a protected file (401 without the right header) and returns its path. */
  const protectedFile = (body: Buffer) => {
    const path = `/protected/${randomUUID()}.bufr4`;
    files.serve(path, body, { authorization: AUTH });
    return path;
  };
  const seen = (path: string) => files.requests.filter((r) => r.path === path);

  test('a listed host over http with allow_insecure_http: the Authorization header is sent and the download succeeds', async () => {
    const id = await subscription({ ...BASIC, hosts: ['127.0.0.1'], allow_insecure_http: true });
    const body = bufr(300, 1);
    const path = protectedFile(body);
    const { outcome } = await processDownload(request(id, `${files.base}${path}`, body), context());
    assert.deepEqual(outcome, { status: 'SUCCESS' });
    assert.deepEqual(seen(path).map((r) => r.authorization), [AUTH]);
  });

  test('a listed host over plain http without allow_insecure_http: nothing is sent and the 401 says why', async () => {
    const id = await subscription({ ...BASIC, hosts: ['127.0.0.1'] });
    const body = bufr(300, 2);
    const path = protectedFile(body);
    const { outcome, record } = await processDownload(request(id, `${files.base}${path}`, body), context());
    assert.deepEqual([outcome.status, outcome.status === 'SUCCESS' ? null : outcome.errorClass], ['FAILED', 'HTTPError']);
    assert.match(reason(outcome), new RegExp(`^HTTP 401 response from 127\\.0\\.0\\.1:${port}; credentials not sent: plain http and credentials\\.allow_insecure_http is not true$`));
    assert.equal(record.reason, reason(outcome));
    assert.deepEqual(seen(path).map((r) => r.authorization), [null]);
  });

  test('an unlisted host never receives the Authorization header, even with allow_insecure_http', async () => {
    const id = await subscription({ ...BASIC, hosts: ['cache.example.org', '*.example.net'], allow_insecure_http: true });
    const body = bufr(300, 3);
    const path = protectedFile(body);
    const { outcome } = await processDownload(request(id, `${files.base}${path}`, body), context());
    assert.match(reason(outcome), /^HTTP 401 response from .*; credentials not sent: 127\.0\.0\.1 is not in credentials\.hosts$/);
    assert.deepEqual(seen(path).map((r) => r.authorization), [null]);
  });

  test('credentials without hosts (as stored before the list existed) go nowhere; one warning per subscription', async () => {
    const id = await subscription(BASIC);
    // Exactly as an older version stored it: no hosts anywhere, in clear or sealed.
    const doc = await running().app.services().database.db.collection(SUBSCRIPTIONS_COLLECTION).findOne({ _id: id as never });
    assert.equal(doc?.credentials.hosts, undefined);
    warnings.length = 0;
    for (const seed of [4, 5]) {
      const body = bufr(300, seed);
      const path = protectedFile(body);
      const { outcome } = await processDownload(request(id, `${files.base}${path}`, body), context());
      assert.match(reason(outcome), /^HTTP 401 response from .*; credentials not sent: the subscription's credentials have no credentials\.hosts$/);
      assert.deepEqual(seen(path).map((r) => r.authorization), [null]);
    }
    const mine = warnings.filter((w) => JSON.stringify(w.data).includes(id));
    assert.equal(mine.length, 1, JSON.stringify(warnings));
    assert.match(mine[0].message, /credentials\.hosts/);
    assert.doesNotMatch(JSON.stringify(warnings), /pw-D0WNLOAD/);
    // A public file still downloads, without credentials.
    const open = bufr(200, 6);
    const openPath = `/open/${randomUUID()}.bufr4`;
    files.serve(openPath, open);
    assert.deepEqual((await processDownload(request(id, `${files.base}${openPath}`, open), context())).outcome, { status: 'SUCCESS' });
    assert.deepEqual(seen(openPath).map((r) => r.authorization), [null]);
  });

  test('redirects: the header goes on to a listed host and is not re-sent to one outside the list', async () => {
    // Host names that the pinned resolver sends to the loopback file server.
    const resolve = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const id = await subscription({ ...BASIC, hosts: ['cache.example.org', '*.cdn.example.org'], allow_insecure_http: true });
    const body = bufr(300, 7);
    const inList = protectedFile(body);
    const hop1 = `/hop/${randomUUID()}`;
    files.serve(hop1, Buffer.alloc(0), { status: 302, headers: { location: `http://eu.cdn.example.org:${port}${inList}` } });
    const ok = await processDownload(request(id, `http://cache.example.org:${port}${hop1}`, body), context({ resolve }));
    assert.deepEqual(ok.outcome, { status: 'SUCCESS' });
    assert.deepEqual(seen(hop1).map((r) => [r.host, r.authorization]), [[`cache.example.org:${port}`, AUTH]]);
    assert.deepEqual(seen(inList).map((r) => [r.host, r.authorization]), [[`eu.cdn.example.org:${port}`, AUTH]]);

    // Each download its own body: the same hash again would be a dedup hit.
    const body2 = bufr(300, 8);
    const outside = protectedFile(body2);
    const hop2 = `/hop/${randomUUID()}`;
    files.serve(hop2, Buffer.alloc(0), { status: 302, headers: { location: `http://attacker.example.com:${port}${outside}` } });
    const refused = await processDownload(request(id, `http://cache.example.org:${port}${hop2}`, body2), context({ resolve }));
    assert.match(reason(refused.outcome), /^HTTP 401 response from cache\.example\.org:\d+; credentials not sent: attacker\.example\.com is not in credentials\.hosts$/);
    assert.deepEqual(seen(hop2).map((r) => r.authorization), [AUTH]);
    assert.deepEqual(seen(outside).map((r) => [r.host, r.authorization]), [[`attacker.example.com:${port}`, null]]);

    // A listed host redirecting to itself keeps the header (the name is matched case-insensitively).
    const body3 = bufr(300, 9);
    const same = protectedFile(body3);
    const hop3 = `/hop/${randomUUID()}`;
    files.serve(hop3, Buffer.alloc(0), { status: 307, headers: { location: same } });
    assert.deepEqual((await processDownload(request(id, `http://CACHE.example.org:${port}${hop3}`, body3), context({ resolve }))).outcome, { status: 'SUCCESS' });
    assert.deepEqual(seen(same).map((r) => r.authorization), [AUTH]);
  });
});
