/**
 * A job process stand-in for test/service/orphaned-flight.test.ts: runs one flight (argv[2], a .csv) through
 * runFluxWorker and prints `started` once the flight reports progress, then waits to be killed.
 */
import { join } from 'node:path';
import { runFluxWorker } from '../../jobs/run-flux-worker.ts';

const [inputPath, outputRoot] = process.argv.slice(2);
let announced = false;
void runFluxWorker({ inputPath, configYaml: null, outputRoot: join(outputRoot, 'run') }, (message) => {
  if (message.type === 'progress' && !announced) {
    announced = true;
    process.stdout.write('started\n');
  }
}, { budget: { memoryMb: 2048, timeoutMs: 600_000 } }).then((outcome) => process.stdout.write(`${outcome.type}\n`));
