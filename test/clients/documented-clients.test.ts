/**
 * The API document's three example clients (Python requests `GasFluxClient`, Node.js axios + form-data `GasFluxAPI`,
 * the bash cURL + jq script), kept in fixtures/ as written there, run as child processes against the real service:
 * each checks health, uploads a generated flight workbook with a config.yaml, follows the task to completion and
 * saves every result file; and each reacts to a refused upload the way its code says.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useTestApp } from '../helpers/app-harness.ts';
import { STAGE_MESSAGES } from '../../src/domain/stage-names.ts';
import { TASK_MESSAGES } from '../../src/domain/task-wording.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import {
  lines,
  needsAxiosAndFormData,
  needsCurlAndJq,
  needsPythonRequests,
  removeWorkspaces,
  repositoryNodeModules,
  runClient,
  workspace,
} from './run-client.ts';

const GASES = ['ch4', 'co2', 'c2h6'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const REFUSED_TYPE = '无效的数据文件类型。只允许 .xlsx 和 .xls 格式。';

/** The input files the examples name: data.xlsx (a synthetic Gaussian-plume curtain flight) and config.yaml. */
const INPUTS = {
  'data.xlsx': tableToWorkbookBuffer(syntheticFlight({ seed: 11 }).table, 'xlsx'),
  'config.yaml': 'ordinary_kriging_settings:\n  grid_resolution: 300\n',
};
/** The same, except that the data file is a text file. */
const TEXT_INPUTS = { 'notes.txt': 'just some notes, not a workbook\n', 'config.yaml': INPUTS['config.yaml'] };

interface ResultFile {
  name: string;
  type: string;
  rel_path: string;
  download_url: string;
}

/** The one line of `text` matching `pattern`, with its capture groups. */
function theLine(text: string, pattern: RegExp, transcript: string): RegExpMatchArray {
  const found = lines(text).map((line) => line.match(pattern)).filter((m): m is RegExpMatchArray => m !== null);
  assert.equal(found.length, 1, `one line matches ${pattern}\n${transcript}`);
  return found[0];
}

