/**
 * The WIS2 Prometheus metrics (spec wis2-downloader §3): exact names, labels and HELP texts of §3.2 plus the two §3.3
 * counters, one registry per instance, families shown only once touched, `GET /metrics` on WIS2_PORT with the
 * registry's Content-Type, the plain-text 500, and every metric the shipped Grafana dashboards query.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { ObjectId } from 'mongodb';
import { Wis2Metrics, WIS2_METRICS } from '../../src/wis2-service/metrics.ts';
import { useTestApp } from '../helpers/app-harness.ts';
import { needsSharedData, wis2DataDir } from '../helpers/shared-data.ts';

/** §3.2 and §3.3, copied from the spec: name → [type, labels, HELP]. */
const SPEC_TABLE: Record<string, [string, string[], string]> = {
  wis2downloader_notifications_total: ['counter', ['status'], 'Total number of notifications processed.'],
  wis2downloader_downloads_total: ['counter', ['cache', 'media_type'], 'Total number of files downloaded.'],
  wis2downloader_downloads_bytes_total: ['counter', ['cache', 'media_type'], 'Total number of bytes downloaded.'],
  wis2downloader_skipped_total: ['counter', ['reason'], 'Total number of skipped notifications by reason.'],
  wis2downloader_failed_total: ['counter', ['cache', 'reason'], 'Total number of failed downloads by reason.'],
  wis2downloader_celery_queue_length: ['gauge', ['queue_name'], 'Current number of tasks in the Celery default queue.'],
  wis2downloader_disk_total_bytes: ['gauge', [], 'Total disk space in bytes.'],
  wis2downloader_disk_used_bytes: ['gauge', [], 'Used disk space in bytes.'],
  wis2downloader_disk_free_bytes: ['gauge', [], 'Free disk space in bytes.'],
  wis2downloader_disk_downloads_bytes: ['gauge', [], 'Current size of the downloads directory in bytes.'],
};
const SECTION_3_3 = { wis2downloader_notifications_received_total: ['broker'], wis2downloader_queue_errors_total: ['broker'] };
/** Ours, as §3.3 [REC] suggests: invalid messages and the broker connection state. */
const OURS = { wis2downloader_invalid_notifications_total: ['counter', ['broker']], wis2downloader_mqtt_connected: ['gauge', ['broker']] };

/** One of everything: each outcome, both §3.3 counters, every gauge. */
function recordOneOfEach(metrics: Wis2Metrics): void {
  metrics.notificationReceived('globalbroker.meteo.fr');
  metrics.queueError('globalbroker.meteo.fr');
  metrics.downloadOutcome({ status: 'SUCCESS' }, { cache: 'cache.example.org', mediaType: 'application/bufr', bytes: 1234 });
  metrics.downloadOutcome({ status: 'SKIPPED', errorClass: 'FilterRejected', reason: 'not BUFR' });
  metrics.downloadOutcome({ status: 'FAILED', errorClass: 'HTTPError', reason: 'HTTP 404 response from cache.example.org' }, { cache: 'cache.example.org' });
  metrics.setQueueLength('small_files', 3);
  metrics.setDiskUsage({ totalBytes: 1000, usedBytes: 600, freeBytes: 400 });
  metrics.setDownloadsDirectoryBytes(5000);
}

/** name → sample lines (without HELP/TYPE). */
function samples(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    found.set(name, [...(found.get(name) ?? []), line]);
  }
  return found;
}

