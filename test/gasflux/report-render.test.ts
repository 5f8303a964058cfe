import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/gasflux/report/render-report.js';
import { ROTATE_SCRIPT } from '../../src/gasflux/report/figures/scatter3d.js';
import { syntheticReportInput } from './report-fixture.js';

const FIGURE_IDS = ['fig-3d', 'fig-contour', 'fig-windrose', 'fig-wind', 'fig-background'];

/** The HTML of one <figure id="…">…</figure>. */
function figureHtml(html: string, id: string): string {
  const start = html.indexOf(`<figure class="fig`, html.indexOf(`id="${id}"`) - 40);
  const end = html.indexOf('</figure>', start);
  assert.ok(start >= 0 && end > start, `figure ${id} present`);
  return html.slice(start, end);
}

describe('renderReport on a 1,000-row synthetic flight', () => {
  const input = syntheticReportInput(1000, { ground: true });
  const html = renderReport(input);

  test('the page references no URL: no http(s), no CDN, src/href only data: or in-page fragments', () => {
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /\/\/cdn/i);
    for (const m of html.matchAll(/\s(?:src|href|xlink:href)\s*=\s*"([^"]*)"/gi)) {
      assert.ok(m[1].startsWith('data:') || m[1].startsWith('#'), `unexpected reference ${m[1]}`);
    }
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) assert.ok(m[1].startsWith('#'), `unexpected url(${m[1]})`);
    assert.doesNotMatch(html, /@import|@font-face|<link[^>]+stylesheet|<img|<iframe/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  test('the headline shows the flux with three decimals in kg h⁻¹, plus kg s⁻¹, and the physics mode', () => {
    assert.match(html, /<span class="value">901\.058 kg h⁻¹<\/span>/);
    assert.match(html, /0\.2503 kg s⁻¹/);
    assert.match(html, /gasflux-0\.2\.2/);
    const corrected = renderReport({ ...input, physics: 'corrected' });
    assert.match(corrected, /physics <strong>corrected<\/strong>/);
  });

  test('the summary table names volume_error as an integrated kriging variance, not a kg/h uncertainty', () => {
    assert.match(html, /Integrated kriging variance \(not a kg\/h uncertainty\)/);
    for (const key of ['volumepos', 'volumeneg', 'volume_error', 'std.ch4_background', 'nx × ny', 'Transect range', 'Plane angle', 'Mean temperature', 'Mean pressure']) {
      assert.ok(html.includes(key), key);
    }
    assert.match(html, /70 × 10 nodes/);
    assert.match(html, /240 \/ 660/);
    assert.match(html, /Timestamps are not strictly increasing at 2 rows\./);
  });

  test('there are exactly five figures, in the reference order and layout spans', () => {
    const figures = [...html.matchAll(/<figure class="fig( span-2)?" id="([^"]+)"/g)];
    assert.deepEqual(figures.map((m) => m[2]), FIGURE_IDS);
    assert.deepEqual(figures.map((m) => (m[1] ? 2 : 1)), [1, 2, 1, 2, 2]);
    assert.equal((html.match(/<svg /g) ?? []).length, 5);
  });

  test('the 3-D colour bar is titled "<GAS> (ppm)", not as a flux, and dropped rows are black', () => {
    const fig = figureHtml(html, 'fig-3d');
    const titles = [...fig.matchAll(/<text class="cbt"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(titles, ['CH4 (ppm)']);
    assert.doesNotMatch(titles[0], /flux/i);
    const points = fig.slice(fig.indexOf('<g class="pts3">')).split('</g>')[0];
    assert.equal((points.match(/<circle class="dr"/g) ?? []).length, 100); // 100 rows dropped, all drawn
    assert.equal((points.match(/<circle cx/g) ?? []).length, 900); // kept rows, coloured
  });

  test('the contour figure has the reference axis titles, 20 filled bands, two colour bars and the ground line', () => {
    const fig = figureHtml(html, 'fig-contour');
    assert.ok(fig.includes('horizontal distance on projected flux plane (m)'));
    assert.ok(fig.includes('height above takeoff (m)'));
    assert.ok(fig.includes('kriged flux (kg m⁻² h⁻¹)'));
    assert.ok(fig.includes('CH4 normalised (ppm)'));
    assert.ok(fig.includes('class="ground"'));
    const bandPaths = fig.slice(fig.indexOf('class="field"')).split('</g>')[0].match(/<path /g) ?? [];
    assert.ok(bandPaths.length >= 15 && bandPaths.length <= 20, `bands drawn: ${bandPaths.length}`);
    assert.match(fig, /20 filled bands between 21 levels/);
  });

  test('no SVG attribute carries NaN or Infinity, even when the data has holes', () => {
    const holey = syntheticReportInput(1000);
    for (const i of [0, 5, 17, 400, 999]) {
      holey.flight.easting[i] = NaN;
      holey.flight.gas[i] = NaN;
      holey.flight.windspeed[i] = NaN;
      holey.flight.winddir[i] = Infinity;
      holey.flight.normalised[i] = NaN;
      holey.flight.fit[i] = NaN;
    }
    holey.curtain.normalised[3] = NaN;
    holey.curtain.x[4] = NaN;
    for (const out of [html, renderReport(holey)]) {
      const bad = out.match(/\s[a-z-]+="[^"]*(?:NaN|Infinity|undefined)[^"]*"/g);
      assert.equal(bad, null, `bad attributes: ${bad?.slice(0, 3).join(' ')}`);
    }
  });

  test('the 1,000-row report is well under a megabyte and renders quickly', () => {
    const t0 = performance.now();
    const again = renderReport(input);
    const ms = performance.now() - t0;
    const bytes = Buffer.byteLength(again, 'utf8');
    console.log(`# 1,000 rows: ${(bytes / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms`);
    assert.ok(bytes < 1e6, `${bytes} bytes`);
    assert.equal(again, html, 'rendering is deterministic');
  });

  test('the inline rotation script parses as JavaScript', () => {
    assert.doesNotThrow(() => new Function(ROTATE_SCRIPT));
    assert.ok(html.includes(ROTATE_SCRIPT));
  });
});

describe('renderReport escaping', () => {
  test('gas names, file names and warnings with <script> are escaped, never live markup', () => {
    const input = syntheticReportInput(300, {
      gas: '<script>alert("gas")</script>',
      fileName: 'x"><img src=x onerror=alert(1)>.csv',
      warnings: ['<script>alert("warning")</script> & more', "it's <b>bold</b>"],
    });
    input.flight.timestamps![7] = '2022-09-26 02:03:07<script>alert(7)</script>';
    const html = renderReport(input);
    assert.equal((html.match(/<script/gi) ?? []).length, 2, 'only the data block and the rotation script');
    assert.doesNotMatch(html, /<script>alert/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<b>bold/);
    assert.ok(html.includes('&lt;SCRIPT&gt;ALERT(&quot;GAS&quot;)&lt;/SCRIPT&gt; (ppm)'));
    assert.ok(html.includes('&lt;script&gt;alert(&quot;warning&quot;)&lt;/script&gt; &amp; more'));
    assert.ok(html.includes('it&#39;s &lt;b&gt;bold&lt;/b&gt;'));
    assert.ok(html.includes('x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.csv'));
  });
});

describe('renderReport edge cases', () => {
  test('an all-NaN kriged field renders an empty contour plot with a note', () => {
    const html = renderReport(syntheticReportInput(500, { allNaNField: true }));
    const fig = figureHtml(html, 'fig-contour');
    assert.ok(fig.includes('The kriged field has no finite value: nothing to draw.'));
    assert.ok(!fig.includes('class="field"'));
    assert.ok(!fig.includes('<circle'));
    assert.ok(fig.includes('horizontal distance on projected flux plane (m)'));
  });

  test('without timestamps the time-series figures use row numbers', () => {
    const html = renderReport(syntheticReportInput(400, { timestamps: false }));
    assert.ok(figureHtml(html, 'fig-wind').includes('>row number</text>'));
    assert.ok(figureHtml(html, 'fig-background').includes('>row number</text>'));
  });

  test('with readable timestamps the time axis shows the clock as written in the file', () => {
    const html = renderReport(syntheticReportInput(1000));
    const fig = figureHtml(html, 'fig-wind');
    assert.ok(fig.includes('time on 2022-09-26 (clock as in the file)'));
    assert.match(fig, />02:0[4-9]<\/text>/);
  });

  test('a 100,000-row flight renders in a few seconds into well under 5 MB, decimated and saying so', () => {
    const input = syntheticReportInput(100_000, { ground: true });
    renderReport(syntheticReportInput(1000)); // warm up
    const t0 = performance.now();
    const html = renderReport(input);
    const ms = performance.now() - t0;
    const bytes = Buffer.byteLength(html, 'utf8');
    console.log(`# 100,000 rows: ${(bytes / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms`);
    assert.ok(bytes < 5e6, `${bytes} bytes`);
    assert.ok(ms < 5000, `${ms} ms`);
    assert.match(html, /Showing 4,000 of 100,000 positions \(decimated for display/);
    assert.match(html, /Showing 4,000 of 90,000 measurements/);
    const circles = (html.match(/<circle/g) ?? []).length;
    assert.ok(circles < 20000, `${circles} circles`);
  });
});
