/**
 * `gasflux-client subscriptions list|create|delete` and `downloads [--follow]`: WIS2 subscriptions and the outcomes
 * of their downloads. Credentials go to the service and are never printed (the service returns only the type and
 * the username).
 */
import { readFile } from 'node:fs/promises';
import type { CreateWis2SubscriptionInput, Wis2DownloadStatus, Wis2Queue } from '../generated/graphql.js';
import type { Wis2Download } from '../sdk.js';
import { limit, list, oneOf, printJson, str, type Command, type Context, type Values } from './command.js';
import { EXIT, usage } from './exit.js';
import { credentials, downloadLine, filterName, subscriptionDetails, table } from './format.js';

const QUEUES = ['HIGH_PRIORITY', 'SMALL_FILES', 'LARGE_FILES'] as const satisfies readonly Wis2Queue[];
const DOWNLOAD_STATUSES = ['SUCCESS', 'FAILED', 'SKIPPED'] as const satisfies readonly Wis2DownloadStatus[];
const upper = (v: string) => v.toUpperCase().replace(/-/g, '_');

/** `--filter` is inline JSON when it starts with `{`, else a JSON file. */
async function readFilter(value: string): Promise<unknown> {
  const inline = value.trimStart().startsWith('{');
  let text = value;
  if (!inline) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw usage(`cannot read filter file ${value}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usage(`--filter ${inline ? 'value' : `file ${value}`} is not JSON: ${(error as Error).message}`);
  }
}

function credentialsInput(values: Values): CreateWis2SubscriptionInput['credentials'] {
  const [username, password, token] = [str(values.username), str(values.password), str(values.token)];
  const hosts = (str(values['credential-hosts']) ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const where = { hosts, ...(values['allow-insecure-http'] ? { allowInsecureHttp: true } : {}) };
  if (token !== undefined && (username !== undefined || password !== undefined)) throw usage('give either --username and --password, or --token, not both');
  if (token === undefined && username === undefined && password === undefined) {
    if (hosts.length || values['allow-insecure-http']) throw usage('--credential-hosts and --allow-insecure-http go with credentials');
    return undefined;
  }
  if (hosts.length === 0) throw usage('credentials need --credential-hosts: the hosts they may be sent to (comma-separated)');
  if (token !== undefined) return { type: 'BEARER', token, ...where };
  if (username === undefined || password === undefined) throw usage('--username and --password go together');
  return { type: 'BASIC', username, password, ...where };
}

const SUBSCRIPTIONS_HELP = `Usage: gasflux-client subscriptions list [--json]
       gasflux-client subscriptions create --topic T [--target dir] [--queue high_priority|small_files|large_files]
                                           [--filter file.json|'{"rules": …}'] [--username u --password p | --token t]
                                           [--credential-hosts h1,*.h2 [--allow-insecure-http]]
       gasflux-client subscriptions delete <id>

  --topic, -t    WIS2 topic, e.g. cache/a/wis2/+/data/core/weather/surface-based-observations/#
  --target       folder under the service's WIS2 data folder (default: the data folder itself)
  --queue, -q    download queue (default small_files)
  --filter, -f   a rule-based filter: a JSON file, or inline JSON starting with {
  --username, --password   HTTP Basic credentials for the data (never printed)
  --token        an HTTP Bearer token for the data (never printed)
  --credential-hosts h1,*.h2   the only hosts the credentials are sent to (required with credentials)
  --allow-insecure-http        send them over plain http too`;

async function listSubscriptions(ctx: Context): Promise<number> {
  const subs = await ctx.client.wis2.list();
  if (ctx.json) {
    printJson(ctx, subs);
    return EXIT.OK;
  }
  const rows = subs.map((s) => [s.id, s.topic, s.target, s.queue.toLowerCase(), credentials(s), filterName(s)]);
  ctx.io.out(`${table(['ID', 'TOPIC', 'TARGET', 'QUEUE', 'CREDENTIALS', 'FILTER'], rows)}\n`);
  ctx.io.out(`${subs.length} subscription${subs.length === 1 ? '' : 's'}\n`);
  return EXIT.OK;
}

async function createSubscription(ctx: Context, values: Values): Promise<number> {
  const topic = str(values.topic);
  if (!topic) throw usage('subscriptions create needs --topic');
  const creds = credentialsInput(values);
  const input: CreateWis2SubscriptionInput = {
    topic,
    ...(str(values.target) !== undefined ? { target: str(values.target) } : {}),
    ...(values.queue !== undefined ? { queue: oneOf('queue', str(values.queue)!, QUEUES, upper) } : {}),
    ...(str(values.filter) !== undefined ? { filter: await readFilter(str(values.filter)!) } : {}),
    ...(creds ? { credentials: creds } : {}),
  };
  const created = await ctx.client.wis2.create(input);
  if (ctx.json) printJson(ctx, created);
  else ctx.io.out(`created subscription\n${subscriptionDetails(created)}\n`);
  return EXIT.OK;
}

export const subscriptions: Command = {
  name: 'subscriptions',
  summary: 'WIS2 subscriptions: list, create, delete',
  help: SUBSCRIPTIONS_HELP,
  options: {
    topic: { type: 'string', short: 't' },
    target: { type: 'string' },
    queue: { type: 'string', short: 'q' },
    filter: { type: 'string', short: 'f' },
    username: { type: 'string' },
    password: { type: 'string' },
    token: { type: 'string' },
    'credential-hosts': { type: 'string' },
    'allow-insecure-http': { type: 'boolean' },
  },
  async run(ctx, values, positionals) {
    const [action, ...rest] = positionals;
    const createOnly = ['topic', 'target', 'queue', 'filter', 'username', 'password', 'token', 'credential-hosts', 'allow-insecure-http'].filter((k) => values[k] !== undefined);
    if (action !== 'create' && createOnly.length) throw usage(`--${createOnly[0]} belongs to subscriptions create`);
    switch (action) {
      case 'list':
      case undefined:
        if (rest.length) throw usage('subscriptions list takes no arguments');
        return listSubscriptions(ctx);
      case 'create':
        if (rest.length) throw usage('subscriptions create takes options only (see --help)');
        return createSubscription(ctx, values);
      case 'delete': {
        if (rest.length !== 1) throw usage('subscriptions delete takes one subscription id');
        const id = await ctx.client.wis2.delete(rest[0]);
        if (ctx.json) printJson(ctx, { deleted: id });
        else ctx.io.out(`deleted subscription ${id}\n`);
        return EXIT.OK;
      }
      default:
        throw usage(`unknown subscriptions action '${action}': list, create or delete`);
    }
  },
};

/** Streams live outcomes until Ctrl-C: closing the client ends the websocket, which ends the loop. */
async function follow(ctx: Context, subscriptionId: string | undefined): Promise<number> {
  // One plain request first, so an unreachable service is reported at once rather than after websocket retries.
  await ctx.client.wis2.downloads({ first: 0, ...(subscriptionId ? { subscriptionId } : {}) });
  ctx.io.err(`following downloads${subscriptionId ? ` of ${subscriptionId}` : ''}; Ctrl-C to stop\n`);
  const stop = () => void ctx.client.close();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const d of ctx.client.wis2.followDownloads(subscriptionId)) {
      ctx.io.out(ctx.json ? `${JSON.stringify(d)}\n` : `${downloadLine(d)}\n`);
      if (ctx.signal.aborted) break;
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
  return EXIT.OK;
}

export const downloads: Command = {
  name: 'downloads',
  summary: 'WIS2 download outcomes: the most recent, or live with --follow',
  help: `Usage: gasflux-client downloads [--subscription id] [--status success,failed,skipped] [--limit n] [--after cursor] [--json]
       gasflux-client downloads --follow [--subscription id] [--json]

One line per outcome: time, status, subscription, message id, then the saved path or why not.
With --follow, outcomes are printed as they happen until Ctrl-C, which exits 0 (--json: one object per line).

  --subscription   only this subscription's outcomes
  --status, -s     only these outcomes (repeat or separate with commas)
  --limit, -n      at most n outcomes, newest first (1-100, default 20)
  --after          the cursor printed after a full page, for the next one
  --follow, -f     stream live outcomes instead of listing recorded ones`,
  options: {
    subscription: { type: 'string' },
    status: { type: 'string', short: 's', multiple: true },
    limit: { type: 'string', short: 'n' },
    after: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw usage('downloads takes no arguments');
    const subscriptionId = str(values.subscription);
    const status = list(values.status).map((s) => oneOf('status', s, DOWNLOAD_STATUSES, upper));
    if (values.follow) {
      if (status.length || values.limit !== undefined || values.after !== undefined) throw usage('--status, --limit and --after list recorded outcomes; not with --follow');
      return follow(ctx, subscriptionId);
    }
    const connection = await ctx.client.wis2.downloads({
      ...(subscriptionId ? { subscriptionId } : {}),
      ...(status.length ? { status } : {}),
      first: limit(values.limit, 20),
      ...(str(values.after) ? { after: str(values.after) } : {}),
    });
    const nodes: Wis2Download[] = connection.edges.map((e) => e.node);
    if (ctx.json) {
      printJson(ctx, { totalCount: connection.totalCount, hasNextPage: connection.pageInfo.hasNextPage, endCursor: connection.pageInfo.endCursor, downloads: nodes });
      return EXIT.OK;
    }
    for (const d of nodes) ctx.io.out(`${downloadLine(d)}\n`);
    ctx.io.out(`${nodes.length} of ${connection.totalCount} outcomes\n`);
    if (connection.pageInfo.hasNextPage) ctx.io.err(`more: --after ${connection.pageInfo.endCursor}\n`);
    return EXIT.OK;
  },
};
