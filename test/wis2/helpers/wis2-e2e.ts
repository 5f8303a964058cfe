/**
 * What the WIS2 end-to-end suites share: the whole stack (broker, database, file server, app), synthetic WNM
 * messages, an MQTT publisher, and readers for the app's records, files and metrics.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before } from 'node:test';
import mqtt from 'mqtt';
import { startTestApp, startTestDatabase, type RunningApp, type TestAppOptions, type TestDatabase } from '../../helpers/app-harness.js';
import { FileServer } from '../../helpers/file-server.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import type { DownloadRecord } from '../../../src/wis2-service/downloads/records.js';

export const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

/** A BUFR-looking file of `n` bytes (magic at both ends), distinct per `seed`. */
export function bufr(n: number, seed = 1): Buffer {
  const body = Buffer.alloc(Math.max(0, n - 8), seed % 251);
  return Buffer.concat([Buffer.from('BUFR'), body, Buffer.from('7777')]);
}

export interface WnmOptions {
  href: string;
  body?: Buffer;
  /** Integrity value; default the sha512 of `body`. */
  hash?: string | null;
  /** Link length; default the body's size. */
  length?: number | null;
  rel?: string;
  type?: string;
  dataId?: string;
  id?: string;
}

/** A standard-conformant notification for one file. */
export function wnm(o: WnmOptions): Record<string, unknown> {
  const now = new Date().toISOString();
  const hash = o.hash === undefined ? (o.body ? sha512(o.body) : null) : o.hash;
  const length = o.length === undefined ? (o.body ? o.body.length : null) : o.length;
  return {
    id: o.id ?? randomUUID(),
    conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [8.68, 50.11] },
    properties: {
      data_id: o.dataId ?? `wis2/de-dwd/data/core/weather/synop/${randomUUID()}`,
      metadata_id: 'urn:wmo:md:de-dwd:synop',
      pubtime: now,
      datetime: now,
      ...(hash ? { integrity: { method: 'sha512', value: hash } } : {}),
    },
    links: [{ href: o.href, rel: o.rel ?? 'canonical', type: o.type ?? 'application/bufr', ...(length !== null ? { length } : {}) }],
  };
}

/** Publishes each payload at QoS 1 from a fresh client, waiting for every PUBACK. */
export async function publish(brokerUrl: string, topic: string, payloads: Array<Record<string, unknown> | string | Buffer>): Promise<void> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `pub-${randomUUID()}`, reconnectPeriod: 0 });
  try {
    for (const p of payloads) await client.publishAsync(topic, typeof p === 'string' || Buffer.isBuffer(p) ? p : JSON.stringify(p), { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

/** POSTs a subscription to the WIS2 REST API; returns its id. */
export async function subscribe(app: RunningApp, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${app.wis2Url}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /subscriptions: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Resolves once the app's MQTT side holds `topic` on a connected broker and the broker has acknowledged it. */
export async function whenListening(app: RunningApp, topic: string, timeoutMs = 15_000): Promise<void> {
  const downloader = app.app.services().wis2Downloader!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await downloader.settled();
    const { brokers, topics } = downloader.status();
    const held = topics.some((t) => t.topic === topic) && brokers.length > 0 && brokers.every((b) => b.connected && b.topics.some((t) => t.topic === topic));
    if (held) {
      await downloader.settled();
      return;
    }
    if (Date.now() > deadline) throw new Error(`the app did not subscribe to ${topic} within ${timeoutMs} ms: ${JSON.stringify(downloader.status())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type StoredRecord = DownloadRecord & { _id: unknown };

export async function recordsOf(app: RunningApp, subscriptionId: string): Promise<StoredRecord[]> {
  return (await app.app.services().database.db.collection('wis2_downloads').find({ subscriptionId }).sort({ recordedAt: 1 }).toArray()) as unknown as StoredRecord[];
}

/** Waits until the subscription has `n` records (and no more arrive for a moment); returns them oldest first. */
export async function waitForRecords(app: RunningApp, subscriptionId: string, n: number, timeoutMs = 30_000): Promise<StoredRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await recordsOf(app, subscriptionId);
    if (records.length >= n) {
      await new Promise((r) => setTimeout(r, 200));
      return recordsOf(app, subscriptionId);
    }
    if (Date.now() > deadline) throw new Error(`expected ${n} records for ${subscriptionId}, found ${records.length}: ${JSON.stringify(records.map((r) => [r.status, r.errorClass, r.reason]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Files under `<data>/<target>`, as paths relative to it. */
export function filesUnder(app: RunningApp, target: string): string[] {
  const root = join(app.config.wis2.dataFolder, target);
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

/** `GET /metrics` on the WIS2 port as sample line → value. */
export async function metrics(app: RunningApp): Promise<Map<string, number>> {
  const text = await (await fetch(`${app.wis2Url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

export const DAY_PATH = /^\d{4}\/\d{2}\/\d{2}\/[^/]+$/;

export interface Wis2Stack {
  broker: Mosquitto;
  /** The suite's app (not there when the stack was made with `{ app: false }`). */
  app: RunningApp;
  files: FileServer;
  /**
   * Another app listening to the same broker, on the same database server and file server, stopped with the stack:
   * its own folder, database name and MQTT session unless given.
   */
  startApp(options?: TestAppOptions & { session?: string }): Promise<RunningApp>;
}

/**
 * Registers hooks that start Mosquitto, FerretDB, a file server and the app listening to that broker (extra env on
 * top) for the enclosing suite, and stop them all. Returns a getter, valid inside tests. With `{ app: false }` the
 * suite starts its apps itself (`startApp`), e.g. fresh ones per test.
 */
export function useWis2Stack(env: Record<string, string> = {}, options: { app?: boolean } = {}): () => Wis2Stack {
  let broker: Mosquitto | undefined;
  let database: TestDatabase | undefined;
  let app: RunningApp | undefined;
  const apps: RunningApp[] = [];
  const files = new FileServer();
  const startApp = async ({ session, ...settings }: TestAppOptions & { session?: string } = {}): Promise<RunningApp> => {
    const started = await startTestApp(database!, {
      ...settings,
      env: { WIS2_BROKER_URL: broker!.url, WIS2_MQTT_SESSION_ID: session ?? `e2e-${randomUUID()}`, ...env, ...settings.env },
    });
    apps.push(started);
    return started;
  };
  before(async () => {
    broker = await Mosquitto.start();
    database = await startTestDatabase();
    await files.start();
    if (options.app !== false) app = await startApp();
  });
  after(async () => {
    for (const started of apps) await started.stop().catch(() => undefined);
    await files.stop();
    await database?.stop();
    await broker?.dispose();
  });
  return () => {
    if (!broker) throw new Error('the WIS2 stack has not started');
    return {
      broker,
      files,
      startApp,
      get app() {
        if (!app) throw new Error('this WIS2 stack has no app of its own: start one with startApp');
        return app;
      },
    };
  };
}