describe('the documented example clients work unchanged against the service', () => {
  const app = useTestApp();
  after(removeWorkspaces);

  /**
   * The task's results as the service lists them, each found in `dir` byte for byte as the service wrote it,
   * nothing else there, and each file's content what its kind promises (the uploaded config applied).
   */
  async function expectResultsSaved(taskId: string, dir: string): Promise<ResultFile[]> {
    const task = await (await fetch(`${app().url}/task/${taskId}`)).json();
    assert.equal(task.status, 'completed');
    const results: ResultFile[] = task.results;
    assert.deepEqual(results.map((r) => r.type).sort(), ['config', 'data', 'metadata', 'report', 'report', 'report']);
    assert.deepEqual(readdirSync(dir).sort(), results.map((r) => r.name).sort(), 'every result, and nothing else, was saved');
    for (const result of results) {
      const saved = readFileSync(join(dir, result.name));
      assert.ok(saved.equals(readFileSync(join(app().config.outputFolder, result.rel_path))), `${result.name} saved byte for byte`);
    }
    const byType = (type: string) => results.filter((r) => r.type === type).map((r) => readFileSync(join(dir, r.name), 'utf8'));

    const reports = byType('report');
    for (const gas of GASES) assert.ok(results.some((r) => r.type === 'report' && r.name.includes(`_${gas}_`)), `a ${gas} report`);
    for (const html of reports) {
      assert.match(html, /^<!DOCTYPE html>/i);
      assert.match(html, /<\/html>\s*$/);
      assert.ok(html.length > 10_000, `a whole report (${html.length} characters)`);
    }
    const [csv] = byType('data');
    const [header, ...rows] = csv.trimEnd().split('\n');
    for (const column of ['utm_easting', 'transect_num', 'x', 'windspeed_measured', ...GASES.map((g) => `${g}_kg_h_m2`)]) {
      assert.ok(header.split(',').includes(column), `the CSV has a ${column} column`);
    }
    assert.ok(rows.length > 100, `the CSV has the flight's rows (${rows.length})`);
    const [config] = byType('config');
    assert.match(config, /^ {2}grid_resolution: 300$/m, 'the uploaded config.yaml was applied');
    const [metadata] = byType('metadata');
    const vars = JSON.parse(metadata);
    for (const gas of GASES) assert.ok(Number.isFinite(vars.krig_parameters[gas].volume), `the ${gas} kriging result`);
    return results;
  }

  describe('the Python requests client GasFluxClient', { skip: needsPythonRequests() }, () => {
    const python = (inputs: Record<string, string | Uint8Array>, substitutions: [string, string][] = []) => {
      const space = workspace('gasflux_client.py', [['client = GasFluxClient()', `client = GasFluxClient(base_url="${app().url}/")`], ...substitutions], inputs);
      return { ...space, run: () => runClient('python3', [space.script], space.dir) };
    };

    test('checks health, uploads data.xlsx with config.yaml, follows the task and saves every result to ./gasflux_results', async () => {
      const client = python(INPUTS);
      const run = await client.run();
      assert.equal(run.code, 0, run.transcript);
      const out = run.stdout;
      assert.equal(lines(out)[0], 'API Status: healthy', run.transcript);
      assert.ok(lines(out).includes('Uploading data.xlsx...'), run.transcript);
      const [, taskId] = theLine(out, new RegExp(`^任务已创建: (${UUID})$`), run.transcript);
      // Each poll prints what the task is doing (its message), not the envelope's "任务查询成功".
      const polls = lines(out).filter((line) => line.startsWith('Status: '));
      assert.equal(polls.at(-1), 'Status: completed - 处理完成成功', run.transcript);
      assert.ok(polls.length >= 2, `polled before the task was done\n${run.transcript}`);
      const doing = new Set([TASK_MESSAGES.queued.zh, TASK_MESSAGES.started.zh, ...Object.values(STAGE_MESSAGES).map((m) => m.zh)]);
      for (const poll of polls.slice(0, -1)) {
        const [, status, text] = poll.match(/^Status: (pending|processing) - (.*)$/) ?? [];
        assert.ok(status && doing.has(text), `a stage message while ${status ?? 'unfinished'}: '${poll}'\n${run.transcript}`);
      }
      assert.ok(lines(out).includes('Processing completed! Results saved to ./gasflux_results'), run.transcript);
      assert.equal(lines(out).at(-2), '处理完成成功!', run.transcript);
      assert.ok(!lines(out).some((line) => line.startsWith('Error:')), run.transcript);
      assert.equal(run.stderr, '', run.transcript);

      const results = await expectResultsSaved(taskId, join(client.dir, 'gasflux_results'));
      for (const result of results) assert.ok(lines(out).includes(`Downloading ${result.name}...`), `${result.name} announced\n${run.transcript}`);
    });

    test('a .txt data file: upload_and_process raises "Upload failed: <the service\'s error>", which the example prints', async () => {
      const run = await python(TEXT_INPUTS, [['data_file="data.xlsx"', 'data_file="notes.txt"']]).run();
      // The example catches every exception and prints it, so it still exits 0.
      assert.equal(run.code, 0, run.transcript);
      assert.deepEqual(lines(run.stdout), ['API Status: healthy', 'Uploading notes.txt...', `Error: Upload failed: ${REFUSED_TYPE}`, ''], run.transcript);
    });
  });

  describe('the Node.js axios + form-data client GasFluxAPI', { skip: needsAxiosAndFormData() }, () => {
    const node = (inputs: Record<string, string | Uint8Array>, substitutions: [string, string][] = []) => {
      const space = workspace('gasflux-api.cjs', [['const api = new GasFluxAPI();', `const api = new GasFluxAPI('${app().url}/');`], ...substitutions], inputs);
      return { ...space, run: () => runClient(process.execPath, [space.script], space.dir, { NODE_PATH: repositoryNodeModules }) };
    };

    test('processData checks health, uploads, polls every 5 s and saves every result, then main prints "All done!"', async () => {
      const client = node(INPUTS);
      const run = await client.run();
      assert.equal(run.code, 0, run.transcript);
      const out = lines(run.stdout);
      assert.deepEqual(out.slice(0, 3), ['Checking API health...', 'API Status: healthy', 'Uploading data.xlsx...'], run.transcript);
      const [, taskId] = theLine(run.stdout, new RegExp(`^任务已创建: (${UUID})$`), run.transcript);
      assert.ok(out.includes('Monitoring processing status...'), run.transcript);
      assert.ok(out.some((line) => /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] Status: completed - \S/.test(line)), run.transcript);
      assert.ok(out.includes('处理完成成功!'), run.transcript);
      assert.ok(out.includes('Downloading result files...'), run.transcript);
      assert.ok(out.some((line) => line.startsWith('All done! {')), run.transcript);
      assert.match(run.stdout, new RegExp(`taskId: '${taskId}'`), run.transcript);
      assert.equal(run.stderr, '', run.transcript);

      const results = await expectResultsSaved(taskId, join(client.dir, 'gasflux_results'));
      for (const result of results) {
        assert.ok(out.includes(`Downloading ${result.name}...`), `${result.name} announced\n${run.transcript}`);
        assert.ok(out.includes(`Saved to gasflux_results/${result.name}`), `${result.name} saved\n${run.transcript}`);
      }
    });

    test('a .txt data file: uploadFile throws "Upload failed: <the service\'s error>" and main exits 1 with "处理失败:"', async () => {
      const run = await node(TEXT_INPUTS, [["'data.xlsx',", "'notes.txt',"]]).run();
      assert.equal(run.code, 1, run.transcript);
      assert.deepEqual(lines(run.stdout), ['Checking API health...', 'API Status: healthy', 'Uploading notes.txt...', ''], run.transcript);
      assert.deepEqual(
        lines(run.stderr),
        [`Error in processData: Upload failed: ${REFUSED_TYPE}`, `处理失败: Upload failed: ${REFUSED_TYPE}`, ''],
        run.transcript,
      );
    });
  });

  describe('the bash cURL + jq script', { skip: needsCurlAndJq() }, () => {
    const bash = (inputs: Record<string, string | Uint8Array>, substitutions: [string, string][] = []) => {
      const space = workspace('upload-and-monitor.sh', [['API_URL="http://localhost:5000"', `API_URL="${app().url}"`], ...substitutions], inputs);
      return { ...space, run: () => runClient('bash', [space.script], space.dir) };
    };

    test('prints the health, uploads with -F, polls until "Processing completed!" and downloads every result to ./results', async () => {
      const client = bash(INPUTS);
      const run = await client.run();
      assert.equal(run.code, 0, run.transcript);
      const out = lines(run.stdout);
      assert.equal(out[0], 'Checking API health...', run.transcript);
      assert.ok(out.includes('  "status": "healthy",'), `jq pretty-prints the health\n${run.transcript}`);
      const [, response] = theLine(run.stdout, /^Upload response: (.*)$/, run.transcript);
      const [, taskId] = theLine(run.stdout, new RegExp(`^Task ID: (${UUID})$`), run.transcript);
      assert.equal(JSON.parse(response).job_id, taskId);
      assert.ok(out.some((line) => /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] Status: completed - \S/.test(line)), run.transcript);
      assert.ok(out.includes('Processing completed!'), run.transcript);
      assert.equal(out.at(-2), 'All files downloaded to ./results/', run.transcript);
      assert.equal(run.stderr, '', run.transcript);

      const results = await expectResultsSaved(taskId, join(client.dir, 'results'));
      for (const result of results) {
        assert.equal(result.download_url.split('/').at(-1), result.name, 'the script names files by the URL basename');
        assert.ok(out.includes(`Downloading ${result.name}...`), `${result.name} announced\n${run.transcript}`);
      }
    });

    test('a .txt data file: the response has no job_id, so the script prints "Upload failed!" and exits 1', async () => {
      const run = await bash(TEXT_INPUTS, [['file=@data.xlsx', 'file=@notes.txt']]).run();
      assert.equal(run.code, 1, run.transcript);
      const [, response] = theLine(run.stdout, /^Upload response: (.*)$/, run.transcript);
      assert.equal(JSON.parse(response).error, REFUSED_TYPE);
      assert.equal(lines(run.stdout).at(-2), 'Upload failed!', run.transcript);
    });
  });
});
