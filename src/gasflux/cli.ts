/**
 * `gasflux process <file.csv|.xlsx|.xls> [--config cfg.yaml] [--output dir] [--complete-config]`
 * Writes the outputs under <dir>/<stem>/<timestamp>_processing_run/ and prints one summary line per gas.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyseFile } from './analyse.js';
import { GasfluxError } from './errors.js';
import { DEFAULT_CONFIG } from './config/defaults.js';

const USAGE = `Usage: gasflux process <file.csv|.xlsx|.xls> [--config cfg.yaml] [--output dir] [--complete-config]

  --config, -c        YAML config, deep-merged over the built-in defaults
  --complete-config   use the YAML as the whole config (as gasflux 0.2.2 does), without defaults
  --output, -o        output root (default: the config's output_dir, ~/gasflux_reports)
  --quiet, -q         no progress lines on stderr`;

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        output: { type: 'string', short: 'o' },
        'complete-config': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals[0] !== 'process' || positionals.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  const inputPath = positionals[1];
  try {
    const configYaml = values.config ? await readFile(values.config, 'utf8') : undefined;
    const outcome = await analyseFile(inputPath, {
      ...(configYaml !== undefined ? { configYaml } : {}),
      completeConfig: values['complete-config'] ?? false,
      outputRoot: resolve(expandHome(values.output ?? DEFAULT_CONFIG.output_dir ?? '~/gasflux_reports')),
      onProgress: values.quiet
        ? undefined
        : (p) => {
            if (p.stageFraction === 0) {
              process.stderr.write(`[${p.completedSteps}/${p.totalSteps}] ${p.stage}${p.gas ? ` ${p.gas}` : ''}\n`);
            }
          },
    });
    const { result } = outcome;
    for (const gas of result.gases) {
      if (!gas.detection.detected) {
        console.log(`${gas.gas}: not detected (no plume above the sensor noise; physics ${result.physics})`);
        continue;
      }
      console.log(
        `${gas.gas}: ${gas.volume.toFixed(3)} kg/h (positive ${gas.volumepos.toFixed(3)}, negative ${gas.volumeneg.toFixed(3)}; ` +
          `grid ${result.grid.nx}×${result.grid.ny}, physics ${result.physics})`,
      );
    }
    for (const warning of result.warnings) console.log(`warning: ${warning.message}`);
    console.log(`outputs: ${outcome.runDirectory}`);
    return 0;
  } catch (error) {
    if (error instanceof GasfluxError) {
      console.error(`error [${error.stage}/${error.code}]: ${error.message}`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`error: no such file: ${(error as NodeJS.ErrnoException).path ?? inputPath}`);
      return 1;
    }
    throw error;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(70);
    },
  );
}
