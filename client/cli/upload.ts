/**
 * `gasflux-client upload`: sends a flight (and optional YAML config) as a multipart GraphQL request, streamed from
 * disk; follows the task over the websocket (falling back to polling if the websocket cannot be used); on completion
 * downloads every result file into the output folder.
 */
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { TaskPriority } from '../generated/graphql.js';
import { isNewerTask, type ResultFile, type Task } from '../sdk.js';
import { oneOf, str, type Command, type Context } from './command.js';
import { CliFailure, EXIT, unreachableReason, usage } from './exit.js';
import { bytes, fluxLine } from './format.js';
import { ProgressView } from './progress.js';

const PRIORITIES = ['high', 'normal', 'low'] as const satisfies readonly TaskPriority[];
const FINISHED = new Set(['completed', 'failed']);
const POLL_MS = 1000;

async function fileBlob(path: string, what: string): Promise<Blob> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw usage(`${what} is not a file: ${path}`);
    return await openAsBlob(path);
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw usage(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Follows the task to its end: the websocket when it works, else polling. Calls `onUpdate` with every state. */
async function follow(ctx: Context, id: string, onUpdate: (task: Task) => void): Promise<Task> {
  let last: Task | null = null;
  try {
    for await (const task of ctx.client.followTask(id)) {
      last = task;
      onUpdate(task);
    }
    if (last && FINISHED.has(last.status)) return last;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const reason = unreachableReason(error) ?? (error as Error).message ?? String(error);
    ctx.io.err(`warning: live updates unavailable (${reason}); polling every ${POLL_MS / 1000}s\n`);
  }
  for (;;) {
    const task = await ctx.client.task(id);
    if (!task) throw new CliFailure(`task ${id} no longer exists`, EXIT.FAILED);
    // A poll answered by a server whose view lags the websocket's last state shows nothing new.
    if (isNewerTask(task, last)) {
      onUpdate(task);
      last = task;
    }
    if (FINISHED.has(last!.status)) return last!;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A result's file name, kept inside the output folder whatever the service sent. */
function localName(file: ResultFile): string {
  const name = basename(file.name.replace(/\\/g, '/'));
  if (!name || name === '.' || name === '..') throw new CliFailure(`the service sent a result with an unusable name: '${file.name}'`, EXIT.FAILED);
  return name;
}

/** Downloads one result next to its final name and renames it into place once it is whole. */
async function save(ctx: Context, file: ResultFile, dir: string): Promise<string> {
  const path = join(dir, localName(file));
  const partial = `${path}.part`;
  const response = await ctx.client.download(file);
  if (!response.body) throw new CliFailure(`empty response downloading ${file.name}`, EXIT.FAILED);
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(partial));
    const { size } = await stat(partial);
    if (size !== file.size) throw new CliFailure(`${file.name}: received ${size} bytes, the service announced ${file.size}`, EXIT.FAILED);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return path;
}

export const upload: Command = {
  name: 'upload',
  summary: 'upload a flight, follow its processing live, download the results',
  help: `Usage: gasflux-client upload <flight.xlsx|.xls> [--config cfg.yaml] [--priority high|normal|low] [--out dir] [--no-wait]

Uploads the flight, then follows the task live: on a terminal a progress bar, otherwise one line per change
("progress 45% stage=interpolation gas=ch4 eta=12s"). When the task completes, every result file (HTML report per
gas, processed CSV, effective config YAML, output variables JSON) is saved into the output folder and its path
printed. A failed task prints "error [<stage>/<errorCode>]: <message>" on stderr and exits 1.

  --config, -c     YAML config, deep-merged over the service's defaults
  --priority, -p   queue priority: high, normal (default) or low
  --out, -o        where to save the results (default ./gasflux-results/<task id>/)
  --no-wait        print the task id and exit once the upload is accepted
  --json           one JSON object per line: uploaded, each update, then completed (with the saved files) or failed`,
  options: {
    config: { type: 'string', short: 'c' },
    priority: { type: 'string', short: 'p' },
    out: { type: 'string', short: 'o' },
    'no-wait': { type: 'boolean' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw usage('upload takes exactly one flight file');
    const [path] = positionals;
    const priority = values.priority === undefined ? undefined : oneOf('priority', str(values.priority)!, PRIORITIES);
    const configPath = str(values.config);
    const flight = await fileBlob(path, 'flight file');
    const config = configPath ? await fileBlob(configPath, 'config file') : undefined;

    const task = await ctx.client.upload(flight, {
      fileName: basename(path),
      ...(config ? { config, configName: basename(configPath!) } : {}),
      ...(priority ? { priority } : {}),
    });
    const event = (value: Record<string, unknown>) => ctx.io.out(`${JSON.stringify(value)}\n`);
    if (ctx.json) event({ event: 'uploaded', task });
    else ctx.io.out(`task ${task.id} uploaded (${task.inputFileName ?? basename(path)}, ${bytes(task.inputSize)}, priority ${task.priority})\n`);
    if (values['no-wait']) {
      if (!ctx.json) ctx.io.out(`status ${task.status}; see it with: gasflux-client task ${task.id}\n`);
      return EXIT.OK;
    }

    const view = new ProgressView({ write: ctx.io.out, tty: ctx.io.tty && !ctx.json, columns: ctx.io.columns });
    const finished = await follow(ctx, task.id, (t) => {
      if (ctx.json) event({ event: 'update', status: t.status, message: t.message, progress: t.progress });
      else view.update(t);
    });
    view.done();

    if (finished.status === 'failed') {
      const e = finished.error;
      const line = `error [${e?.stage ?? 'unknown'}/${e?.errorCode ?? 'UNKNOWN'}]: ${e?.message ?? finished.message ?? 'the task failed'}`;
      if (ctx.json) event({ event: 'failed', taskId: finished.id, error: e });
      ctx.io.err(`${line}\n`);
      return EXIT.FAILED;
    }

    const dir = str(values.out) ?? join('gasflux-results', finished.id);
    await mkdir(dir, { recursive: true });
    const saved: Array<{ name: string; type: string; gas: string | null | undefined; size: number; path: string }> = [];
    for (const file of finished.results) {
      const local = await save(ctx, file, dir);
      saved.push({ name: file.name, type: file.type, gas: file.gas, size: file.size, path: local });
      if (!ctx.json) ctx.io.out(`saved ${local} (${file.type}${file.gas ? ` ${file.gas}` : ''}, ${bytes(file.size)})\n`);
    }
    if (ctx.json) event({ event: 'completed', taskId: finished.id, processingTimeSeconds: finished.processingTimeSeconds, flux: finished.flux, files: saved });
    else {
      const flux = fluxLine(finished);
      ctx.io.out(`completed in ${finished.processingTimeSeconds?.toFixed(1) ?? '?'} s: ${flux ? `${flux}; ` : ''}${saved.length} files in ${dir}\n`);
    }
    return EXIT.OK;
  },
};
