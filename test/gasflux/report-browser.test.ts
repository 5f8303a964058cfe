import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { renderReport } from '../../src/gasflux/report/render-report.js';
import { launchChromium, needsChromium } from '../helpers/browser.js';
import { syntheticReportInput } from './report-fixture.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Writes the report for a synthetic flight and returns its path. */
function writeReport(gas: string, rows: number): string {
  mkdirSync(artifacts, { recursive: true });
  const path = `${artifacts}report-${gas}.html`;
  writeFileSync(path, renderReport(syntheticReportInput(rows, { gas, ground: true })));
  return path;
}

interface Watched {
  page: Page;
  problems: string[];
}

/** Opens a page that records console errors, uncaught exceptions and any request that leaves the file. */
async function open(browser: Browser, path: string, width: number): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width, height: 1000 } });
  const problems: string[] = [];
  const self = pathToFileURL(path).href;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== self) problems.push(`request: ${r.url()}`);
  });
  await page.goto(self, { waitUntil: 'load' });
  return { page, problems };
}

describe('the report in headless chromium', { skip: needsChromium() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const [gas, rows] of [['ch4', 1000], ['co2', 100_000]] as const) {
    test(`the ${gas} report (${rows.toLocaleString('en-US')} rows) opens offline with no console error and five visible figures`, async () => {
      const path = writeReport(gas, rows);
      const { page, problems } = await open(browser, path, 1600);
      try {
        const figures = page.locator('figure.fig > svg');
        assert.equal(await figures.count(), 5);
        for (let k = 0; k < 5; k++) {
          assert.ok(await figures.nth(k).isVisible(), `figure ${k + 1} visible`);
          const box = await figures.nth(k).boundingBox();
          assert.ok(box && box.width > 250 && box.height > 200, `figure ${k + 1} size ${JSON.stringify(box)}`);
        }
        assert.equal(await page.locator('#flux .value').textContent(), '901.058 kg h⁻¹');
        await page.screenshot({ path: `${artifacts}report-${gas}.png`, fullPage: true });
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
      }
    });
  }

  test('on a wide screen the layout follows the reference: 3-D, contour and windrose in one row, then wind and background', async () => {
    const { page, problems } = await open(browser, writeReport('ch4', 1000), 1600);
    try {
      const box = async (id: string) => (await page.locator(`#${id}`).boundingBox())!;
      const [a, b, c, d, e] = await Promise.all(['fig-3d', 'fig-contour', 'fig-windrose', 'fig-wind', 'fig-background'].map(box));
      assert.ok(a.y === b.y && b.y === c.y, 'first row');
      assert.ok(d.y === e.y && d.y > a.y, 'second row');
      assert.ok(Math.abs(b.width - 2 * a.width) < 40 && Math.abs(d.width - e.width) < 2, 'column spans 1-2-1 / 2-2');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('on a narrow screen the figures stack in one column without horizontal scrolling', async () => {
    const { page, problems } = await open(browser, writeReport('ch4', 1000), 600);
    try {
      const xs = await page.locator('figure.fig').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().left));
      assert.equal(new Set(xs).size, 1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page overflows by ${overflow}px`);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('at phone width (375 px) every figure text is drawn at 9 px or more; figures scroll in their frames, the page never sideways', async () => {
    const { page, problems } = await open(browser, writeReport('ch4', 1000), 375);
    try {
      const smallest = await page.evaluate(() =>
        [...document.querySelectorAll('figure.fig svg')].map((svg) => {
          const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
          const sizes = [...svg.querySelectorAll('text')]
            .filter((text) => text.getBoundingClientRect().width > 0)
            .map((text) => parseFloat(getComputedStyle(text).fontSize) * scale);
          return { id: svg.id, px: Math.min(...sizes) };
        }),
      );
      assert.equal(smallest.length, 5);
      for (const { id, px } of smallest) assert.ok(px >= 9, `${id}: smallest text ${px.toFixed(1)} px`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page overflows by ${overflow}px`);
      await page.screenshot({ path: `${artifacts}report-phone.png`, fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('dragging over the 3-D figure rotates it, and double-click restores the view, without errors', async () => {
    const { page, problems } = await open(browser, writeReport('ch4', 1000), 1600);
    try {
      const first = page.locator('#fig-3d-svg .pts3 circle').first();
      const positionOf = async () =>
        page.locator('#fig-3d-svg line.e3').first().evaluate((l) => [Number(l.getAttribute('x1')), Number(l.getAttribute('y1'))]);
      const near = (p: number[], q: number[]) => Math.abs(p[0] - q[0]) <= 0.5 && Math.abs(p[1] - q[1]) <= 0.5;
      const before0 = await positionOf();
      assert.ok(await first.isVisible());
      const box = (await page.locator('#fig-3d-svg').boundingBox())!;
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(cx + k * 8, cy + k * 3);
      await page.mouse.up();
      const after1 = await positionOf();
      assert.ok(!near(after1, before0), 'the box edges moved');
      await page.mouse.dblclick(cx, cy);
      const after2 = await positionOf();
      assert.ok(near(after2, before0), `double-click restores the initial view: ${after2} vs ${before0}`);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
