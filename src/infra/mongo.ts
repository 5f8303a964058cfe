import { MongoClient, type Db } from 'mongodb';
import type { AppConfig } from '../config.js';
import { startFerretdb, type FerretdbServer } from './ferretdb.js';

/** Agenda's job collection (named here: the WIS2 download jobs count their starts in their own documents). */
export const AGENDA_JOBS_COLLECTION = 'agendaJobs';

export interface Database {
  client: MongoClient;
  db: Db;
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
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 10_000,
    ...(server || (await isFerretdb(uri)) ? { maxPoolSize: 1 } : {}),
  });
  try {
    await client.connect();
    await client.db(config.mongodbDb).command({ ping: 1 });
  } catch (error) {
    await server?.stop();
    throw error;
  }
  return {
    client,
    db: client.db(config.mongodbDb),
    bundled: server !== null,
    async close() {
      await client.close();
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
