/**
 * `gasflux-client`: the GasFlux service from a terminal, built on the SDK (client/sdk.ts). Uploads a flight and
 * follows it live to its results; lists tasks and reports; checks health; manages WIS2 subscriptions and shows their
 * downloads, live with --follow. `gasflux-client --help` lists the commands; each has its own --help.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command, Context, Io, Options, Values } from './cli/command.js';
import { connect, type Language } from './cli/connect.js';
import { EXIT, EXIT_CODES_HELP, report } from './cli/exit.js';
import { health, reports, task, tasks } from './cli/service.js';
import { upload } from './cli/upload.js';
import { downloads, subscriptions } from './cli/wis2.js';

const COMMANDS: Command[] = [upload, tasks, task, reports, health, subscriptions, downloads];
const DEFAULT_URL = 'http://localhost:5000';

const GLOBAL_OPTIONS: Options = {
  url: { type: 'string' },
  lang: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
/** Global options that take a value, so the command can be told from their values. */
const VALUED = new Set(['--url', '--lang']);

const GLOBAL_HELP = `Global options:
  --url URL      the service (default: $GASFLUX_URL, else ${DEFAULT_URL})
  --lang en|zh   language of the service's messages (Accept-Language; default en)
  --json         machine-readable output
  --help, -h     help for a command`;

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: gasflux-client <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

${GLOBAL_HELP}

${EXIT_CODES_HELP}

Run "gasflux-client <command> --help" for a command's options.`;
}

const commandHelp = (command: Command) => `${command.help}\n\n${GLOBAL_HELP}\n\n${EXIT_CODES_HELP}`;

/** The index of the command word: the first argument that is neither an option nor a global option's value. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (VALUED.has(arg)) i++;
    else if (!arg.startsWith('-') || arg === '-') return i;
  }
  return -1;
}

export interface MainOptions {
  env?: Record<string, string | undefined>;
  io?: Io;
}

function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    tty: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
  };
}

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const io = options.io ?? processIo();
  const printError = (line: string) => io.err(`${line}\n`);

  const at = commandIndex(argv);
  const word = at >= 0 ? argv[at] : undefined;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv;
  if (word === 'help') {
    const named = COMMANDS.find((c) => c.name === rest.find((a) => !a.startsWith('-')));
    io.out(`${named ? commandHelp(named) : mainHelp()}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === word);
  if (!command) {
    if (word === undefined && (argv.includes('--help') || argv.includes('-h'))) {
      io.out(`${mainHelp()}\n`);
      return EXIT.OK;
    }
    io.err(`${word === undefined ? 'no command given' : `unknown command '${word}'`}\n\n${mainHelp()}\n`);
    return EXIT.USAGE;
  }

  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true }));
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n\n${command.help}\n`);
    return EXIT.USAGE;
  }
  if (values.help) {
    io.out(`${commandHelp(command)}\n`);
    return EXIT.OK;
  }

  const url = (typeof values.url === 'string' ? values.url : env.GASFLUX_URL) || DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    printError(`error: --url must be an http(s) URL (got '${url}')`);
    return EXIT.USAGE;
  }
  const lang = (typeof values.lang === 'string' ? values.lang : 'en').toLowerCase();
  if (lang !== 'en' && lang !== 'zh') {
    printError(`error: --lang must be en or zh (got '${values.lang}')`);
    return EXIT.USAGE;
  }

  const client = connect(url, lang as Language);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  // Only a command that follows a stream ends cleanly on Ctrl-C; any other keeps the default (the process ends).
  const following = command === downloads && values.follow === true;
  if (following) process.once('SIGINT', onSigint);
  const ctx: Context = { client, url, json: values.json === true, io, signal: interrupt.signal };
  try {
    return await command.run(ctx, values, positionals);
  } catch (error) {
    return report(error, url, printError);
  } finally {
    process.off('SIGINT', onSigint);
    await client.close();
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error);
      process.exit(EXIT.INTERNAL);
    },
  );
}
