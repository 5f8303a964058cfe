import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectId, type Db } from 'mongodb';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { useTestApp } from '../helpers/app-harness.ts';
import { useFileServer } from '../helpers/file-server.ts';
import { isPrivateAddress } from '../../src/wis2/download/index.ts';
import { enqueueDownload } from '../../src/wis2-service/downloads/batch-enqueue.ts';
import { defineWis2DownloadJobs } from '../../jobs/download-wis2-batch.ts';
import { DedupStore } from '../../src/wis2-service/downloads/dedup-store.ts';
import { processDownload, type DownloadContext, type DownloadJobData, type DownloadResult } from '../../src/wis2-service/downloads/handler.ts';
import { DOWNLOADS_COLLECTION, DownloadRecords } from '../../src/wis2-service/downloads/records.ts';
import type { DownloadOutcome } from '../../src/wis2/outcomes.ts';
import { synopRequest } from './helpers/download-request.ts';

const BUFR = Buffer.concat([Buffer.from('BUFR'), Buffer.alloc(200, 7), Buffer.from('7777')]);
const BUFR_V2 = Buffer.concat([Buffer.from('BUFR'), Buffer.alloc(300, 9), Buffer.from('7777')]);
const JSON_BODY = Buffer.from('{"not":"bufr"}');
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');
const DAY = new Date('2026-03-05T12:00:00Z');
const errorClass = (o: DownloadOutcome) => (o.status === 'SUCCESS' ? null : o.errorClass);
const reason = (o: DownloadOutcome) => (o.status === 'SUCCESS' ? '' : o.reason);

