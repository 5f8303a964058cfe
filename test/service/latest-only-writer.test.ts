/** The job's progress writer: in order, never overtaking, and only the newest state waits while the database is slow. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestOnlyWriter } from '../../jobs/latest-only-writer.ts';

test('while a write is in flight only the newest value waits, and writes never overlap or reorder', async () => {
  const written: number[] = [];
  let inFlight = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const writer = new LatestOnlyWriter<number>(async (value) => {
    inFlight += 1;
    assert.equal(inFlight, 1, 'one write at a time');
    if (value === 1) await gate;
    written.push(value);
    inFlight -= 1;
  }, (error) => assert.fail(String(error)));
  writer.push(1);
  for (let value = 2; value <= 100; value++) writer.push(value);
  release();
  await writer.flush();
  assert.deepEqual(written, [1, 100]);

  writer.push(101);
  writer.push(102);
  await writer.flush();
  assert.deepEqual(written, [1, 100, 101, 102], 'after an idle spell the first value goes at once, then the newest');
});

test('a failed write is reported and the next value is still written', async () => {
  const errors: unknown[] = [];
  const written: string[] = [];
  const writer = new LatestOnlyWriter<string>(async (value) => {
    if (value === 'bad') throw new Error('database away');
    written.push(value);
  }, (error) => errors.push(error));
  writer.push('bad');
  await writer.flush();
  writer.push('good');
  await writer.flush();
  assert.deepEqual(written, ['good']);
  assert.equal((errors[0] as Error).message, 'database away');
});