describe('Wis2Metrics', () => {
  test('declares exactly the §3.2 table, the two §3.3 counters and our two additions', () => {
    const declared = Object.fromEntries(Object.entries(WIS2_METRICS).map(([name, m]) => [name, m]));
    for (const [name, [type, labels, help]] of Object.entries(SPEC_TABLE)) {
      assert.ok(declared[name], name);
      assert.deepEqual([declared[name].type, [...declared[name].labels], declared[name].help], [type, labels, help], name);
    }
    for (const [name, labels] of Object.entries(SECTION_3_3)) {
      assert.equal(declared[name]?.type, 'counter', name);
      assert.deepEqual([...declared[name].labels], labels);
    }
    for (const [name, [type, labels]] of Object.entries(OURS)) {
      assert.equal(declared[name]?.type, type, name);
      assert.deepEqual([...declared[name].labels], labels);
    }
    assert.equal(Object.keys(declared).length, Object.keys(SPEC_TABLE).length + 2 + 2);
  });

  test('renders nothing until something is recorded, then only what was touched', async () => {
    const metrics = new Wis2Metrics();
    assert.equal(await metrics.render(), '');
    metrics.notificationReceived('broker.example');
    assert.equal(
      await metrics.render(),
      '# HELP wis2downloader_notifications_received_total Total number of notifications received from the broker that matched a subscription topic.\n' +
        '# TYPE wis2downloader_notifications_received_total counter\n' +
        'wis2downloader_notifications_received_total{broker="broker.example"} 1\n',
    );
  });

  test('one of each outcome gives the reference families, labels and values', async () => {
    const metrics = new Wis2Metrics();
    recordOneOfEach(metrics);
    metrics.downloadOutcome({ status: 'SUCCESS' }, { cache: 'cache.example.org', mediaType: 'application/bufr', bytes: 100 });
    metrics.downloadOutcome({ status: 'SUCCESS' }, {});
    metrics.downloadOutcome({ status: 'PENDING' });
    const text = await metrics.render();
    for (const [name, [type, , help]] of Object.entries(SPEC_TABLE)) {
      assert.ok(text.includes(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`), `${name} HELP/TYPE in\n${text}`);
    }
    const found = samples(text);
    assert.deepEqual(found.get('wis2downloader_notifications_total')?.sort(), [
      'wis2downloader_notifications_total{status="failed"} 1',
      'wis2downloader_notifications_total{status="skipped"} 1',
      'wis2downloader_notifications_total{status="success"} 3',
    ]);
    assert.deepEqual(found.get('wis2downloader_downloads_total'), [
      'wis2downloader_downloads_total{cache="cache.example.org",media_type="application/bufr"} 2',
      'wis2downloader_downloads_total{cache="unknown",media_type="unknown"} 1',
    ]);
    assert.deepEqual(found.get('wis2downloader_downloads_bytes_total'), [
      'wis2downloader_downloads_bytes_total{cache="cache.example.org",media_type="application/bufr"} 1334',
      'wis2downloader_downloads_bytes_total{cache="unknown",media_type="unknown"} 0',
    ]);
    assert.deepEqual(found.get('wis2downloader_skipped_total'), ['wis2downloader_skipped_total{reason="FilterRejected"} 1']);
    assert.deepEqual(found.get('wis2downloader_failed_total'), ['wis2downloader_failed_total{cache="cache.example.org",reason="HTTPError"} 1']);
    assert.deepEqual(found.get('wis2downloader_celery_queue_length'), ['wis2downloader_celery_queue_length{queue_name="small_files"} 3']);
    assert.deepEqual(found.get('wis2downloader_disk_total_bytes'), ['wis2downloader_disk_total_bytes 1000']);
    assert.deepEqual(found.get('wis2downloader_disk_used_bytes'), ['wis2downloader_disk_used_bytes 600']);
    assert.deepEqual(found.get('wis2downloader_disk_free_bytes'), ['wis2downloader_disk_free_bytes 400']);
    // Set to 5000, then +100 by the second SUCCESS (the first one's 1234 came before the set).
    assert.deepEqual(found.get('wis2downloader_disk_downloads_bytes'), ['wis2downloader_disk_downloads_bytes 5100']);
    assert.deepEqual(found.get('wis2downloader_queue_errors_total'), ['wis2downloader_queue_errors_total{broker="globalbroker.meteo.fr"} 1']);
  });

  test('label values are escaped, and empty ones become unknown', async () => {
    const metrics = new Wis2Metrics();
    metrics.downloadOutcome({ status: 'FAILED', errorClass: 'Weird"Class\\\n', reason: 'x' }, { cache: '' });
    metrics.downloadOutcome({ status: 'SKIPPED', errorClass: '' as 'FilterRejected', reason: 'x' });
    const found = samples(await metrics.render());
    assert.deepEqual(found.get('wis2downloader_failed_total'), ['wis2downloader_failed_total{cache="unknown",reason="Weird\\"Class\\\\\\n"} 1']);
    assert.deepEqual(found.get('wis2downloader_skipped_total'), ['wis2downloader_skipped_total{reason="unknown"} 1']);
  });

  test('each instance has its own registry; the default registry stays empty', async () => {
    const a = new Wis2Metrics();
    const b = new Wis2Metrics();
    a.notificationReceived('x');
    a.notificationReceived('x');
    b.notificationReceived('x');
    assert.match(await a.render(), /broker="x"} 2\n/);
    assert.match(await b.render(), /broker="x"} 1\n/);
    const { register } = await import('prom-client');
    assert.equal(register.getSingleMetric('wis2downloader_notifications_received_total'), undefined);
  });

  test('scrape hooks refresh the queue lengths before each rendering, and can be removed', async () => {
    const metrics = new Wis2Metrics();
    let waiting = 1;
    const remove = metrics.onScrape(async () => {
      metrics.setQueueLength('high_priority', waiting++);
    });
    assert.match(await metrics.render(), /queue_name="high_priority"} 1\n/);
    assert.match(await metrics.render(), /queue_name="high_priority"} 2\n/);
    remove();
    assert.match(await metrics.render(), /queue_name="high_priority"} 2\n/);
  });
});

describe('GET /metrics on WIS2_PORT', () => {
  const testApp = useTestApp();

  test('serves the app instance’s metrics with the registry’s Content-Type', async () => {
    const metrics = testApp().app.services().wis2Metrics!;
    assert.ok(metrics instanceof Wis2Metrics);
    const empty = await fetch(`${testApp().wis2Url}/metrics`);
    assert.equal(empty.status, 200);
    assert.equal(empty.headers.get('content-type'), metrics.registry.contentType);
    assert.match(empty.headers.get('content-type')!, /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    // Before any work only the sampled gauges show: the queue lengths (zero) and the data disk.
    const before = samples(await empty.text());
    assert.deepEqual(before.get('wis2downloader_celery_queue_length')?.sort(), [
      'wis2downloader_celery_queue_length{queue_name="celery"} 0',
      'wis2downloader_celery_queue_length{queue_name="high_priority"} 0',
      'wis2downloader_celery_queue_length{queue_name="large_files"} 0',
      'wis2downloader_celery_queue_length{queue_name="small_files"} 0',
    ]);
    assert.ok(Number(before.get('wis2downloader_disk_total_bytes')?.[0].split(' ')[1]) > 0);
    assert.equal(before.has('wis2downloader_notifications_total'), false);

    metrics.notificationReceived('broker.example');
    const text = await (await fetch(`${testApp().wis2Url}/metrics`)).text();
    assert.match(text, /^wis2downloader_notifications_received_total\{broker="broker.example"} 1$/m);

    const head = await fetch(`${testApp().wis2Url}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await fetch(`${testApp().wis2Url}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  test('queue lengths count the downloads in batch jobs no worker has taken, not the jobs', async () => {
    const jobs = testApp().app.services().database.db.collection('agendaJobs');
    // Due tomorrow, so no worker of the test app takes them meanwhile.
    const later = new Date(Date.now() + 86_400_000);
    const queued = [
      { name: 'wis2.download.small_files', nextRunAt: later, lockedAt: null, data: { count: 5, batch: new ObjectId() } },
      { name: 'wis2.download.small_files', nextRunAt: later, lockedAt: null, data: { count: 2, requests: ['{}', '{}'] } },
      // A job of an earlier version: one download.
      { name: 'wis2.download.large_files', nextRunAt: later, lockedAt: null, data: { request: '{}' } },
      // Taken by a worker: no longer waiting.
      { name: 'wis2.download.large_files', nextRunAt: later, lockedAt: new Date(), data: { count: 9, batch: new ObjectId() } },
    ];
    const { insertedIds } = await jobs.insertMany(queued);
    try {
      const lengths = samples(await (await fetch(`${testApp().wis2Url}/metrics`)).text()).get('wis2downloader_celery_queue_length')?.sort();
      assert.deepEqual(lengths, [
        'wis2downloader_celery_queue_length{queue_name="celery"} 8',
        'wis2downloader_celery_queue_length{queue_name="high_priority"} 0',
        'wis2downloader_celery_queue_length{queue_name="large_files"} 1',
        'wis2downloader_celery_queue_length{queue_name="small_files"} 7',
      ]);
    } finally {
      await jobs.deleteMany({ _id: { $in: Object.values(insertedIds) } });
    }
  });

  test('GET /metrics answers the plain-text 500 of the reference when rendering fails', async () => {
    const remove = testApp().app.services().wis2Metrics!.onScrape(() => {
      throw new Error('queue backend down');
    });
    try {
      const res = await fetch(`${testApp().wis2Url}/metrics`);
      assert.equal(res.status, 500);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(await res.text(), 'Error generating metrics');
    } finally {
      remove();
    }
  });

  test('exposes every metric the shipped Grafana dashboards query, at the path prometheus.yml scrapes', { skip: needsSharedData(wis2DataDir) }, async () => {
    const root = join(wis2DataDir, 'wis2downloader');
    const prometheus = loadYaml(readFileSync(join(root, 'prometheus', 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; metrics_path?: string }[];
    };
    const paths = prometheus.scrape_configs.map((c) => c.metrics_path ?? '/metrics');
    assert.deepEqual(paths, ['/metrics']);

    const expressions: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'expr' && typeof value === 'string') expressions.push(value);
          else walk(value);
        }
      }
    };
    const dashboards = readdirSync(join(root, 'grafana')).filter((f) => f.endsWith('.json'));
    assert.ok(dashboards.length >= 1, 'no dashboards');
    for (const file of dashboards) walk(JSON.parse(readFileSync(join(root, 'grafana', file), 'utf8')));
    const names = new Set(expressions.flatMap((e) => e.match(/\bwis2downloader_[a-zA-Z0-9_]+/g) ?? []));
    assert.ok(names.size >= 8, `only ${[...names].join(', ')} found in the dashboards`);

    recordOneOfEach(testApp().app.services().wis2Metrics!);
    const res = await fetch(`${testApp().wis2Url}${paths[0]}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const exposed = samples(text);
    const missing = [...names].filter((name) => !exposed.has(name) || !text.includes(`# HELP ${name} `));
    assert.deepEqual(missing, [], `dashboard metrics missing from /metrics:\n${text}`);
    // The labels the dashboards group by are on the samples.
    for (const label of expressions.flatMap((e) => [...e.matchAll(/by \(([^)]+)\)/g)].map((m) => m[1].trim()))) {
      assert.match(text, new RegExp(`[{,]${label}="`), `label ${label}`);
    }
  });
});
