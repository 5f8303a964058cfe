import { MongoClient, type Db } from 'mongodb';
import type { AppConfig } from '../config.js';
import { startFerretdb, type FerretdbServer } from './ferretdb.js';

/** Agenda's job collection (named here: the WIS2 download jobs count their starts in their own documents). */
export const AGENDA_JOBS_COLLECTION = 'agendaJobs';

export interface Database {
  client: MongoClient;
  db: Db;
  /**
   * The same database over a connection of its own for health probes (ping, task counts). FerretDB gets one pooled
   * connection for the work; behind a burst of uploads and progress writes a probe on it waited seconds, so GET
   * /health timed out exactly when an operator needed it. On other servers this is `db` (their pool has room).
   */
  monitorDb: Db;
  /**
   * The same database over yet another connection for maintenance (retention, purges): queries FerretDB answers by
   * reading a whole collection, seconds at a time, which must not hold up the work or the probes. `db` elsewhere.
   */
  maintenanceDb: Db;
  /** True when this process started the bundled FerretDB. */
  bundled: boolean;
  close(): Promise<void>;
}

/**
 * Connects to MONGODB_URI, or starts the bundled FerretDB on the database folder. FerretDB runs one connection's
 * commands strictly in order, so a single pooled connection keeps job locking and counters atomic there.
 */
export async function connectDatabase(config: Pick<AppConfig, 'mongodbUri' | 'mongodbDb' | 'databaseFolder'>, log: (m: string) => void): Promise<Database> {
  let server: FerretdbServer | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    server = await startFerretdb({ dataDir: config.databaseFolder, log });
    uri = server.uri;
  }
  const singleConnection = server !== null || (await isFerretdb(uri));
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, ...(singleConnection ? { maxPoolSize: 1 } : {}) });
  const monitor = singleConnection ? new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 1 }) : null;
  const maintenance = singleConnection ? new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 1 }) : null;
  try {
    await client.connect();
    await client.db(config.mongodbDb).command({ ping: 1 });
    await monitor?.connect();
    await maintenance?.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    await monitor?.close().catch(() => undefined);
    await maintenance?.close().catch(() => undefined);
    await server?.stop();
    throw error;
  }
  return {
    client,
    db: client.db(config.mongodbDb),
    monitorDb: (monitor ?? client).db(config.mongodbDb),
    maintenanceDb: (maintenance ?? client).db(config.mongodbDb),
    bundled: server !== null,
    async close() {
      await client.close();
      await monitor?.close();
      await maintenance?.close();
      await server?.stop();
    },
  };
}

/** FerretDB reports itself in buildInfo; such servers get one pooled connection. */
async function isFerretdb(uri: string): Promise<boolean> {
  const probe = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 1 });
  try {
    await probe.connect();
    const info = await probe.db('admin').command({ buildInfo: 1 });
    return 'ferretdbVersion' in info;
  } finally {
    await probe.close();
  }
}
