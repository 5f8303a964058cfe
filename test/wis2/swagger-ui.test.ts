/**
 * Swagger UI on WIS2_PORT (spec wis2-downloader §2.3, [REC] offline assets): GET / and GET /swagger serve a page whose
 * assets come from swagger-ui-dist on this server, with relative URLs; only the listed assets are served; and in headless
 * chromium the page renders every endpoint of /openapi with no request leaving the server and no console error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { WIS2_OPENAPI } from '../../src/http/wis2/router.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { useTestApp } from '../helpers/app-harness.ts';

describe('Swagger UI on WIS2_PORT', () => {
  const testApp = useTestApp();

  test('GET / and GET /swagger serve the page, with relative local asset URLs only', async () => {
    for (const path of ['/', '/swagger']) {
      const res = await fetch(`${testApp().wis2Url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      const html = await res.text();
      const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(urls.length >= 3, html);
      for (const url of urls) assert.match(url, /^swagger-ui\/[\w.-]+$/, `relative local asset: ${url}`);
      assert.doesNotMatch(html, /unpkg|cdn|https?:/);
    }
    const head = await fetch(`${testApp().wis2Url}/swagger`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await fetch(`${testApp().wis2Url}/swagger`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  test('serves the swagger-ui-dist assets, and nothing else from the package', async () => {
    const expected: Record<string, RegExp> = {
      'swagger-ui.css': /^text\/css/,
      'swagger-ui-bundle.js': /^text\/javascript/,
      'init.js': /^text\/javascript/,
      'favicon-32x32.png': /^image\/png$/,
    };
    for (const [name, type] of Object.entries(expected)) {
      const res = await fetch(`${testApp().wis2Url}/swagger-ui/${name}`);
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get('content-type') ?? '', type, name);
      assert.ok((await res.arrayBuffer()).byteLength > 100, name);
    }
    for (const path of ['/swagger-ui/package.json', '/swagger-ui/index.html', '/swagger-ui/../package.json', '/swagger-ui/%2e%2e/package.json', '/swagger-ui/']) {
      const res = await fetch(`${testApp().wis2Url}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(await res.json(), { error: 'Not found' });
    }
  });

  describe('in headless chromium', { skip: needsChromium() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    test('/swagger renders every endpoint, with no request leaving the server and no console error', async () => {
      const page = await browser.newPage();
      const problems: string[] = [];
      const origin = new URL(testApp().wis2Url).origin;
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith('data:') && new URL(url).origin !== origin) problems.push(`request left the server: ${url}`);
      });
      try {
        await page.goto(`${testApp().wis2Url}/swagger`, { waitUntil: 'load' });
        const blocks = page.locator('.opblock');
        const documented = Object.values(WIS2_OPENAPI.paths).reduce((n, item) => n + Object.keys(item).filter((k) => k !== 'parameters').length, 0);
        await blocks.nth(documented - 1).waitFor({ timeout: 20_000 });
        assert.equal(await blocks.count(), documented);
        const shown = (await page.locator('.opblock-summary-path').allTextContents()).map((t) => t.replace(/\u200b/g, '').trim());
        for (const path of Object.keys(WIS2_OPENAPI.paths)) assert.ok(shown.includes(path), `${path} in ${shown.join(', ')}`);
        assert.match((await page.locator('.info .title').textContent()) ?? '', /WIS2 Downloader API/);
        // Try one out: the relative server URL must send it back to this server.
        const health = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: '/health' }) });
        await health.locator('.opblock-summary').click();
        await health.locator('button.try-out__btn').click();
        const [called] = await Promise.all([
          page.waitForResponse((r) => r.url() === `${origin}/health`, { timeout: 10_000 }),
          health.locator('button.execute').click(),
        ]);
        assert.equal(called.status(), 200);
        const status = health.locator('.live-responses-table tbody .response-col_status').first();
        await status.waitFor({ timeout: 10_000 });
        assert.match((await status.textContent()) ?? '', /200/);
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
      }
    });
  });
});
