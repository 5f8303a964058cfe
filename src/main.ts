/** The process entry (the only module with side effects): `node --import tsx src/main.ts [--role api|worker|all]`. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Role } from './config.js';
import { buildApp, PortInUseError, type App } from './app.js';
import { DatabaseFolderInUseError } from './infra/ferretdb.js';

const SHUTDOWN_TIMEOUT_MS = 25_000;
/** A repeat of the stop signal this soon is the same stop, delivered twice; only a later one forces the exit. */
const RELAYED_SIGNAL_MS = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
  const role = values.role as Role;
  if (!['api', 'worker', 'all'].includes(role)) {
    console.error(`--role must be api, worker or all (got '${values.role}')`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env, { role });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = buildApp(config);
  let stoppingSince: number | null = null;
  const shutdown = (signal: string) => {
    if (stoppingSince !== null) {
      // `npm start` relays the signal it got to us, and a terminal's Ctrl-C or systemd's stop already reached us.
      if (Date.now() - stoppingSince < RELAYED_SIGNAL_MS) return;
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    app.log.info({ signal }, 'signal received');
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    app.stop().then(
      () => process.exit(0),
      (error) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await app.start();
  } catch (error) {
    // Expected failures are one line; anything else is a bug and keeps its stack.
    const expected = error instanceof PortInUseError || error instanceof DatabaseFolderInUseError;
    console.error(expected ? error.message : error);
    await stopAfterFailedStart(app);
    process.exit(1);
  }
}

/** Undoes a partial start (the bundled FerretDB above all), within the shutdown timeout. */
async function stopAfterFailedStart(app: App): Promise<void> {
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
  await Promise.race([app.stop().catch((error) => app.log.error({ err: error }, 'shutdown failed')), timeout]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
