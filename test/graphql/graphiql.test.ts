import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { useTestApp } from '../helpers/app-harness.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';

describe('GraphiQL', { skip: needsChromium() }, () => {
  const running = useTestApp();
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('opens offline from the service itself, with the CSRF header preset, and runs a query', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(running().url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) problems.push(`request ${r.url()}`);
    });
    await page.goto(`${running().url}/graphql`);
    await page.getByText('x-graphql-yoga-csrf').first().waitFor();
    const answer = page.waitForResponse((r) => r.url().startsWith(`${running().url}/graphql`) && r.request().method() === 'POST');
    await page.evaluate(() => {
      // Ask through the page's own fetch, as the IDE does, with the preset header.
      return fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' }, body: JSON.stringify({ query: '{ health { status } }' }) });
    });
    assert.equal((await answer).status(), 200);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
