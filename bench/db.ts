/**
 * `npm run bench:db`: the cost of each hot database operation as the service performs it, with 1,000, 10,000 and
 * 100,000 documents already stored in its collection, on the bundled FerretDB (SQLite files; MONGODB_URI overrides).
 * Each figure is the median of 200 operations on one pooled connection, as the app connects. Target: at 100,000
 * documents within 2× of 1,000. The operations:
 *   - dedup check: DedupStore.findSuccess (one _id lookup per tracker: message id, data id, hash)
 *   - dedup lock and unlock: DedupStore.tryLock + unlock (insert-or-conflict, delete by _id)
 *   - attempt claim: TaskStore.claimAttempt (insert-or-conflict on task#attempt)
 *   - record write: DownloadRecords.insert
 *   - task read and versioned update: TaskStore.get + TaskStore.change
 * Then GET /health and GET /task/{id} at 50 connections for 5 s each with 10,000 tasks stored (the service in this
 * process, role api), and the embedded database's first start time (binary built) and disk size at the end.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { MongoClient, type Db } from 'mongodb';
import { startTestApp, type TestDatabase } from '../test/helpers/app-harness.ts';
import { startFerretdb } from '../src/infra/ferretdb.ts';
import { DedupStore } from '../src/wis2-service/downloads/dedup-store.ts';
import { DownloadRecords } from '../src/wis2-service/downloads/records.ts';
import { TaskStore } from '../src/domain/task-store.ts';
import { record, task } from './service-documents.ts';

const SIZES = [1_000, 10_000, 100_000];
const OPERATIONS = 200;
const BATCH = 1_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Fills `collection` up to `size` documents shaped as the service stores them. */
async function fill(db: Db, collection: string, from: number, size: number, make: (i: number) => Record<string, unknown>) {
  for (let start = from; start < size; start += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, size - start) }, (_, k) => make(start + k));
    await db.collection(collection).insertMany(docs as never[]);
  }
}

async function timed(run: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < OPERATIONS; i++) {
    const start = performance.now();
    await run(i);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** A task id of the form the API accepts (a UUID), numbered. */
const uuidOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Bytes under `dir`. */
function diskSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? diskSize(path) : statSync(path).size);
  }, 0);
}

/** The bundled FerretDB on a fresh folder (timed), or MONGODB_URI. */
async function openDatabase(): Promise<TestDatabase & { startMs: number | null; folder: string | null }> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => {}, startMs: null, folder: null };
  const folder = mkdtempSync(join(tmpdir(), 'gasflux-bench-db-'));
  const started = performance.now();
  const server = await startFerretdb({ dataDir: folder });
  const startMs = performance.now() - started;
  return { uri: server.uri, startMs, folder, stop: async () => {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  } };
}

/** GET /health and GET /task/{id} against the service with `count` tasks stored. */
async function serviceUnderLoad(database: TestDatabase, dbName: string, count: number): Promise<void> {
  const app = await startTestApp(database, { role: 'api', dbName, env: { GASFLUX_CONNECTION_LIMIT: '2000', GASFLUX_LOG_LEVEL: 'ERROR' } });
  try {
    const stored = await app.app.services().database.db.collection('tasks').countDocuments({});
    const id = uuidOf(Math.floor(count / 2));
    for (const [label, path] of [['GET /health', '/health'], ['GET /task/{id}', `/task/${id}`]] as const) {
      const result = await autocannon({ url: `${app.url}${path}`, connections: 50, duration: 5 });
      const bad = result.non2xx + result.errors;
      console.log(`${label} with ${stored.toLocaleString('en')} tasks stored, 50 connections: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms${bad ? `, ${bad} non-2xx/errors` : ''}`);
    }
  } finally {
    await app.stop();
  }
}

