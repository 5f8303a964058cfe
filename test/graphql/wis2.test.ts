/**
 * The WIS2 side of the GraphQL API against the real service (API role): subscriptions agree with the REST API on
 * WIS2_PORT field by field and refuse the same inputs with the same words; the download history pages newest first
 * with stable cursors; live outcomes reach graphql-ws clients, filtered by subscription.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTestApp, eventually } from '../helpers/app-harness.ts';
import { collect, expectData, graphqlRequest, wsClient } from './graphql-test-client.ts';
import {
  CreateWis2SubscriptionMutation, DeleteWis2SubscriptionMutation, UpdateWis2SubscriptionMutation, Wis2DownloadEventsSubscription,
  Wis2DownloadsQuery, Wis2SubscriptionQuery, Wis2SubscriptionsQuery,
} from '../../client/operations/wis2.ts';
import type { CreateWis2SubscriptionInput, UpdateWis2SubscriptionInput, Wis2DownloadsQueryVariables, Wis2Queue } from '../../client/generated/graphql.ts';
import { DownloadRecords, type DownloadRecord } from '../../src/wis2-service/downloads/records.ts';

const TOPIC = 'cache/a/wis2/+/data/core/weather/surface-based-observations/#';
const BUFR_ONLY = {
  name: 'bufr-only',
  rules: [{ id: 'accept-bufr', order: 1, match: { media_type: { equals: 'application/bufr' } }, action: 'accept' }],
};
const REST_QUEUE: Record<Wis2Queue, string> = { HIGH_PRIORITY: 'high_priority', SMALL_FILES: 'small_files', LARGE_FILES: 'large_files' };

describe('WIS2 over GraphQL', () => {
  const running = useTestApp({ role: 'api' });
  const gql = () => running().url;

  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running().wis2Url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  async function create(input: CreateWis2SubscriptionInput) {
    const { createWis2Subscription: result } = await expectData(gql(), CreateWis2SubscriptionMutation, { input });
    assert.equal(result.__typename, 'CreateWis2SubscriptionSuccess', JSON.stringify(result));
    return result.subscription;
  }

  async function createRefusal(input: CreateWis2SubscriptionInput) {
    const { createWis2Subscription: result } = await expectData(gql(), CreateWis2SubscriptionMutation, { input });
    assert.equal(result.__typename, 'Wis2SubscriptionError', JSON.stringify(result));
    return result;
  }

  describe('subscriptions', () => {
    test('create with basic credentials shows the type and username only, and the REST record agrees field by field', async () => {
      const created = await create({
        topic: TOPIC,
        target: 'restricted/obs',
        filter: BUFR_ONLY,
        credentials: { type: 'BASIC', username: 'myuser', password: 's3cr3t', hosts: ['data.example.org'] },
        queue: 'LARGE_FILES',
      });
      assert.deepEqual(created, {
        id: created.id,
        topic: TOPIC,
        target: 'restricted/obs',
        filter: BUFR_ONLY,
        credentials: { type: 'BASIC', username: 'myuser', hosts: ['data.example.org'], allowInsecureHttp: false },
        queue: 'LARGE_FILES',
      });

      const got = await rest('GET', `/subscriptions/${created.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, {
        id: created.id,
        topic: created.topic,
        save_path: created.target,
        filter: created.filter,
        credentials: { type: 'basic', username: 'myuser', hosts: ['data.example.org'] },
        queue: REST_QUEUE[created.queue],
      });

      const { wis2Subscription } = await expectData(gql(), Wis2SubscriptionQuery, { id: created.id });
      assert.deepEqual(wis2Subscription, created);
    });

    test('the password and the token never come back, whatever is asked', async () => {
      const bearer = await create({ topic: TOPIC, credentials: { type: 'BEARER', token: 'tok-123' } });
      assert.deepEqual(bearer.credentials, { type: 'BEARER', username: null, hosts: [], allowInsecureHttp: false });
      const { body } = await graphqlRequest(gql(), Wis2SubscriptionQuery, { id: bearer.id });
      assert.doesNotMatch(JSON.stringify(body), /tok-123/);
      const bad = await fetch(`${gql()}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ wis2Subscription(id: "${bearer.id}") { credentials { token } } }` }),
      });
      const refused = (await bad.json()) as { errors: { message: string }[] };
      assert.match(refused.errors[0]!.message, /^Cannot query field "token" on type "Wis2Credentials"/);
    });

    test('defaults are the REST defaults: the data folder itself, the default filter, no credentials, SMALL_FILES', async () => {
      const created = await create({ topic: TOPIC });
      assert.deepEqual(
        { target: created.target, filter: created.filter, credentials: created.credentials, queue: created.queue },
        { target: '.', filter: {}, credentials: null, queue: 'SMALL_FILES' },
      );
    });

    test('refusals are INVALID_INPUT with exactly the REST API message', async () => {
      const cases: [CreateWis2SubscriptionInput, Record<string, unknown>][] = [
        [{ topic: '' }, { topic: '' }],
        [{ topic: '   ' }, { topic: '   ' }],
        [{ topic: 'foo/bar' }, { topic: 'foo/bar' }],
        [{ topic: 'cache/a/wis2/#/data' }, { topic: 'cache/a/wis2/#/data' }],
        [{ topic: TOPIC, target: '../x' }, { topic: TOPIC, target: '../x' }],
        [{ topic: TOPIC, target: '/etc' }, { topic: TOPIC, target: '/etc' }],
        [{ topic: TOPIC, credentials: { type: 'BASIC', username: 'u' } }, { topic: TOPIC, credentials: { type: 'basic', username: 'u' } }],
        [{ topic: TOPIC, credentials: { type: 'BEARER' } }, { topic: TOPIC, credentials: { type: 'bearer' } }],
        [
          { topic: TOPIC, filter: { rules: [{ id: 'x', order: 1, match: { always: true }, action: 'maybe' }] } },
          { topic: TOPIC, filter: { rules: [{ id: 'x', order: 1, match: { always: true }, action: 'maybe' }] } },
        ],
        [{ topic: TOPIC, filter: 'bufr' }, { topic: TOPIC, filter: 'bufr' }],
      ];
      for (const [input, body] of cases) {
        const refused = await createRefusal(input);
        const expected = await rest('POST', '/subscriptions', body);
        assert.equal(expected.status, 400, JSON.stringify(body));
        assert.deepEqual({ code: refused.code, message: refused.message }, { code: 'INVALID_INPUT', message: expected.json.error }, JSON.stringify(input));
      }
      assert.equal((await createRefusal({ topic: '' })).message, 'No topic provided');
      assert.equal((await createRefusal({ topic: TOPIC, target: '../x' })).message, 'Invalid target');
      assert.match((await createRefusal({ topic: 'foo/bar' })).message, /^Invalid topic: /);
    });

    test('the message is the REST text in every language', async () => {
      const { body } = await graphqlRequest(gql(), CreateWis2SubscriptionMutation, { input: { topic: TOPIC, target: '../x' } }, { 'accept-language': 'zh-CN' });
      assert.equal(body.data?.createWis2Subscription.__typename === 'Wis2SubscriptionError' && body.data.createWis2Subscription.message, 'Invalid target');
    });

    test('a missing topic is refused by the schema itself (a blank one is the INVALID_INPUT above)', async () => {
      const { status, body } = await graphqlRequest(gql(), CreateWis2SubscriptionMutation, { input: {} as CreateWis2SubscriptionInput });
      assert.equal(status, 400);
      assert.equal(body.data, undefined);
      assert.match(body.errors?.[0]?.message ?? '', /topic/);
    });

    test('partial update changes only the fields given; credentials null clears them; the topic cannot change', async () => {
      const created = await create({ topic: TOPIC, target: 'a', filter: BUFR_ONLY, credentials: { type: 'BASIC', username: 'u', password: 'p' } });
      const update = async (input: UpdateWis2SubscriptionInput) =>
        (await expectData(gql(), UpdateWis2SubscriptionMutation, { id: created.id, input })).updateWis2Subscription;

      const queued = await update({ queue: 'HIGH_PRIORITY' });
      assert.equal(queued.__typename, 'UpdateWis2SubscriptionSuccess');
      assert.deepEqual(queued.__typename === 'UpdateWis2SubscriptionSuccess' && queued.subscription, { ...created, queue: 'HIGH_PRIORITY' });

      const moved = await update({ target: 'b/./c', topic: TOPIC });
      assert.deepEqual(moved.__typename === 'UpdateWis2SubscriptionSuccess' && moved.subscription, { ...created, queue: 'HIGH_PRIORITY', target: 'b/c' });

      const cleared = await update({ credentials: null, filter: null });
      assert.deepEqual(cleared.__typename === 'UpdateWis2SubscriptionSuccess' && cleared.subscription, {
        ...created, queue: 'HIGH_PRIORITY', target: 'b/c', credentials: null, filter: {},
      });
      const stored = await rest('GET', `/subscriptions/${created.id}`);
      assert.deepEqual(stored.json, { id: created.id, topic: TOPIC, save_path: 'b/c', filter: {}, credentials: null, queue: 'high_priority' });

      const renamed = await update({ topic: 'cache/a/wis2/+/data/core/weather/#' });
      const restRenamed = await rest('PUT', `/subscriptions/${created.id}`, { topic: 'cache/a/wis2/+/data/core/weather/#' });
      assert.equal(restRenamed.status, 400);
      assert.deepEqual(renamed, { __typename: 'Wis2SubscriptionError', code: 'INVALID_INPUT', message: restRenamed.json.error });

      const escaped = await update({ target: '../x' });
      assert.deepEqual(escaped, { __typename: 'Wis2SubscriptionError', code: 'INVALID_INPUT', message: 'Invalid target' });
      const noQueue = await update({ queue: null });
      assert.deepEqual(noQueue, { __typename: 'Wis2SubscriptionError', code: 'INVALID_INPUT', message: 'queue must be one of: high_priority, large_files, small_files' });
      assert.deepEqual((await rest('GET', `/subscriptions/${created.id}`)).json, stored.json, 'refused updates change nothing');
    });

    test('an unknown id: null from the query, NOT_FOUND with the REST message from update and delete', async () => {
      const id = randomUUID();
      assert.equal((await expectData(gql(), Wis2SubscriptionQuery, { id })).wis2Subscription, null);
      const expected = (await rest('GET', `/subscriptions/${id}`)).json.error;
      assert.equal(expected, `Subscription '${id}' not found`);
      const { updateWis2Subscription } = await expectData(gql(), UpdateWis2SubscriptionMutation, { id, input: { queue: 'SMALL_FILES' } });
      assert.deepEqual(updateWis2Subscription, { __typename: 'Wis2SubscriptionError', code: 'NOT_FOUND', message: expected });
      const { deleteWis2Subscription } = await expectData(gql(), DeleteWis2SubscriptionMutation, { id });
      assert.deepEqual(deleteWis2Subscription, { __typename: 'Wis2SubscriptionError', code: 'NOT_FOUND', message: expected });
    });

    test('delete: the subscription is gone from both APIs, and a second delete is NOT_FOUND', async () => {
      const created = await create({ topic: TOPIC, target: 'gone' });
      const { deleteWis2Subscription: deleted } = await expectData(gql(), DeleteWis2SubscriptionMutation, { id: created.id });
      assert.deepEqual(deleted, { __typename: 'DeleteWis2SubscriptionSuccess', id: created.id });
      assert.equal((await expectData(gql(), Wis2SubscriptionQuery, { id: created.id })).wis2Subscription, null);
      assert.equal((await rest('GET', `/subscriptions/${created.id}`)).status, 404);
      const { wis2Subscriptions } = await expectData(gql(), Wis2SubscriptionsQuery);
      assert.ok(!wis2Subscriptions.some((s) => s.id === created.id));
      const again = await expectData(gql(), DeleteWis2SubscriptionMutation, { id: created.id });
      assert.equal(again.deleteWis2Subscription.__typename === 'Wis2SubscriptionError' && again.deleteWis2Subscription.code, 'NOT_FOUND');
    });

    test('the list holds every subscription oldest first, the same ones the REST listing groups by topic', async () => {
      const other = 'origin/a/wis2/de-dwd/data/core/weather/#';
      const first = await create({ topic: other, target: 'listed-1' });
      const second = await create({ topic: other, target: 'listed-2', queue: 'HIGH_PRIORITY' });
      const { wis2Subscriptions } = await expectData(gql(), Wis2SubscriptionsQuery);
      const ids = wis2Subscriptions.map((s) => s.id);
      assert.ok(ids.indexOf(first.id) < ids.indexOf(second.id));
      assert.deepEqual(wis2Subscriptions.find((s) => s.id === second.id), second);

      const listing = (await rest('GET', '/subscriptions')).json as Record<string, Record<string, { save_path: string; filter: unknown }>>;
      const grouped: typeof listing = {};
      for (const s of wis2Subscriptions) (grouped[s.topic] ??= {})[s.id] = { save_path: s.target, filter: s.filter };
      assert.deepEqual(grouped, listing);
    });
  });

  describe('download history', () => {
    const A = randomUUID();
    const B = randomUUID();
    const t0 = Date.parse('2026-01-14T10:00:00.000Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    let inserted: (DownloadRecord & { id: string })[] = [];

    const record = (subscriptionId: string, minutes: number, status: DownloadRecord['status'], n: number): DownloadRecord => ({
      subscriptionId,
      messageId: `msg-${n}`,
      dataId: `wis2/de-dwd/obs/${n}`,
      metadataId: 'urn:wmo:md:de-dwd:obs',
      topic: 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop',
      centreId: 'de-dwd',
      cache: 'cache.example.org',
      href: `https://cache.example.org/data/${n}.bufr4`,
      status,
      errorClass: status === 'SUCCESS' ? null : status === 'FAILED' ? 'HTTPError' : 'DuplicateMessage',
      reason: status === 'SUCCESS' ? null : `reason ${n}`,
      path: status === 'SUCCESS' ? `/data/obs/${n}.bufr4` : null,
      save: status === 'SUCCESS',
      size: status === 'SUCCESS' ? 1000 + n : null,
      expectedSize: 1000 + n,
      mediaType: 'application/bufr',
      hashMethod: 'sha512',
      expectedHash: `hash-${n}`,
      actualHash: status === 'SUCCESS' ? `hash-${n}` : null,
      validHash: status === 'SUCCESS' ? true : null,
      overwrite: false,
      attempts: status === 'FAILED' ? 3 : 1,
      receivedAt: new Date(at(minutes).getTime() - 500).toISOString(),
      downloadStart: status === 'SKIPPED' ? null : new Date(at(minutes).getTime() - 400),
      downloadEnd: status === 'SKIPPED' ? null : new Date(at(minutes).getTime() - 10),
      recordedAt: at(minutes),
      durationMs: status === 'SKIPPED' ? 0 : 390,
    });

    /** Newest first, ties (the same recordedAt) broken by id, newest id first. */
    const newestFirst = (list: typeof inserted) =>
      [...list].sort((x, y) => y.recordedAt.getTime() - x.recordedAt.getTime() || (x.id < y.id ? 1 : -1));

    const page = async (variables: Wis2DownloadsQueryVariables) => (await expectData(gql(), Wis2DownloadsQuery, variables)).wis2Downloads;

    test('records inserted out of order (two at the same instant)', async () => {
      // As a worker records them.
      const records = new DownloadRecords(running().app.services().database.db);
      const plan: [string, number, DownloadRecord['status']][] = [
        [A, 3, 'SUCCESS'], [B, 1, 'FAILED'], [A, 0, 'SKIPPED'], [A, 5, 'FAILED'], [B, 4, 'SUCCESS'],
        [A, 2, 'SUCCESS'], [A, 2, 'SKIPPED'], [B, 6, 'SKIPPED'], [A, 7, 'SUCCESS'],
      ];
      inserted = [];
      for (const [n, [sub, minutes, status]] of plan.entries()) {
        const doc = record(sub, minutes, status, n);
        inserted.push({ ...doc, id: await records.insert(doc) });
      }
      assert.equal(inserted.length, 9);
    });

    test('every field of a node, in camelCase', async () => {
      const newest = newestFirst(inserted)[0]!;
      const { edges } = await page({ first: 1 });
      const { save: _save, ...fields } = newest;
      assert.deepEqual(edges[0]!.node, {
        ...fields,
        receivedAt: newest.receivedAt,
        downloadStart: newest.downloadStart!.toISOString(),
        downloadEnd: newest.downloadEnd!.toISOString(),
        recordedAt: newest.recordedAt.toISOString(),
      });
    });

    test('all of them, newest first, with the count', async () => {
      const connection = await page({});
      assert.equal(connection.totalCount, 9);
      assert.deepEqual(connection.edges.map((e) => e.node.id), newestFirst(inserted).map((r) => r.id));
      assert.equal(connection.pageInfo.hasNextPage, false);
      assert.equal(connection.pageInfo.hasPreviousPage, false);
    });

    test('filters: subscription, status, since (inclusive) and until (exclusive), combined', async () => {
      const ids = async (variables: Wis2DownloadsQueryVariables) => {
        const connection = await page(variables);
        assert.equal(connection.totalCount, connection.edges.length);
        return connection.edges.map((e) => e.node.id);
      };
      const expect = (keep: (r: (typeof inserted)[number]) => boolean) => newestFirst(inserted.filter(keep)).map((r) => r.id);

      assert.deepEqual(await ids({ subscriptionId: B }), expect((r) => r.subscriptionId === B));
      assert.deepEqual(await ids({ status: ['FAILED', 'SKIPPED'] }), expect((r) => r.status !== 'SUCCESS'));
      assert.deepEqual(await ids({ status: [] }), expect(() => true));
      assert.deepEqual(await ids({ since: at(2).toISOString(), until: at(5).toISOString() }), expect((r) => r.recordedAt >= at(2) && r.recordedAt < at(5)));
      assert.deepEqual(
        await ids({ subscriptionId: A, status: ['SUCCESS'], since: at(2).toISOString() }),
        expect((r) => r.subscriptionId === A && r.status === 'SUCCESS' && r.recordedAt >= at(2)),
      );
      assert.deepEqual(await ids({ subscriptionId: randomUUID() }), []);
    });

    test('paging forwards with first/after and backwards with last/before walks every record once, in order', async () => {
      const all = newestFirst(inserted).map((r) => r.id);
      const forwards: string[] = [];
      let after: string | undefined;
      for (let i = 0; ; i++) {
        const connection = await page({ first: 2, after });
        assert.equal(connection.totalCount, 9, 'the count ignores paging');
        forwards.push(...connection.edges.map((e) => e.node.id!));
        assert.equal(connection.pageInfo.hasPreviousPage, i > 0);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor!;
        assert.ok(i < 10);
      }
      assert.deepEqual(forwards, all);

      const backwards: string[][] = [];
      let before: string | undefined;
      for (let i = 0; ; i++) {
        const connection = await page({ last: 4, before });
        backwards.unshift(connection.edges.map((e) => e.node.id!));
        if (!connection.pageInfo.hasPreviousPage) break;
        before = connection.pageInfo.startCursor!;
        assert.ok(i < 10);
      }
      assert.deepEqual(backwards.flat(), all);
      assert.deepEqual(backwards.map((p) => p.length), [1, 4, 4]);
    });

    test('a cursor stays put when newer records arrive', async () => {
      const first = await page({ first: 3 });
      const extra = record(A, 60, 'SUCCESS', 99);
      const extraId = await new DownloadRecords(running().app.services().database.db).insert(extra);
      const next = await page({ first: 3, after: first.pageInfo.endCursor });
      assert.deepEqual(next.edges.map((e) => e.node.id), newestFirst(inserted).slice(3, 6).map((r) => r.id));
      assert.equal((await page({ first: 1 })).edges[0]!.node.id, extraId);
      inserted.push({ ...extra, id: extraId });
    });

    test('a foreign cursor and a page over 100 are errors', async () => {
      const bad = await graphqlRequest(gql(), Wis2DownloadsQuery, { after: 'bm90LWEtY3Vyc29y' });
      assert.match(bad.body.errors?.[0]?.message ?? '', /after is not a cursor/);
      assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      const big = await graphqlRequest(gql(), Wis2DownloadsQuery, { first: 101 });
      assert.match(big.body.errors?.[0]?.message ?? '', /first must be between 0 and 100/);
    });
  });

  describe('live outcomes over graphql-ws', () => {
    const outcome = (subscriptionId: string, messageId: string) => ({
      subscriptionId, messageId, dataId: null, metadataId: null,
      topic: 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop', centreId: 'de-dwd',
      cache: 'cache.example.org', href: `https://cache.example.org/${messageId}`,
      status: 'SUCCESS' as const, errorClass: null, reason: null, path: `/data/${messageId}`, save: true,
      size: 10, expectedSize: 10, mediaType: 'application/bufr', hashMethod: null, expectedHash: null, actualHash: null, validHash: null,
      overwrite: false, attempts: 1, receivedAt: new Date().toISOString(), downloadStart: new Date(), downloadEnd: new Date(),
      recordedAt: new Date(), durationMs: 5, id: null,
    });

    /**
     * Subscribes with `variables`, publishes probes until the first one arrives (the server is listening), then
     * publishes `events` and stops at the last of them. Returns the message ids received after the probe.
     */
    async function receive(variables: { subscriptionId?: string }, probeFor: string, events: [string, string][]) {
      const client = wsClient(running().url);
      const bus = running().app.services().events;
      let live = false;
      const poke = setInterval(() => {
        if (!live) void bus.publish('wis2Download', outcome(probeFor, 'probe'));
      }, 50);
      const last = events.at(-1)![1];
      try {
        const seen = await collect(client, Wis2DownloadEventsSubscription, variables, {
          timeoutMs: 15_000,
          onFirst: async () => {
            live = true;
            clearInterval(poke);
            for (const [sub, messageId] of events) await bus.publish('wis2Download', outcome(sub, messageId));
          },
          stop: (value) => value.data?.wis2Downloads.messageId === last,
        });
        assert.ok(seen.every((e) => !e.errors), JSON.stringify(seen.find((e) => e.errors)));
        return seen.map((e) => e.data!.wis2Downloads).filter((d) => d.messageId !== 'probe');
      } finally {
        clearInterval(poke);
        await client.dispose();
      }
    }

    test('every outcome published on the bus reaches the client as it happens', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const got = await receive({}, a, [[a, 'one'], [b, 'two'], [a, 'three']]);
      assert.deepEqual(got.map((d) => [d.subscriptionId, d.messageId]), [[a, 'one'], [b, 'two'], [a, 'three']]);
      assert.equal(got[0]!.status, 'SUCCESS');
      assert.equal(got[0]!.id, null);
      assert.match(got[0]!.recordedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    test("with a subscriptionId, other subscriptions' outcomes are left out", async () => {
      const [mine, other] = [randomUUID(), randomUUID()];
      const got = await receive({ subscriptionId: mine }, mine, [[other, 'x1'], [mine, 'm1'], [other, 'x2'], [mine, 'm2']]);
      assert.deepEqual(got.map((d) => d.messageId), ['m1', 'm2']);
    });

    test('a client that goes away stops listening on the bus', async () => {
      const bus = running().app.services().events;
      const original = bus.subscribe;
      let listening = 0;
      bus.subscribe = ((topic, listener) => {
        const stop = original.call(bus, topic, listener);
        if (topic === 'wis2Download') listening++;
        return () => {
          if (topic === 'wis2Download') listening--;
          stop();
        };
      }) as typeof bus.subscribe;
      try {
        const id = randomUUID();
        await receive({ subscriptionId: id }, id, [[id, 'bye']]);
        await eventually(async () => (listening === 0 ? true : undefined), 5_000, 'the listener to be removed');
      } finally {
        bus.subscribe = original;
      }
    });
  });
});
