/**
 * The web page at `/`, in a real browser (Debian chromium through playwright-core) against the whole service: a
 * flight uploaded through the page is followed live to 100 %, its report opens inline, the reports list pages with
 * cursors, the client-side checks stop bad files before any request, a WIS2 subscription is created and deleted
 * through the form, the page fits a phone, and every control has an accessible name. Screenshots go to
 * test-artifacts/web/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, useTestApp } from '../helpers/app-harness.ts';
import { loadCpu } from '../helpers/cpu-load.ts';
import { launchChromium, needsChromium } from '../helpers/browser.ts';
import { gasfluxDataDir } from '../helpers/shared-data.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { readTableFile } from '../../src/gasflux/input/read-table.ts';
import { createGasFluxClient } from '../../client/sdk.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web/', import.meta.url));
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A small limit, so the page's size check can be seen without a huge file. */
const MAX_BYTES = 4 * 1024 * 1024;
const WIS2_TOPIC = 'cache/a/wis2/de-dwd/data/core/weather/#';
const WIS2_PASSWORD = `pw-${randomUUID()}`;

/** The reference example flight as .xlsx when the shared fixtures are here, else a synthetic flight. */
async function exampleFlight(): Promise<{ name: string; buffer: Buffer }> {
  const csv = `${gasfluxDataDir}exampledata.csv`;
  if (existsSync(csv)) return { name: 'exampledata.xlsx', buffer: tableToWorkbookBuffer(await readTableFile(csv), 'xlsx') };
  return { name: 'synthetic-flight.xlsx', buffer: tableToWorkbookBuffer(syntheticFlight({ seed: 7 }).table, 'xlsx') };
}

const syntheticXlsx = (seed: number) => tableToWorkbookBuffer(syntheticFlight({ seed }).table, 'xlsx');