async function main() {
  const database = await openDatabase();
  const client = new MongoClient(database.uri, { maxPoolSize: 1 });
  await client.connect();
  const db = client.db(`bench_db_${process.pid}`);
  const dedup = new DedupStore(db);
  const records = new DownloadRecords(db);
  const tasks = new TaskStore(db);
  const rows: Record<string, Record<number, number>> = {};
  const note = (operation: string, size: number, ms: number) => ((rows[operation] ??= {})[size] = ms);
  let stored = 0;
  try {
    console.log(`database operations as the service performs them (${process.env.MONGODB_URI ? 'MONGODB_URI' : 'bundled FerretDB on SQLite'}; median of ${OPERATIONS})\n`);
    for (const size of SIZES) {
      const started = performance.now();
      // Trackers and locks as DedupStore writes them, records, claims and tasks: `size` of each.
      await fill(db, 'wis2_seen', stored, size, (i) => ({ _id: `bench|by-msg-id|m${i}`, kind: 'tracker', subscriptionId: 'bench', type: 'by-msg-id', key: `m${i}`, status: 'SUCCESS', messageId: `m${i}`, updatedAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) }));
      await fill(db, 'wis2_downloads', stored, size, (i) => ({ ...record(i) }));
      await fill(db, 'task_claims', stored, size, (i) => ({ _id: `t${i}#1`, taskId: `t${i}`, attempt: 1, claimedAt: new Date() }));
      await fill(db, 'tasks', stored, size, (i) => {
        const { id, ...rest } = task(`t${i}`);
        return { _id: id, ...rest };
      });
      stored = size;
      const fillS = (performance.now() - started) / 1000;
      const probe = (i: number) => Math.floor((i * 7919) % size);
      note('dedup check (3 trackers)', size, await timed((i) => dedup.findSuccess({ subscriptionId: 'bench', messageId: `m${probe(i)}`, dataId: `d${probe(i)}`, hash: `h${probe(i)}` })));
      note('dedup lock + unlock', size, await timed(async (i) => {
        const keys = { subscriptionId: 'bench', messageId: `lock-${size}-${i}`, dataId: null, hash: null };
        await dedup.tryLock(keys);
        await dedup.unlock(keys);
      }));
      note('attempt claim', size, await timed((i) => tasks.claimAttempt(`new-${size}-${i}`, 1)));
      note('record write', size, await timed((i) => records.insert(record(size + i))));
      note('task read + versioned update', size, await timed(async (i) => {
        const id = `t${probe(i)}`;
        await tasks.change(id, () => ({ message: `update ${i}` }));
      }));
      process.stderr.write(`  ${size.toLocaleString('en')} documents per collection stored in ${fillS.toFixed(1)} s\n`);
    }
    if (database.startMs !== null) console.log(`bundled FerretDB first start on an empty folder (binary built): ${(database.startMs / 1000).toFixed(2)} s`);
    const header = ['operation', ...SIZES.map((s) => `${s.toLocaleString('en')} docs`), `${SIZES.at(-1)!.toLocaleString('en')} ÷ ${SIZES[0].toLocaleString('en')}`];
    console.log(header.join(' | '));
    for (const [operation, bySize] of Object.entries(rows)) {
      const ratio = bySize[SIZES.at(-1)!] / bySize[SIZES[0]];
      console.log([operation, ...SIZES.map((s) => `${bySize[s].toFixed(2)} ms`), `${ratio.toFixed(2)}× (target ≤ 2)`].join(' | '));
    }
    if (database.folder) console.log(`disk: ${(diskSize(database.folder) / 2 ** 20).toFixed(0)} MB for ${stored.toLocaleString('en')} documents in each of 4 collections plus the operations above`);
    console.log('');
    // 10,000 tasks in a database of their own.
    const serviceDb = `bench_service_${process.pid}`;
    await fill(client.db(serviceDb), 'tasks', 0, 10_000, (i) => {
      const { id, ...rest } = task(uuidOf(i));
      return { _id: id, ...rest, status: 'completed' };
    });
    await serviceUnderLoad(database, serviceDb, 10_000);
    await client.db(serviceDb).dropDatabase().catch(() => undefined);
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
    await database.stop();
  }
}

await main();