describe('WIS2 download job against a local file server and FerretDB', () => {
  // An API process: its database and folders, and no download jobs of its own to take these tests' jobs.
  const running = useTestApp({ role: 'api' });
  const files = useFileServer();
  let db: Db;
  let stores: DownloadContext['stores'];
  let base: string;
  let dataRoot: string;
  let current = BUFR;
  const outcomesSeen: DownloadResult[] = [];
  const hits = files.hits;
  /** The Authorization headers the server saw since it last forgot. */
  const authSeen = () => files.requests.flatMap((r) => (r.authorization === null ? [] : [r.authorization]));

  before(() => {
    db = running().app.services().database.db;
    stores = { dedup: new DedupStore(db), records: new DownloadRecords(db) };
    dataRoot = running().config.wis2.dataFolder;
    base = files.base;
    files.fallback = (path, hit) => {
      if (path.startsWith('/slow/')) return { body: current, delayMs: 4_000 };
      if (path.startsWith('/flaky/') && hit === 1) return { status: 503, body: Buffer.from('busy') };
      if (path.startsWith('/json/')) return { body: JSON_BODY };
      if (path.startsWith('/redirect-private/')) return { status: 302, headers: { location: 'http://10.0.0.1/r.bufr4' } };
      if (path.startsWith('/redirect/')) return { status: 302, headers: { location: `/files/${path.split('/').pop()}` } };
      if (path.startsWith('/missing/')) return undefined;
      return { body: current };
    };
  });

  const context = (extra: Partial<DownloadContext> = {}): DownloadContext => ({
    stores,
    dataRoot,
    allowPrivateNetworks: true,
    now: () => DAY,
    fetch: { retryBaseDelayMs: 10, connectTimeoutMs: 2_000, readTimeoutMs: 5_000 },
    onOutcome: (result) => void outcomesSeen.push(result),
    ...extra,
  });

  let seq = 0;
  const request = (file: string, extra: Partial<DownloadJobData> = {}): DownloadJobData => {
    seq += 1;
    return synopRequest(BUFR, {
      subscriptionId: `sub-${seq}`,
      savePath: 'surface-obs',
      messageId: `msg-${seq}`,
      dataId: `de-dwd/synop/${file}-${seq}`,
      href: `${base}/files/${file}`,
      ...extra,
    });
  };
  const dayDir = () => join(dataRoot, 'surface-obs', '2026', '03', '05');
  const noTempFiles = () => assert.deepEqual(readdirSync(dayDir()).filter((f) => f.startsWith('.tmp_')), []);

  test('a verified download lands in <root>/<savePath>/YYYY/MM/DD/<file> with a SUCCESS record', async () => {
    const { outcome, record } = await processDownload(request('A_ISMD01.bufr4'), context());
    assert.deepEqual(outcome, { status: 'SUCCESS' });
    const path = join(dayDir(), 'A_ISMD01.bufr4');
    assert.equal(record.path, path);
    assert.deepEqual(readFileSync(path), BUFR);
    assert.equal(record.validHash, true);
    assert.equal(record.size, BUFR.byteLength);
    assert.equal(record.mediaType, 'application/bufr');
    const stored = await db.collection(DOWNLOADS_COLLECTION).findOne({ messageId: record.messageId });
    assert.equal(stored?.status, 'SUCCESS');
    assert.equal(stored?.path, path);
    assert.equal(outcomesSeen.at(-1)?.record.messageId, record.messageId);
    noTempFiles();
  });

  test('two copies of one notification at the same moment: one download, the other waits for the lock and is skipped', async () => {
    const one = request('twins.bufr4');
    const results = await Promise.all([processDownload(one, context()), processDownload({ ...one }, context({ lockRetryDelayMs: 50 }))]);
    assert.deepEqual(results.map((r) => r.outcome.status).sort(), ['SKIPPED', 'SUCCESS']);
    const skipped = results.find((r) => r.outcome.status === 'SKIPPED')!;
    assert.equal(errorClass(skipped.outcome), 'PreviouslyProcessed');
    assert.equal(hits.get('/files/twins.bufr4'), 1);
  });

  test('the same data again for the same subscription is SKIPPED PreviouslyProcessed without a request', async () => {
    const first = request('dup.bufr4');
    assert.equal((await processDownload(first, context())).outcome.status, 'SUCCESS');
    const before = hits.get('/files/dup.bufr4');
    const again = await processDownload({ ...first, messageId: 'other-msg-id' }, context());
    assert.deepEqual(again.outcome, {
      status: 'SKIPPED',
      errorClass: 'PreviouslyProcessed',
      reason: `ID '${first.dataId}' (by-data-id) previously processed with status 'SUCCESS'`,
    });
    assert.equal(hits.get('/files/dup.bufr4'), before);
    const other = await processDownload({ ...first, subscriptionId: 'another-subscription', savePath: 'other' }, context());
    assert.equal(other.outcome.status, 'SUCCESS', 'dedup is per subscription');
  });

  test('a hash mismatch keeps no file and is FAILED HashVerificationError (the library default)', async () => {
    const { outcome, record } = await processDownload(
      request('bad-hash.bufr4', { integrity: { method: 'sha512', value: sha512(BUFR_V2) } }),
      context(),
    );
    assert.equal(outcome.status, 'FAILED');
    assert.equal(errorClass(outcome), 'HashVerificationError');
    assert.equal(existsSync(join(dayDir(), 'bad-hash.bufr4')), false);
    assert.equal(record.validHash, false);
    noTempFiles();
    const stored = await db.collection(DOWNLOADS_COLLECTION).findOne({ messageId: record.messageId });
    assert.equal(stored?.errorClass, 'HashVerificationError');
  });

  test('a 404 is FAILED HTTPError after a single request', async () => {
    const { outcome } = await processDownload(request('x.bufr4', { href: `${base}/missing/x.bufr4` }), context());
    assert.deepEqual(outcome, { status: 'FAILED', errorClass: 'HTTPError', reason: `HTTP 404 response from ${new URL(base).host}` });
    assert.equal(hits.get('/missing/x.bufr4'), 1);
  });

  test('a 503 is retried and the second answer, a 200, is saved', async () => {
    const { outcome, record } = await processDownload(request('f.bufr4', { href: `${base}/flaky/f.bufr4` }), context());
    assert.deepEqual(outcome, { status: 'SUCCESS' });
    assert.equal(hits.get('/flaky/f.bufr4'), 2);
    assert.equal(record.attempts, 2);
    assert.deepEqual(readFileSync(join(dayDir(), 'f.bufr4')), BUFR);
  });

  test('a body longer or shorter than the declared length is refused before the file appears', async () => {
    const shorter = await processDownload(request('long.bufr4', { expectedSize: 100, integrity: null }), context());
    assert.equal(errorClass(shorter.outcome), 'SizeVerificationError');
    const longer = await processDownload(request('short.bufr4', { expectedSize: 10_000, integrity: null }), context());
    assert.equal(errorClass(longer.outcome), 'SizeVerificationError');
    assert.equal(existsSync(join(dayDir(), 'long.bufr4')), false);
    assert.equal(existsSync(join(dayDir(), 'short.bufr4')), false);
    noTempFiles();
  });

  test('an update link downloads the same data id again and replaces the file; canonical does not overwrite', async () => {
    const first = request('upd.bufr4');
    assert.equal((await processDownload(first, context())).outcome.status, 'SUCCESS');
    const canonicalAgain = await processDownload(
      { ...first, messageId: 'new-1', dataId: 'different', integrity: null, expectedSize: null },
      context(),
    );
    assert.equal(errorClass(canonicalAgain.outcome), 'FileExistsError');
    current = BUFR_V2;
    try {
      const update = await processDownload(
        { ...first, messageId: 'new-2', overwrite: true, expectedSize: BUFR_V2.byteLength, integrity: { method: 'sha512', value: sha512(BUFR_V2) } },
        context(),
      );
      assert.deepEqual(update.outcome, { status: 'SUCCESS' });
    } finally {
      current = BUFR;
    }
    assert.deepEqual(readFileSync(join(dayDir(), 'upd.bufr4')), BUFR_V2);
  });

  test('the post-download filter rejects a JSON body under the default filter and nothing is kept', async () => {
    const { outcome } = await processDownload(
      request('data.json', { href: `${base}/json/data.json`, expectedSize: null, integrity: null, declaredMediaType: null }),
      context(),
    );
    assert.deepEqual(outcome, { status: 'SKIPPED', errorClass: 'FilterRejected', reason: 'Media type not in default allowed list' });
    assert.equal(existsSync(join(dayDir(), 'data.json')), false);
    noTempFiles();
  });

  test('credentials of the subscription are sent as an Authorization header to a host in their list', async () => {
    files.forget();
    const { outcome } = await processDownload(
      request('auth.bufr4'),
      context({ credentialsFor: async () => ({ type: 'bearer', token: 't0ken', hosts: ['127.0.0.1'], allow_insecure_http: true }) }),
    );
    assert.equal(outcome.status, 'SUCCESS');
    assert.deepEqual(authSeen(), ['Bearer t0ken']);
    // Without a host list (as stored before it existed) they go to no host; a public file still downloads.
    const unscoped = await processDownload(request('auth-unscoped.bufr4'), context({ credentialsFor: async () => ({ type: 'bearer', token: 't0ken' }) }));
    assert.equal(unscoped.outcome.status, 'SUCCESS');
    assert.deepEqual(authSeen(), ['Bearer t0ken']);
  });

  test('loopback and private addresses are refused unless allowPrivateNetworks; 10.0.0.1 without any connection', async () => {
    const attempts: string[] = [];
    const strict = context({ allowPrivateNetworks: false, fetch: { retryBaseDelayMs: 10, connectTimeoutMs: 3_000, onAttempt: (a) => void attempts.push(a.url) } });
    const before = hits.get('/files/private.bufr4') ?? 0;
    const loop = await processDownload(request('private.bufr4'), strict);
    assert.equal(loop.outcome.status, 'SKIPPED');
    assert.equal(errorClass(loop.outcome), 'UnsupportedDownloadURL');
    assert.equal(hits.get('/files/private.bufr4') ?? 0, before);
    const t0 = Date.now();
    const ten = await processDownload(request('ten.bufr4', { href: 'http://10.0.0.1/ten.bufr4' }), strict);
    assert.equal(errorClass(ten.outcome), 'UnsupportedDownloadURL');
    assert.match(reason(ten.outcome), /10\.0\.0\.1 is a private/);
    assert.ok(Date.now() - t0 < 2_000);
    assert.deepEqual(attempts, [], 'no connection was attempted');
    const host = await processDownload(
      request('named.bufr4', { href: 'http://metadata.example/named.bufr4' }),
      { ...strict, resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }] },
    );
    assert.match(reason(host.outcome), /169\.254\.169\.254/);
    assert.deepEqual(attempts, []);
  });

  test('every redirect hop is checked again: a public first hop redirecting to 10.0.0.1 is refused', async () => {
    const attempts: string[] = [];
    const { outcome } = await processDownload(
      request('r.bufr4', { href: `http://public.example:${new URL(base).port}/redirect-private/r.bufr4` }),
      context({
        allowPrivateNetworks: false,
        // The test server plays a public host: the name resolves to it and its address counts as public here.
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        isPrivate: (ip) => ip !== '127.0.0.1' && isPrivateAddress(ip),
        fetch: { retryBaseDelayMs: 10, connectTimeoutMs: 2_000, onAttempt: (a) => void attempts.push(a.url) },
      }),
    );
    assert.equal(errorClass(outcome), 'UnsupportedDownloadURL');
    assert.match(reason(outcome), /10\.0\.0\.1/);
    assert.deepEqual(attempts, [`http://public.example:${new URL(base).port}/redirect-private/r.bufr4`]);
    assert.equal(hits.get('/redirect-private/r.bufr4'), 1);
  });

  test('redirects to the same server are followed', async () => {
    const { outcome } = await processDownload(request('rd.bufr4', { href: `${base}/redirect/rd.bufr4` }), context());
    assert.deepEqual(outcome, { status: 'SUCCESS' });
    assert.deepEqual(readFileSync(join(dayDir(), 'rd.bufr4')), BUFR);
  });

  test('non-HTTP URLs are refused before anything else', async () => {
    for (const href of ['ftp://gc.example/x.bufr4', 'file:///etc/passwd', 'not a url']) {
      const { outcome } = await processDownload(request('x', { href }), context());
      assert.deepEqual(outcome, { status: 'SKIPPED', errorClass: 'UnsupportedDownloadURL', reason: `Unsupported download URL ${href}` });
    }
  });

  test('the Agenda job: enqueueDownload on the request queue, defineWis2DownloadJobs runs it and reports the outcome', async () => {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }), processEvery: 100 });
    const seen: DownloadResult[] = [];
    // A short lock lifetime: Agenda keeps a lock-check timer of half of it alive after the job, delaying the test's exit.
    defineWis2DownloadJobs(agenda, { ...context(), db, lockLifetimeMs: 4000, onOutcome: (result) => void seen.push(result) });
    await agenda.start();
    try {
      const job = await enqueueDownload(agenda, request('queued.bufr4', { queue: 'high_priority' }));
      assert.equal(job.attrs.name, 'wis2.download.high_priority');
      const deadline = Date.now() + 15_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen[0]?.outcome, { status: 'SUCCESS' });
      assert.deepEqual(readFileSync(join(dayDir(), 'queued.bufr4')), BUFR);
    } finally {
      await agenda.stop();
    }
  });

  /** Runs `work` with an Agenda that has the download jobs defined (lock lifetime `lockLifetimeMs`), stopping it after. */
  async function withAgenda(lockLifetimeMs: number, seen: DownloadResult[], work: (agenda: Agenda) => Promise<void>, extra: Partial<DownloadContext> & { maxAttempts?: number } = {}) {
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db }), processEvery: 100 });
    defineWis2DownloadJobs(agenda, { ...context(), db, lockLifetimeMs, ...extra, onOutcome: (result) => void seen.push(result) });
    try {
      await work(agenda);
    } finally {
      await agenda.stop();
    }
  }
  const until = async (done: () => boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };

  test('a download that outlasts the job lock lifetime runs once: the lock is refreshed while it runs', async () => {
    const seen: DownloadResult[] = [];
    await withAgenda(1_000, seen, async (agenda) => {
      await agenda.start();
      await enqueueDownload(agenda, request('slow.bufr4', { href: `${base}/slow/slow.bufr4` }));
      await until(() => seen.length > 0);
      // A second run would have started within a lock lifetime of the first; give it that long to show up.
      await new Promise((r) => setTimeout(r, 1_500));
    });
    assert.deepEqual(seen.map((r) => r.outcome.status), ['SUCCESS']);
    assert.equal(hits.get('/slow/slow.bufr4'), 1);
  });

  test('a job started GASFLUX_MAX_ATTEMPTS times by dead workers is recorded FAILED TooManyAttempts and not fetched', async () => {
    const seen: DownloadResult[] = [];
    const one = request('abandoned.bufr4', { href: `${base}/files/abandoned.bufr4` });
    const job = await enqueueDownload(new Agenda({ backend: new MongoBackend({ mongo: db }) }), one);
    // As three workers that died mid-download would have left it.
    await db.collection('agendaJobs').updateOne({ _id: new ObjectId(String(job.attrs._id)) }, { $set: { 'data.starts': 3 } });
    await withAgenda(4_000, seen, async (agenda) => {
      await agenda.start();
      await until(() => seen.length > 0);
    }, { maxAttempts: 3 });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome.status, 'FAILED');
    assert.equal(errorClass(seen[0].outcome), 'TooManyAttempts');
    assert.match(reason(seen[0].outcome), /started 3 times without finishing \(GASFLUX_MAX_ATTEMPTS=3\)/);
    assert.equal(hits.get('/files/abandoned.bufr4') ?? 0, 0);
    const stored = await db.collection(DOWNLOADS_COLLECTION).find({ messageId: one.messageId }).toArray();
    assert.deepEqual(stored.map((r) => r.errorClass), ['TooManyAttempts']);
  });

  test('the lock is exclusive per subscription and key, and an expired lock is taken over', async () => {
    const store = new DedupStore(db, { lockTtlMs: 1_000 });
    const keys = { subscriptionId: 'lock-sub', messageId: 'm', dataId: 'd', hash: null };
    const t = new Date('2026-03-05T12:00:00Z');
    assert.equal(await store.tryLock(keys, t), true);
    assert.equal(await store.tryLock(keys, t), false);
    assert.equal(await store.tryLock({ ...keys, subscriptionId: 'lock-sub-2' }, t), true);
    assert.equal(await store.tryLock(keys, new Date(t.getTime() + 2_000)), true, 'expired lock taken over');
    await store.unlock(keys);
    assert.equal(await store.tryLock(keys, t), true);
  });

  test('address classification (every IPv6 form that embeds an IPv4 address: address-guard.test.ts)', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '0.0.0.0', '::127.0.0.1', '64:ff9b::7f00:1', '::ffff:0:7f00:1']) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(ip), false, ip);
  });
});