describe('the web page at /', { skip: needsChromium() }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors, page errors and requests that left the service, over every test. */
  const problems: string[] = [];
  /** Upload requests sent by the page (multipart POSTs to /graphql). */
  let uploadRequests = 0;
  let uploadedTaskId = '';

  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const openTab = async (name: string) => {
    await page.getByRole('tab', { name, exact: true }).click();
    await page.locator(`[role="tabpanel"][aria-labelledby="tab-${name.toLowerCase()}"]`).waitFor({ state: 'visible' });
  };

  function watch(target: Page) {
    target.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    target.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    target.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(testApp().url) && !/^(data|about|blob):/.test(url)) problems.push(`request to ${url}`);
      if (request.method() === 'POST' && url.endsWith('/graphql') && (request.headers()['content-type'] ?? '').startsWith('multipart/')) uploadRequests++;
    });
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    // Every task's percent as the page shows it, in order: recorded by the page itself, so no state is missed.
    await context.addInitScript(() => {
      const seen: Record<string, number[]> = {};
      (window as unknown as { __percents: typeof seen }).__percents = seen;
      new MutationObserver(() => {
        for (const row of document.querySelectorAll<HTMLElement>('#tasks-body tr[data-task-id]')) {
          const text = row.querySelector('.percent')?.textContent ?? '';
          const value = Number.parseFloat(text);
          if (!Number.isFinite(value)) continue;
          const list = (seen[row.dataset.taskId!] ??= []);
          if (list.at(-1) !== value) list.push(value);
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    context.on('dialog', (dialog) => void dialog.accept());
    page = await context.newPage();
    watch(page);
  });
  after(async () => {
    await browser?.close();
  });
  // After the browser's hooks: the app starts after chromium and stops after it has closed its websockets.
  const testApp = useTestApp({ env: { GASFLUX_MAX_CONTENT_LENGTH: String(MAX_BYTES) } });

  test('serves the page, the bundle (built once, then from memory) and the stylesheet under a strict policy; REST and GraphQL are untouched', async (t) => {
    const { url } = testApp();
    const html = await fetch(`${url}/`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    const csp = html.headers.get('content-security-policy') ?? '';
    const host = new URL(url).host;
    for (const part of ["default-src 'self'", "script-src 'self'", `connect-src 'self' ws://${host} wss://${host}`, "frame-src 'self'", "img-src 'self' data:", "object-src 'none'"]) {
      assert.ok(csp.includes(part), `CSP has ${part}: ${csp}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\//);
    const text = await html.text();
    assert.match(text, /<script type="module" src="\/assets\/app\.js"><\/script>/);
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org)/, 'nothing is loaded from elsewhere');
    assert.equal((await fetch(`${url}/index.html`)).status, 200);

    let started = performance.now();
    const first = await fetch(`${url}/assets/app.js`);
    const bundle = await first.text();
    const buildMs = performance.now() - started;
    started = performance.now();
    const second = await fetch(`${url}/assets/app.js`);
    await second.arrayBuffer();
    const cachedMs = performance.now() - started;
    t.diagnostic(`bundle ${bundle.length} bytes (${gzipSync(bundle).length} gzipped); first request ${buildMs.toFixed(0)} ms (esbuild), then ${cachedMs.toFixed(1)} ms (memory)`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.ok(bundle.length > 10_000 && bundle.length < 1_000_000, `bundle size ${bundle.length}`);
    assert.ok(buildMs < 5_000, `the bundle took ${buildMs} ms`);
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
    const revalidated = await fetch(`${url}/assets/app.js`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    assert.equal(revalidated.status, 304);
    const css = await fetch(`${url}/assets/app.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);

    // The REST API and GraphQL answer as before.
    const unknown = await fetch(`${url}/no-such-page`, { headers: { 'accept-language': 'en' } });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).code, 404);
    assert.equal((await fetch(`${url}/health`)).headers.get('content-type')?.startsWith('application/json'), true);
    const graphql = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ health { status } }' }) });
    assert.equal(graphql.status, 200);
    assert.ok((await graphql.json()).data.health.status);
    assert.equal((await fetch(`${url}/`, { method: 'POST' })).status, 405);
  });

  test('a flight uploaded through the page is followed live to 100 %, with result links and the report inline', { timeout: 120_000 }, async (t) => {
    // On a busy machine, as CI is: the order of what the page shows must not depend on timing.
    const load = loadCpu(120_000);
    t.after(() => load.stop());
    await page.goto(`${testApp().url}/`);
    await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
    await shot('upload');
    const flight = await exampleFlight();
    await page.getByLabel('Flight data (.xlsx, .xls)').setInputFiles({ name: flight.name, mimeType: XLSX_TYPE, buffer: flight.buffer });
    await page.getByLabel('Priority').selectOption('high');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    // The page switches to Tasks and shows the new task; its id is in the upload's status line.
    await page.locator('#panel-tasks').waitFor({ state: 'visible' });
    const status = await page.locator('#upload-status').textContent();
    const id = /task ([0-9a-f-]{36})/.exec(status ?? '')?.[1];
    assert.ok(id, `the status names the task: ${status}`);
    uploadedTaskId = id;
    const row = page.locator(`#tasks-body tr[data-task-id="${id}"]`);
    await row.waitFor();
    await page.locator(`#tasks-body tr[data-task-id="${id}"][data-status="completed"]`).waitFor({ timeout: 90_000 });

    const percents = await page.evaluate((taskId) => (window as unknown as { __percents: Record<string, number[]> }).__percents[taskId] ?? [], id);
    t.diagnostic(`percents seen in the page: ${percents.join(', ')}`);
    for (let i = 1; i < percents.length; i++) assert.ok(percents[i]! >= percents[i - 1]!, `percent went down: ${percents.join(', ')}`);
    assert.ok(new Set(percents).size >= 2, `at least two values: ${percents.join(', ')}`);
    assert.ok(percents.some((p) => p > 0 && p < 100), `some progress between 0 and 100 was shown: ${percents.join(', ')}`);
    assert.equal(percents.at(-1), 100);
    assert.equal(await row.locator('progress').getAttribute('value'), '100');
    assert.equal((await row.locator('.percent').textContent())?.trim(), '100 %');
    assert.equal((await row.locator('.badge').textContent())?.trim(), 'completed');

    // The flux the scientist came for is in the row: every gas, the service's number to four significant digits.
    const { data: served } = await (await page.request.get(`${testApp().url}/task/${id}`)).json();
    const shownFluxes = await row.locator('td.flux li').allTextContents();
    assert.deepEqual(
      shownFluxes.map((text) => text.replace(/\s+/g, ' ').trim()),
      served.flux.gases.map((g: { gas: string; flux_kg_h: number }) => `${g.gas.toUpperCase()} ${g.flux_kg_h.toLocaleString('en', { maximumSignificantDigits: 4 })} kg/h`),
    );
    // At 1280 px the file name and the stage stay whole words on one line each.
    const lineCount = (selector: string) =>
      row.locator(selector).evaluate((element) => {
        const range = document.createRange();
        range.selectNodeContents(element);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      });
    assert.equal(await lineCount('td.flight .name'), 1, 'the file name is not broken');
    assert.equal(await lineCount('td.stage'), 1, 'the stage is not broken');
    await row.screenshot({ path: join(ARTIFACTS, 'task-row-flux-1280.png') });

    // Result links: the report, the processed data, the effective config and the metadata, all downloadable.
    const links = await row.locator('.results a').evaluateAll((anchors) => anchors.map((a) => ({ text: a.textContent ?? '', href: (a as HTMLAnchorElement).href })));
    assert.ok(links.length >= 4, JSON.stringify(links));
    assert.ok(links.every((link) => link.href.startsWith(`${testApp().url}/download/${id}/`)), JSON.stringify(links));
    for (const kind of ['Report', 'Data (CSV)', 'Config', 'Metadata']) assert.ok(links.some((link) => link.text.startsWith(kind)), `${kind} link in ${JSON.stringify(links)}`);
    const data = links.find((link) => link.text.startsWith('Data'))!;
    const download = await page.request.get(data.href);
    assert.equal(download.status(), 200);
    await shot('tasks-completed');

    // The report opens inline, in a titled frame, and its content loads.
    await row.locator('button.open-report').first().click();
    const frame = page.locator('#viewer-frame');
    await frame.waitFor({ state: 'visible' });
    assert.match((await frame.getAttribute('title')) ?? '', /^Report: /);
    const heading = page.frameLocator('#viewer-frame').locator('h1');
    await heading.waitFor({ timeout: 15_000 });
    assert.match((await heading.textContent()) ?? '', /Mass balance report/);
    await shot('report-inline');
    await page.getByRole('button', { name: 'Close report' }).click();
    await frame.waitFor({ state: 'hidden' });
  });

  test('the reports list pages forward and back with cursors, sorts and filters', { timeout: 120_000 }, async () => {
    // Three more tasks through the SDK, from Node: the list then holds four.
    const sdk = createGasFluxClient({ url: testApp().url, headers: { 'accept-language': 'en' } });
    for (const seed of [21, 22, 23]) await sdk.upload(new Blob([new Uint8Array(syntheticXlsx(seed))], { type: XLSX_TYPE }), { fileName: `flight-${seed}.xlsx`, priority: 'low' });
    const all = await sdk.reports({ first: 100 });
    assert.equal(all.totalCount, 4);
    const newestFirst = all.edges.map((edge) => edge.node.taskId);

    await openTab('Reports');
    const ids = () => page.locator('#reports-body tr').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.taskId!));
    const label = page.locator('#reports-page');
    const size = page.getByLabel('Per page');
    await size.fill('2');
    await size.press('Tab');
    await page.waitForFunction(() => document.querySelector('#reports-page')?.textContent?.startsWith('Page 1 of 2'));
    assert.equal((await label.textContent())?.trim(), 'Page 1 of 2 · 4 reports');
    const first = await ids();
    assert.deepEqual(first, newestFirst.slice(0, 2), `page 1 of ${JSON.stringify(all.edges.map((e) => [e.node.taskId, e.node.createdAt]))}`);
    assert.equal(await page.getByRole('button', { name: 'Previous' }).isDisabled(), true);
    await shot('reports-page-1');

    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForFunction(() => document.querySelector('#reports-page')?.textContent?.startsWith('Page 2 of 2'));
    assert.deepEqual(await ids(), newestFirst.slice(2, 4), 'page 2');
    assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true);

    await page.getByRole('button', { name: 'Previous' }).click();
    await page.waitForFunction(() => document.querySelector('#reports-page')?.textContent?.startsWith('Page 1 of 2'));
    assert.deepEqual(await ids(), first, 'back on page 1');

    // Sorting by task id, ascending, starts again from the first page.
    await page.getByLabel('Sort by').selectOption('task_id');
    await page.getByLabel('Order').selectOption('asc');
    const byId = [...newestFirst].sort();
    await page.waitForFunction((expected) => [...document.querySelectorAll<HTMLElement>('#reports-body tr')].map((r) => r.dataset.taskId).join() === expected, byId.slice(0, 2).join());

    // Only completed reports: the uploaded flight is one; every row shown is completed.
    await page.getByLabel('Status').selectOption('completed');
    await page.waitForFunction(() => document.querySelector('#reports-page')?.textContent?.includes('report'));
    await page.waitForFunction(() => [...document.querySelectorAll('#reports-body .badge')].every((b) => b.textContent === 'completed'));
    assert.ok((await ids()).length >= 1);
  });

  test('a finished task is deleted from the Tasks table, files and all', { timeout: 90_000 }, async () => {
    await openTab('Tasks');
    const row = page.locator('#tasks-body tr', { hasText: 'flight-21.xlsx' });
    await page.locator('#tasks-body tr[data-status="completed"]', { hasText: 'flight-21.xlsx' }).waitFor({ timeout: 60_000 });
    const id = (await row.getAttribute('data-task-id'))!;
    await row.getByRole('button', { name: /^Delete task flight-21\.xlsx/ }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await createGasFluxClient({ url: testApp().url }).task(id), null);
    const gone = await page.request.get(`${testApp().url}/task/${id}`);
    assert.equal(gone.status(), 404);
  });

  test('bad files are refused in the page before anything is sent; the service’s own refusals show in English', async () => {
    await openTab('Upload');
    const data = page.getByLabel('Flight data (.xlsx, .xls)');
    const alert = page.locator('#upload-error');
    const submit = page.getByRole('button', { name: 'Upload', exact: true });
    const sentBefore = uploadRequests;

    await data.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a flight') });
    await submit.click();
    assert.equal(await alert.getAttribute('role'), 'alert');
    assert.match((await alert.textContent()) ?? '', /Flight data must be a \.xlsx or \.xls file; “notes\.txt” is not/);
    await shot('upload-refused');

    await data.setInputFiles({ name: 'empty.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.alloc(0) });
    await submit.click();
    assert.match((await alert.textContent()) ?? '', /“empty\.xlsx” is empty/);

    await data.setInputFiles({ name: 'huge.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.alloc(MAX_BYTES + 1024 * 1024, 1) });
    await submit.click();
    assert.match((await alert.textContent()) ?? '', /“huge\.xlsx” is 5\.0 MB, over the service's limit of 4\.0 MB/);

    await data.setInputFiles({ name: 'ok.xlsx', mimeType: XLSX_TYPE, buffer: syntheticXlsx(3) });
    await page.getByLabel('Config (.yaml, .yml, optional)').setInputFiles({ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from('{}') });
    await submit.click();
    assert.match((await alert.textContent()) ?? '', /The config must be a \.yaml or \.yml file/);
    assert.equal(uploadRequests, sentBefore, 'no upload was sent');

    // Files dropped on the zone go to the input their extension names, and are checked at once.
    await page.getByRole('button', { name: 'Clear' }).first().click();
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['a: 1\n'], 'settings.yml', { type: 'application/yaml' }));
      transfer.items.add(new File(['x'], 'flight.xls', { type: 'application/vnd.ms-excel' }));
      return transfer;
    });
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer: dropped });
    assert.equal(await data.evaluate((input) => (input as HTMLInputElement).files?.[0]?.name), 'flight.xls');
    assert.equal(await page.getByLabel('Config (.yaml, .yml, optional)').evaluate((input) => (input as HTMLInputElement).files?.[0]?.name), 'settings.yml');
    assert.equal(await alert.isHidden(), true);

    // A file that passes the page's checks but is no workbook: the service refuses it, in the browser's language.
    await page.getByRole('button', { name: 'Clear' }).first().click();
    await data.setInputFiles({ name: 'fake.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.from('just text, no workbook') });
    await submit.click();
    await page.waitForFunction(() => document.querySelector('#upload-error')?.textContent?.startsWith('Upload failed'));
    const refusal = (await alert.textContent()) ?? '';
    assert.equal(uploadRequests, sentBefore + 1);
    assert.doesNotMatch(refusal, /[\u4e00-\u9fff]/, `English, not Chinese: ${refusal}`);
    await page.getByRole('button', { name: 'Clear' }).first().click();
  });

  test('a WIS2 subscription is created through the form (credentials never shown back), its downloads show live, and it is deleted', { timeout: 60_000 }, async () => {
    await openTab('WIS2');
    await page.getByLabel('Topic').fill(WIS2_TOPIC);
    await page.getByLabel('Target folder (optional)').fill('dwd/weather');
    await page.getByLabel('Queue').selectOption('HIGH_PRIORITY');
    await page.getByLabel('Credentials').selectOption('BASIC');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(WIS2_PASSWORD);
    await page.getByLabel(/^Hosts that may receive them/).fill('data.example.org');

    // A filter that is not JSON is caught before sending.
    const filter = page.getByLabel('Filter (JSON, optional)');
    const creates = () => page.waitForRequest((r) => r.url().endsWith('/graphql') && (r.postData() ?? '').includes('CreateWis2Subscription'), { timeout: 1_000 }).then(() => true, () => false);
    await filter.fill('{"rules": [');
    const sentBad = creates();
    await page.getByRole('button', { name: 'Create subscription' }).click();
    assert.match((await page.locator('#wis2-form-error').textContent()) ?? '', /^Filter: Invalid JSON/);
    assert.equal(await sentBad, false, 'nothing was sent');
    await filter.fill('{"rules": [{"id": "x", "order": 1, "match": {"always": true}, "action": "keep"}]}');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    assert.match((await page.locator('#wis2-form-error').textContent()) ?? '', /Rule 0: "action" must be one of: accept, reject, continue/);

    // The media-type helper writes a valid filter.
    await filter.fill('');
    await page.getByLabel('Media types to accept (comma-separated)').fill('application/bufr, application/x-netcdf');
    await page.getByRole('button', { name: 'Add media-type rule' }).click();
    const written = JSON.parse(await filter.inputValue());
    assert.deepEqual(written.rules.map((rule: { id: string; action: string }) => `${rule.id}:${rule.action}`), ['accept-media:accept', 'default:reject']);

    await page.getByRole('button', { name: 'Create subscription' }).click();
    await page.waitForFunction(() => document.querySelector('#wis2-form-status')?.textContent?.startsWith('Subscribed to'));
    const row = page.locator('#wis2-body tr', { hasText: WIS2_TOPIC });
    await row.waitFor();
    assert.equal((await row.locator('.credentials').textContent())?.trim(), 'BASIC · alice');
    assert.match((await row.textContent()) ?? '', /dwd\/weather/);
    assert.match((await row.textContent()) ?? '', /high priority/);
    const subscriptionId = (await row.getAttribute('data-subscription-id'))!;
    const everything = await page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value).join('\n'));
    assert.ok(!everything.includes(WIS2_PASSWORD), 'the password is nowhere in the page');
    const stored = await createGasFluxClient({ url: testApp().url }).wis2.get(subscriptionId);
    assert.deepEqual(stored?.credentials, { type: 'BASIC', username: 'alice', hosts: ['data.example.org'], allowInsecureHttp: false });
    assert.deepEqual(stored?.filter, written);

    // A download outcome published on the service's bus appears in the live feed (no broker in tests).
    const bus = testApp().app.services().events;
    const messageId = `urn:test:${randomUUID()}`;
    const outcome = {
      subscriptionId, messageId, dataId: null, metadataId: null,
      topic: 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop', centreId: 'de-dwd',
      cache: 'cache.example.org', href: 'https://cache.example.org/data/A_SMXX01EDZW.bufr',
      status: 'SUCCESS' as const, errorClass: null, reason: null, path: '/data/dwd/weather/A_SMXX01EDZW.bufr', save: true,
      size: 2048, expectedSize: 2048, mediaType: 'application/bufr', hashMethod: null, expectedHash: null, actualHash: null, validHash: null,
      overwrite: false, attempts: 1, receivedAt: new Date().toISOString(), downloadStart: new Date(), downloadEnd: new Date(),
      recordedAt: new Date(), durationMs: 5, id: null,
    };
    const feedRow = page.locator('#downloads-body tr', { hasText: 'A_SMXX01EDZW.bufr' });
    await eventually(async () => {
      await bus.publish('wis2Download', { ...outcome, recordedAt: new Date() } as never);
      return (await feedRow.count()) > 0 ? true : undefined;
    }, 15_000, 'the download in the live feed');
    const shown = (await feedRow.first().textContent()) ?? '';
    assert.match(shown, /SUCCESS/);
    assert.ok(shown.includes(WIS2_TOPIC), `the feed names the subscription's topic: ${shown}`);
    await shot('wis2');

    await row.getByRole('button', { name: /^Delete subscription/ }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await createGasFluxClient({ url: testApp().url }).wis2.get(subscriptionId), null);
  });

  test('the System section shows health and statistics', async () => {
    await openTab('System');
    await page.waitForFunction(() => /healthy|degraded/.test(document.querySelector('#health-body .badge')?.textContent ?? ''));
    await page.waitForFunction(() => document.querySelector('#stats-body')?.textContent?.includes('Tasks created'));
    assert.match((await page.locator('#health-body').textContent()) ?? '', /Database reachable\s*yes/);
    await shot('system');
  });

  test('a failed task says where it stopped and why, with no frozen progress bar', { timeout: 60_000 }, async () => {
    await openTab('Tasks');
    const sdk = createGasFluxClient({ url: testApp().url, headers: { 'accept-language': 'en' } });
    const broken = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(' not really a workbook')]);
    const task = await sdk.upload(new Blob([new Uint8Array(broken)], { type: XLSX_TYPE }), { fileName: 'broken.xlsx' });
    const row = page.locator(`#tasks-body tr[data-task-id="${task.id}"][data-status="failed"]`);
    await row.waitFor({ timeout: 45_000 });
    assert.equal(await row.locator('progress').count(), 0, 'no progress bar on a failed task');
    assert.match((await row.locator('td.progress').textContent()) ?? '', /^(stopped at [\d.]+ %|did not start)$/);
    assert.match((await row.locator('td .failure').first().textContent()) ?? '', /broken\.xlsx/);
    assert.equal((await row.locator('td.stage').textContent())?.trim(), 'data loading');
    await row.screenshot({ path: join(ARTIFACTS, 'task-row-failed.png') });
  });

  test('the page fits a phone (375 px): the body never scrolls sideways, whatever the section', async () => {
    const phone = await context.newPage();
    watch(phone);
    await phone.setViewportSize({ width: 375, height: 800 });
    await phone.goto(`${testApp().url}/#tasks`);
    await phone.locator(`#tasks-body tr[data-task-id="${uploadedTaskId}"][data-status="completed"]`).waitFor();
    for (const name of ['Upload', 'Tasks', 'Reports', 'System', 'WIS2']) {
      await phone.getByRole('tab', { name, exact: true }).click();
      await phone.locator(`#panel-${name.toLowerCase()}`).waitFor({ state: 'visible' });
      await phone.waitForTimeout(150);
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `${name}: the page is ${width} px wide`);
      await phone.screenshot({ path: join(ARTIFACTS, `phone-${name.toLowerCase()}.png`), fullPage: true });
    }
    // The task card shows the flux too.
    await phone.getByRole('tab', { name: 'Tasks', exact: true }).click();
    const card = phone.locator(`#tasks-body tr[data-task-id="${uploadedTaskId}"]`);
    assert.match((await card.locator('td.flux').textContent()) ?? '', /kg\/h/);
    await card.screenshot({ path: join(ARTIFACTS, 'task-row-flux-375.png') });
    // The report viewer too.
    await phone.getByRole('tab', { name: 'Tasks', exact: true }).click();
    await phone.locator(`#tasks-body tr[data-task-id="${uploadedTaskId}"] button.open-report`).first().click();
    await phone.frameLocator('#viewer-frame').locator('h1').waitFor();
    assert.ok((await phone.evaluate(() => document.documentElement.scrollWidth)) <= 375);
    await phone.close();
  });

  test('every input, select, textarea and button has an accessible name', async () => {
    // A string, not a function: tsx's named-function helper (__name) does not exist in the page.
    const unnamed = await page.evaluate<{ count: number; unnamed: string[] }>(`(() => {
      function nameOf(element) {
        const labelledBy = element.getAttribute('aria-labelledby');
        if (labelledBy) return labelledBy.split(/\\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
        const aria = element.getAttribute('aria-label');
        if (aria && aria.trim()) return aria.trim();
        if (element.labels && element.labels.length) return [...element.labels].map((label) => label.textContent ?? '').join(' ').trim();
        if (element.tagName === 'BUTTON') return (element.textContent ?? '').trim();
        return (element.getAttribute('title') ?? '').trim();
      }
      const controls = [...document.querySelectorAll('input, select, textarea, button')];
      return { count: controls.length, unnamed: controls.filter((control) => nameOf(control) === '').map((control) => control.outerHTML.slice(0, 120)) };
    })()`);
    assert.ok(unnamed.count >= 25, `controls found: ${unnamed.count}`);
    assert.deepEqual(unnamed.unnamed, []);
  });

  test('no console errors, page errors or requests to other hosts happened', () => {
    assert.deepEqual(problems, []);
  });
});
