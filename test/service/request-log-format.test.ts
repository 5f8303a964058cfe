import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, logRequest, textLine, type Logger } from '../../src/logger.ts';
import { eventually } from '../helpers/app-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'gasflux-log-format-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the same few lines through a logger of `format` and returns the log file's lines once all are there. */
async function writeSample(format: 'json' | 'text'): Promise<string[]> {
  const logFile = join(dir, `${format}.log`);
  const log: Logger = createLogger({ logLevel: 'info', logFile, logFormat: format }, { quiet: true });
  log.child({ task_id: 'abc123' }).info({ file: 'data.xlsx', size_mb: 15.2 }, 'processing started');
  log.info({ port: 5000, host: '0.0.0.0' }, 'listening');
  logRequest(log, { method: 'POST', path: '/upload', status: 202, ms: 2340.5, taskId: 'abc123' });
  logRequest(log, { method: 'GET', path: '/health', status: 200, ms: 4.2, taskId: null });
  log.error({ err: new Error('disk full') }, 'request failed');
  log.debug('below the level: never written');
  return eventually(async () => {
    if (!existsSync(logFile)) return undefined;
    const text = readFileSync(logFile, 'utf8');
    return text.includes('request failed') ? text.trimEnd().split('\n') : undefined;
  }, 5000, `the ${format} log file`);
}

const TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`;

describe('log line formats (GASFLUX_LOG_FORMAT)', () => {
  test("text lines follow the web API doc: time, level, [task:<id>] when there is one, the message and the line's fields", async () => {
    const lines = await writeSample('text');
    assert.match(lines[0], new RegExp(`^${TIME} - INFO - \\[task:abc123\\] processing started file=data\\.xlsx size_mb=15\\.2$`));
    assert.match(lines[1], new RegExp(`^${TIME} - INFO - listening port=5000 host=0\\.0\\.0\\.0$`));
    assert.match(lines[2], new RegExp(`^${TIME} - INFO - \\[task:abc123\\] POST /upload - 202 - 2\\.34s$`));
    assert.match(lines[3], new RegExp(`^${TIME} - INFO - GET /health - 200 - 0\\.00s$`));
    assert.match(lines[4], new RegExp(`^${TIME} - ERROR - request failed err="disk full"$`));
    assert.match(lines[5], /^Error: disk full$/, 'the stack follows the error line');
    assert.ok(lines.slice(6).every((l) => /^\s+at /.test(l)));
    assert.equal(lines.filter((l) => l.includes('task:abc123')).length, 2);
  });

  test('JSON lines stay pino lines and carry task:<id> in a `task` field next to task_id', async () => {
    const records = (await writeSample('json')).map((l) => JSON.parse(l));
    assert.equal(records.length, 5);
    assert.deepEqual(
      { ...records[0], time: undefined },
      { level: 'info', time: undefined, service: 'gasflux-api', task_id: 'abc123', task: 'task:abc123', file: 'data.xlsx', size_mb: 15.2, msg: 'processing started' },
    );
    assert.equal('task' in records[1], false);
    assert.deepEqual(records[2].request, { method: 'POST', path: '/upload', status: 202, duration_ms: 2340.5 });
    assert.equal(records[2].msg, 'POST /upload - 202 - 2.34s');
    assert.equal(records[2].task, 'task:abc123');
    assert.equal('task_id' in records[3], false);
    assert.equal(records[4].err.message, 'disk full');
  });

  test('Python level names and the local time of the record', () => {
    const time = new Date(2026, 0, 14, 10, 30, 15, 123);
    const line = textLine(JSON.stringify({ level: 'warn', time: time.toISOString(), msg: 'slow', task_id: 'abc123', task: 'task:abc123' }));
    assert.equal(line, '2026-01-14 10:30:15,123 - WARNING - [task:abc123] slow\n');
    assert.equal(textLine(JSON.stringify({ level: 'fatal', time: time.toISOString(), msg: 'x' })), '2026-01-14 10:30:15,123 - CRITICAL - x\n');
  });
});
