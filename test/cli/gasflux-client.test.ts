/**
 * The `gasflux-client` CLI against the real service: each test runs `node bin/gasflux-client.js …` as a child process
 * in a temporary folder (stdout is a pipe, so progress comes one line per change) and checks its output, the files it
 * writes and its exit code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { useTestApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import type { Wis2DownloadEvent } from '../../src/wis2-service/events.ts';
import { DownloadRecords } from '../../src/wis2-service/downloads/records.ts';

const bin = fileURLToPath(new URL('../../bin/gasflux-client.js', import.meta.url));
const TOPIC = 'cache/a/wis2/+/data/core/weather/surface-based-observations/#';
const ZIP_HEAD = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process: its output so far, a wait for a line, and its end. */
function start(args: string[], cwd: string) {
  const env = { ...process.env };
  delete env.GASFLUX_URL;
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gasflux-client ${args.join(' ')} did not finish\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`));
    }, 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...output });
    });
  });
  async function waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = output[stream].match(pattern);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${pattern} on ${stream}\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { child, output, done, waitFor };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('gasflux-client against the running service', () => {
  const running = useTestApp();
  let work: string;
  /** Runs the CLI against the test service (unless the arguments name another --url) and waits for it to end. */
  const cli = (...args: string[]) => start(args.some((a) => a.startsWith('--url')) ? args : ['--url', running().url, ...args], work).done;
  const completed: { id?: string } = {};

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'gasflux-client-'));
    // Two gases keep processing to a second or two while still giving one report per gas.
    writeFileSync(join(work, 'flight.xlsx'), tableToWorkbookBuffer(syntheticFlight({ seed: 5, gases: ['ch4', 'co2'] }).table, 'xlsx'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('health prints the status, version, uptime and storage checks, and exits 0 when healthy', async () => {
    const run = await cli('health');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^status\s+healthy$/m);
    assert.match(run.stdout, /^version\s+\d+\.\d+\.\d+/m);
    assert.match(run.stdout, /^uptime\s+\S/m);
    for (const check of ['uploads', 'outputs', 'database']) assert.match(run.stdout, new RegExp(`^${check}\\s+ok$`, 'm'));

    const json = await cli('health', '--json');
    assert.equal(json.code, 0, json.stderr);
    const health = JSON.parse(json.stdout);
    assert.equal(health.status, 'healthy');
    assert.equal(health.storage.databaseReachable, true);
  });

  test('upload follows the task with one progress line per change, then saves every result file and exits 0', async () => {
    const run = await cli('upload', 'flight.xlsx');
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const id = run.stdout.match(/^task ([0-9a-f-]{36}) uploaded \(flight\.xlsx, /m)?.[1];
    assert.ok(id, run.stdout);
    completed.id = id;

    const progress = lines(run.stdout).filter((l) => l.startsWith('progress '));
    assert.ok(progress.length >= 3, `progress was shown as it changed:\n${run.stdout}`);
    for (const line of progress) assert.match(line, /^progress \d{1,3}% stage=[a-z_]+ gas=(\S+) eta=(\d+s|-)$/);
    const percents = progress.map((l) => Number(l.match(/^progress (\d+)%/)![1]));
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'percent never goes down');
    assert.equal(percents.at(-1), 100);
    assert.equal(new Set(progress).size, progress.length, 'an unchanged state is not printed twice');
    assert.ok(run.stdout.indexOf('status processing') < run.stdout.indexOf('status completed'));
    assert.doesNotMatch(run.stdout, /\r|\x1b\[/, 'no terminal redraws into a pipe');

    // Every result the service lists is saved, whole, in ./gasflux-results/<id>/, and its path printed.
    const task = await running().app.services().tasks.get(id);
    assert.equal(task?.status, 'completed');
    const dir = join(work, 'gasflux-results', id);
    const saved = readdirSync(dir).sort();
    assert.deepEqual(saved, task!.results.map((r) => r.name).sort(), 'exactly the result files, no partial downloads');
    const kinds = saved.map((name) => name.replace(/^.*?_((ch4|co2)_report\.html|data\.csv|config\.yaml|output_vars\.json)$/, '$1')).sort();
    assert.deepEqual(kinds, ['ch4_report.html', 'co2_report.html', 'config.yaml', 'data.csv', 'output_vars.json']);
    for (const result of task!.results) {
      const local = join(dir, result.name);
      assert.ok(statSync(local).size > 500, `${result.name} is not trivially small`);
      assert.deepEqual(readFileSync(local), readFileSync(join(running().config.outputFolder, result.relPath)), `${result.name} is the service's file`);
      assert.ok(lines(run.stdout).some((l) => l.startsWith(`saved ${join('gasflux-results', id, result.name)} (`)), `the path of ${result.name} is printed`);
    }
    assert.match(readFileSync(join(dir, saved.find((n) => n.endsWith('.csv'))!), 'utf8'), /^[^\n]*ch4_kg_h_m2/);
    const outputVars = JSON.parse(readFileSync(join(dir, saved.find((n) => n.endsWith('.json'))!), 'utf8'));
    assert.ok(Number.isFinite(outputVars.krig_parameters.ch4.volume));
    // The last line says what was found: every gas's flux, as the output variables have it (4 significant digits).
    const summary = lines(run.stdout).find((l) => l.startsWith('completed in '));
    const fluxes = (['ch4', 'co2'] as const).map((gas) => `${gas} ${outputVars.krig_parameters[gas].volume.toLocaleString('en', { maximumSignificantDigits: 4, useGrouping: false })} kg/h`);
    assert.equal(summary, `completed in ${task!.processingTimeSeconds!.toFixed(1)} s: ${fluxes.join(', ')} (corrected physics); 5 files in ${dir.slice(work.length + 1)}`);
  });

  test('upload --json with a config, a priority and --out: one JSON event per line, the files in the folder given', async () => {
    writeFileSync(join(work, 'config.yaml'), 'strategies:\n  background: algorithmic\n');
    const run = await cli('upload', 'flight.xlsx', '--config', 'config.yaml', '--priority', 'high', '--out', 'mine', '--json');
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const events = lines(run.stdout).map((l) => JSON.parse(l));
    assert.equal(events[0].event, 'uploaded');
    assert.equal(events[0].task.priority, 'high');
    assert.equal(events[0].task.configFileName, 'config-config.yaml');
    assert.ok(events.slice(1, -1).every((e) => e.event === 'update'));
    const last = events.at(-1);
    assert.equal(last.event, 'completed');
    assert.equal(last.taskId, events[0].task.id);
    assert.equal(last.files.length, 5);
    assert.deepEqual(last.flux.gases.map((g: { gas: string }) => g.gas), ['ch4', 'co2']);
    assert.ok(last.flux.gases.every((g: { fluxKgPerHour: number }) => g.fluxKgPerHour > 0), JSON.stringify(last.flux));
    for (const file of last.files) {
      assert.equal(file.path, join('mine', file.name));
      assert.equal(statSync(join(work, file.path)).size, file.size);
    }
  });

  test('a flight accepted at upload but failing in processing prints "error [stage/code]: message" and exits 1', async () => {
    writeFileSync(join(work, 'broken.xlsx'), Buffer.concat([ZIP_HEAD, Buffer.from(' not really a workbook')]));
    const run = await cli('upload', 'broken.xlsx');
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^status failed$/m);
    assert.match(run.stderr, /^error \[data_loading\/CORRUPT_FILE\]: .*broken\.xlsx/m);
    assert.match(run.stderr, /^error \[data_loading\/CORRUPT_FILE\]: Processing failed: /m, 'English, the CLI\'s default language');
    assert.doesNotMatch(run.stderr + run.stdout, /处理失败/);
    const id = run.stdout.match(/^task (\S+) uploaded/m)![1];
    assert.equal(existsSync(join(work, 'gasflux-results', id)), false, 'nothing is saved');

    const chinese = await cli('upload', 'broken.xlsx', '--lang', 'zh');
    assert.equal(chinese.code, 1);
    assert.match(chinese.stderr, /^error \[data_loading\/CORRUPT_FILE\]: 处理失败: .*broken\.xlsx/m, 'the document\'s Chinese when asked for');
  });

  test('an upload the service refuses (a .txt) is a message on stderr and exit 2, in the language asked for', async () => {
    writeFileSync(join(work, 'notes.txt'), 'not a flight\n');
    const tasksBefore = await running().app.services().tasks.count({});
    const english = await cli('upload', 'notes.txt');
    assert.equal(english.code, 2, english.stderr);
    assert.match(english.stderr, /^error: Invalid data file type\. Only \.xlsx and \.xls files are allowed\./m);
    assert.equal(english.stdout, '');
    const chinese = await cli('upload', 'notes.txt', '--lang', 'zh');
    assert.equal(chinese.code, 2);
    assert.match(chinese.stderr, /无效的数据文件类型/);
    assert.equal(await running().app.services().tasks.count({}), tasksBefore, 'no task was created');

    const missing = await cli('upload', 'no-such-file.xlsx');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read flight file no-such-file\.xlsx: ENOENT/);
  });

  test('an unreachable service is a clear message and exit 3', async () => {
    const blocked = await cli('health', '--url', 'http://127.0.0.1:1');
    assert.equal(blocked.code, 3, blocked.stderr);
    assert.match(blocked.stderr, /^error: cannot reach the GasFlux service at http:\/\/127\.0\.0\.1:1 /m);

    // A port nobody listens on: connection refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    writeFileSync(join(work, 'again.xlsx'), ZIP_HEAD);
    const refused = await cli('upload', 'again.xlsx', '--url', `http://127.0.0.1:${port}`);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /cannot reach .*\(ECONNREFUSED\)/);
  });

  test('tasks lists the uploaded task, as a table and with --json', async () => {
    assert.ok(completed.id, 'the upload test ran first');
    const json = await cli('tasks', '--json');
    assert.equal(json.code, 0, json.stderr);
    const listing = JSON.parse(json.stdout);
    const mine = listing.tasks.find((t: { id: string }) => t.id === completed.id);
    assert.equal(mine?.status, 'completed');
    assert.equal(mine.progress.percent, 100);
    assert.ok(listing.totalCount >= 3);

    const failed = JSON.parse((await cli('tasks', '--status', 'failed', '--json')).stdout);
    assert.ok(failed.tasks.length >= 1 && failed.tasks.every((t: { status: string }) => t.status === 'failed'));

    const plain = await cli('tasks', '--limit', '100');
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /^ID\s+STATUS\s+PROGRESS\s+FILE\s+CREATED$/m);
    assert.match(plain.stdout, new RegExp(`^${completed.id}\\s+completed\\s+100% `, 'm'));

    const bad = await cli('tasks', '--status', 'finished');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--status must be one of pending, processing, completed, failed/);
  });

  test('reports lists finished runs, filtered and sorted', async () => {
    const run = await cli('reports', '--sort-by', 'file_size', '--order', 'desc');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^TASK\s+STATUS\s+REPORT\s+FILES\s+SIZE\s+TIME\s+CREATED$/m);
    assert.match(run.stdout, new RegExp(`^${completed.id}\\s+completed\\s+flight\\s+5\\s`, 'm'));

    const failed = JSON.parse((await cli('reports', '--status', 'failed', '--json')).stdout);
    assert.ok(failed.reports.length >= 1);
    assert.ok(failed.reports.every((r: { status: string }) => r.status === 'failed'));
    assert.ok(!failed.reports.some((r: { taskId: string }) => r.taskId === completed.id));

    const page = JSON.parse((await cli('reports', '--limit', '1', '--json')).stdout);
    assert.equal(page.reports.length, 1);
    assert.equal(page.hasNextPage, true);
    const next = JSON.parse((await cli('reports', '--limit', '1', '--after', page.endCursor, '--json')).stdout);
    assert.notEqual(next.reports[0].taskId, page.reports[0].taskId);
  });

  test('subscriptions create shows the username but never the password; list shows it; delete removes it', async () => {
    const password = `pw-${randomUUID()}`;
    const created = await cli('subscriptions', 'create', '--topic', TOPIC, '--target', 'synop', '--queue', 'high_priority',
      '--filter', '{"name": "bufr-only", "rules": [{"id": "bufr", "order": 1, "match": {"media_type": {"equals": "application/bufr"}}, "action": "accept"}]}',
      '--username', 'alice', '--password', password, '--credential-hosts', 'data.example.org,*.cdn.example.org');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^credentials\s+basic \(username alice\)$/m);
    assert.match(created.stdout, /^queue\s+high_priority$/m);
    assert.match(created.stdout, /^filter\s+bufr-only$/m);
    const id = created.stdout.match(/^id\s+(\S+)$/m)![1];

    const listed = await cli('subscriptions', 'list');
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`^${id}\\s+${TOPIC.replace(/[+#]/g, '\\$&')}\\s+synop\\s+high_priority\\s+basic \\(username alice\\)\\s+bufr-only$`, 'm'));
    const json = await cli('subscriptions', 'list', '--json');
    const stored = JSON.parse(json.stdout).find((s: { id: string }) => s.id === id);
    assert.equal(stored.credentials.username, 'alice');
    assert.deepEqual(stored.credentials.hosts, ['data.example.org', '*.cdn.example.org'], 'the credentials go to these hosts only');
    const nowhere = await cli('subscriptions', 'create', '--topic', TOPIC, '--username', 'bob', '--password', 'x');
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /credentials need --credential-hosts/);
    for (const run of [created, listed, json]) assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password), 'the password is never printed');

    const refused = await cli('subscriptions', 'create', '--topic', TOPIC, '--target', '../outside', '--password', password, '--username', 'bob', '--credential-hosts', 'data.example.org');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^error: Invalid target/m);
    assert.ok(!refused.stderr.includes(password));

    const deleted = await cli('subscriptions', 'delete', id);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`deleted subscription ${id}`));
    assert.doesNotMatch((await cli('subscriptions', 'list')).stdout, new RegExp(id));
    const again = await cli('subscriptions', 'delete', id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not found/);
  });

  describe('downloads', () => {
    const outcome = (subscriptionId: string, messageId: string): Wis2DownloadEvent => ({
      subscriptionId, messageId, dataId: null, metadataId: null,
      topic: 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop', centreId: 'de-dwd',
      cache: 'cache.example.org', href: `https://cache.example.org/${messageId}.bufr`,
      status: 'SUCCESS', errorClass: null, reason: null, path: `/data/wis2/${messageId}.bufr`, save: true,
      size: 2048, expectedSize: 2048, mediaType: 'application/bufr', hashMethod: null, expectedHash: null, actualHash: null, validHash: null,
      overwrite: false, attempts: 1, receivedAt: new Date().toISOString(), downloadStart: new Date(), downloadEnd: new Date(),
      recordedAt: new Date(), durationMs: 5, id: null,
    });

    test('downloads lists recorded outcomes, newest first', async () => {
      const sub = randomUUID();
      const { id: _id, ...record } = outcome(sub, 'recorded-1');
      await new DownloadRecords(running().app.services().database.db).insert({ ...record, status: 'FAILED', errorClass: 'HTTPError', reason: '404 Not Found', path: null });
      const run = await cli('downloads', '--subscription', sub);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^\\S+ FAILED  sub=${sub} msg=recorded-1 https://cache\\.example\\.org/recorded-1\\.bufr HTTPError: 404 Not Found$`, 'm'));
      assert.match(run.stdout, /^1 of 1 outcomes$/m);
    });

    test('downloads --follow prints each live outcome as it happens and exits 0 on Ctrl-C', async () => {
      const sub = randomUUID();
      const follower = start(['--url', running().url, 'downloads', '--follow', '--subscription', sub], work);
      await follower.waitFor('stderr', /following downloads/);
      // The websocket subscription starts after the notice: publish probes until one comes through.
      const bus = running().app.services().events;
      const poke = setInterval(() => void bus.publish('wis2Download', outcome(sub, 'probe')), 100);
      try {
        await follower.waitFor('stdout', /msg=probe /);
      } finally {
        clearInterval(poke);
      }
      await bus.publish('wis2Download', outcome(randomUUID(), 'someone-else'));
      await bus.publish('wis2Download', outcome(sub, 'live-1'));
      const [line] = await follower.waitFor('stdout', /^.* msg=live-1 .*$/m);
      assert.match(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z SUCCESS sub=${sub} msg=live-1 https://cache\\.example\\.org/live-1\\.bufr -> /data/wis2/live-1\\.bufr \\(2\\.0 kB\\)$`));

      follower.child.kill('SIGINT');
      const run = await follower.done;
      assert.equal(run.signal, null);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /someone-else/, 'only the subscription asked for');
    });
  });

  test('usage: --help per command with the exit codes, unknown commands and options are exit 2', async () => {
    const help = await cli('upload', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: gasflux-client upload <flight\.xlsx\|\.xls>/);
    assert.match(help.stdout, /^Exit codes:$/m);
    assert.match(help.stdout, /^ {2}3 {3}the service cannot be reached/m);
    const top = await cli('--help');
    assert.equal(top.code, 0);
    for (const command of ['upload', 'tasks', 'reports', 'health', 'subscriptions', 'downloads']) assert.match(top.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.equal((await cli('fly')).code, 2);
    const unknown = await cli('tasks', '--colour');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
  });
});
