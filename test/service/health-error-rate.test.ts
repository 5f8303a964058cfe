import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RECENT_WINDOW_MS, RequestStats } from '../../src/infra/request-stats.ts';
import { MAX_ERROR_RATE_PERCENT, MIN_REQUESTS_FOR_ERROR_RATE, serverErrorRate } from '../../src/domain/system-status.ts';

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 0, 14, 10, 30)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function record(stats: RequestStats, count: number, status: number, path = '/task/3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b') {
  for (let i = 0; i < count; i++) stats.record('GET', path, status, 1);
}

const verdict = (stats: RequestStats) => serverErrorRate(stats.snapshot().recent);

describe('the health rule on recent server errors', () => {
  test('the documented thresholds: more than 10 % of at least 20 requests in the last five minutes', () => {
    assert.equal(MAX_ERROR_RATE_PERCENT, 10);
    assert.equal(MIN_REQUESTS_FOR_ERROR_RATE, 20);
    assert.equal(RECENT_WINDOW_MS, 5 * 60_000);
  });

  test('client mistakes (404, 405, 400, 413) never count, however many there are, while /stats still counts them as errors', () => {
    const stats = new RequestStats({ now: manualClock().now });
    record(stats, 50, 404, '/no-such-page');
    record(stats, 10, 405);
    record(stats, 5, 400);
    record(stats, 5, 413);
    assert.deepEqual(verdict(stats), { percent: 0, tooHigh: false });
    assert.equal(stats.snapshot().errors, 70);
    assert.deepEqual(stats.snapshot().recent, { windowMs: RECENT_WINDOW_MS, total: 70, serverErrors: 0 });
  });

  test('server errors degrade only once 20 requests were seen, and only above 10 %', () => {
    const stats = new RequestStats({ now: manualClock().now });
    record(stats, 3, 500);
    assert.deepEqual(verdict(stats), { percent: 100, tooHigh: false }, 'three requests say nothing yet');
    record(stats, 15, 200);
    record(stats, 1, 502);
    assert.equal(stats.snapshot().recent.total, 19);
    assert.equal(verdict(stats).tooHigh, false, '19 requests: still below the minimum');
    record(stats, 21, 200);
    assert.deepEqual(verdict(stats), { percent: 10, tooHigh: false }, '4 of 40 is exactly 10 %: not above it');
    record(stats, 1, 503);
    assert.deepEqual(verdict(stats), { percent: 12.2, tooHigh: true });
  });

  test('errors older than five minutes no longer count, recent ones still do', () => {
    const clock = manualClock();
    const stats = new RequestStats({ now: clock.now });
    record(stats, 20, 500);
    assert.equal(verdict(stats).tooHigh, true);
    clock.advance(3 * 60_000);
    record(stats, 20, 200);
    assert.deepEqual(verdict(stats), { percent: 50, tooHigh: true });
    clock.advance(2 * 60_000 + 10_000);
    assert.deepEqual(stats.snapshot().recent, { windowMs: RECENT_WINDOW_MS, total: 20, serverErrors: 0 });
    assert.deepEqual(verdict(stats), { percent: 0, tooHigh: false });
    clock.advance(RECENT_WINDOW_MS);
    assert.equal(stats.snapshot().recent.total, 0);
    assert.equal(stats.snapshot().total, 40, 'the counters since the start keep everything');
  });

  test("the health probes' own answers are left out, so a degraded /health (503) cannot keep itself degraded", () => {
    const stats = new RequestStats({ now: manualClock().now });
    record(stats, 30, 503, '/health');
    record(stats, 100, 200, '/health');
    assert.deepEqual(stats.snapshot().recent, { windowMs: RECENT_WINDOW_MS, total: 0, serverErrors: 0 });
    assert.equal(verdict(stats).tooHigh, false);
    assert.equal(stats.snapshot().total, 130);
  });

  test('a reset empties the window and keeps the clock', () => {
    const clock = manualClock();
    const stats = new RequestStats({ now: clock.now });
    record(stats, 25, 500);
    stats.reset();
    assert.deepEqual(stats.snapshot().recent, { windowMs: RECENT_WINDOW_MS, total: 0, serverErrors: 0 });
    assert.equal(stats.snapshot().since.getTime(), clock.now());
    record(stats, 25, 500);
    assert.equal(verdict(stats).tooHigh, true);
  });
});
