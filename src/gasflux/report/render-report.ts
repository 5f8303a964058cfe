// The per-gas HTML report: one self-contained page (inline CSS, inline SVG figures, one small inline script for
// rotating the 3-D view) that works offline. Nothing is loaded from anywhere: no fonts, scripts or images, and a
// Content-Security-Policy forbids any request. Pure: input in, HTML text out.

import { backgroundFigure } from './figures/background.js';
import { makeTimeAxis, type Figure } from './figures/common.js';
import { contourFigure } from './figures/contour.js';
import { ROTATE_SCRIPT, scatter3dFigure } from './figures/scatter3d.js';
import { windroseFigure } from './figures/windrose.js';
import { windSeriesFigure } from './figures/wind-series.js';
import type { ReportInput } from './report-input.js';
import { escapeHtml, fmtFixed, fmtSig } from './svg.js';

/** The headline flux text: volume with 3 decimals, e.g. "901.058 kg h⁻¹". */
export function formatFlux(volume: number): string {
  return `${fmtFixed(volume, 3)} kg h⁻¹`;
}

const PHYSICS_TEXT: Record<ReportInput['physics'], string> = {
  'gasflux-0.2.2': 'parity with gasflux 0.2.2 (its known numeric quirks reproduced)',
  corrected: 'corrected (known gasflux 0.2.2 quirks fixed)',
};

/** The display name of a gas, e.g. "ch4" → "CH4". */
export function gasLabel(gas: string): string {
  return gas.toUpperCase();
}

const CSS = `
:root{color-scheme:light;--ink:#1d232b;--muted:#5b6570;--line:#d9dee4;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;padding:20px 24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#f6f7f9}
header h1{margin:0 0 4px;font-size:24px;font-weight:650}
header .meta{margin:0;color:var(--muted)}
.top{display:flex;flex-wrap:wrap;gap:20px;margin:16px 0 20px;align-items:flex-start}
.flux{background:#fff;border:1px solid var(--line);border-left:5px solid var(--accent);border-radius:6px;padding:14px 20px;min-width:260px}
.flux .label{display:block;color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.04em}
.flux .value{display:block;font-size:38px;font-weight:700;line-height:1.15;color:var(--accent);white-space:nowrap}
.flux .alt{display:block;color:var(--muted)}
table.summary{border-collapse:collapse;min-width:0;background:#fff;border:1px solid var(--line);border-radius:6px;flex:1 1 520px}
table.summary th,table.summary td{padding:4px 10px;border-bottom:1px solid #eef0f3;text-align:left;vertical-align:top}
table.summary th{font-weight:600;white-space:nowrap;width:1%}
table.summary td.num{font-variant-numeric:tabular-nums}
table.summary .key{color:var(--muted);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.warnings{margin:0;padding-left:18px;color:#8a4b00}
.figs{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));grid-auto-flow:row dense;gap:16px}
.fig{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px;min-width:0}
.fig.span-2{grid-column:span 2}
.fig h2{margin:0 0 6px;font-size:15px;font-weight:600}
.fig svg{display:block;width:100%;height:auto;max-height:78vh;touch-action:none;user-select:none}
.fig figcaption{color:var(--muted);font-size:12.5px;margin-top:6px}
@media (max-width:1300px){.figs{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:760px){.figs{grid-template-columns:minmax(0,1fr)}.fig{overflow-x:auto}.fig svg{min-width:var(--phone-min-width)}.fig.span-2{grid-column:auto}body{padding:12px}table.summary .key{display:none}table.summary th{white-space:normal;width:auto}.flux{min-width:0;width:100%}.flux .value{font-size:30px}}
footer{margin-top:18px;color:var(--muted);font-size:12px}
svg text{font-size:13px;fill:#2b3138}
svg .tl{font-size:12.5px;fill:#4a525b}
svg .at{font-size:14px;font-weight:600;fill:#2b3138}
svg .cbt{font-size:13px;font-weight:600}
svg .lg{font-size:13px}
svg .note{font-size:15px;fill:#6b7480}
svg .hint{font-size:11px;fill:#8a939c}
svg .gl{stroke:#e9ecef;stroke-width:1}
svg .tk,svg .ax{stroke:#8a939c;stroke-width:1}
svg .bg{fill:#fbfbfc}
svg .cbframe{fill:none;stroke:#8a939c;stroke-width:.8}
svg .line{fill:none;stroke-width:1.6;stroke-linejoin:round}
svg .ground{fill:none;stroke:#5a3d1e;stroke-width:2;stroke-dasharray:8 5}
svg .pts2 circle{stroke:#20262d;stroke-width:.35}
svg .e3{stroke:#c5ccd3;stroke-width:1}
svg .dr{fill:#000;opacity:.5}
svg .pts3 circle{stroke:none}
svg .pts3 circle:not(.dr){opacity:.8}
svg .ring{fill:none;stroke:#dfe3e8;stroke-width:1}
svg .ring.outer{stroke:#aab2bb}
svg .ringlabel{paint-order:stroke;stroke:#fff;stroke-width:3px}
svg#fig-3d-svg{cursor:grab}
@media (max-width:760px){svg text{font-size:14px}svg .tl,svg .hint{font-size:12.5px}}
svg circle:hover{stroke:#000;stroke-width:1.2}
`;

function row(label: string, key: string, value: string, numeric = true): string {
  return `<tr><th>${escapeHtml(label)}</th><td${numeric ? ' class="num"' : ''}>${value}</td><td class="key">${escapeHtml(key)}</td></tr>`;
}

function summaryTable(input: ReportInput, label: string): string {
  const s = input.summary;
  const f = input.flight;
  let keptRows = 0;
  for (let i = 0; i < f.kept.length; i++) if (f.kept[i]) keptRows++;
  const kgh = (v: number) => escapeHtml(formatFlux(v));
  const rows = [
    row(s.detected === false ? 'Integral of the noise (no plume detected)' : 'Emission rate', 'volume', kgh(s.volume)),
    row('Positive part', 'volumepos', kgh(s.volumepos)),
    row('Negative part', 'volumeneg', kgh(s.volumeneg)),
    row(
      'Integrated kriging variance (not a kg/h uncertainty)',
      'volume_error',
      `${escapeHtml(fmtSig(s.volumeError, 5))} <span class="unit">(kg m⁻² h⁻¹)² m²</span>`,
    ),
    row(`Background std of ${label} normalised`, `std.${input.gas}_background`, s.backgroundStd === null ? 'n/a' : `${escapeHtml(fmtSig(s.backgroundStd, 4))} ppm`),
    row('Signal / background points', `${input.gas}_signal`, `${s.signalPoints.toLocaleString('en-US')} / ${s.backgroundPoints.toLocaleString('en-US')}`),
    row('Rows in file / kept by the curtain step', '', `${f.kept.length.toLocaleString('en-US')} / ${keptRows.toLocaleString('en-US')}`),
    row('Kriging grid', 'nx × ny', `${s.nx} × ${s.ny} nodes`),
    row('Cell size', 'x × y', `${escapeHtml(fmtSig(s.xCellSize, 4))} m × ${escapeHtml(fmtSig(s.yCellSize, 4))} m`),
    row('Transect range', 'transect_num', s.transectRange ? `${s.transectRange[0]} – ${s.transectRange[1]}` : 'n/a'),
    row('Plane angle', 'curtain', s.planeAngle === null ? 'n/a' : `${escapeHtml(fmtFixed(s.planeAngle, 2))}°`),
    row('Mean temperature', 'temperature', `${escapeHtml(fmtFixed(s.meanTemperature, 2))} °C`),
    row('Mean pressure', 'pressure', `${escapeHtml(fmtFixed(s.meanPressure, 2))} hPa`),
    row('Physics mode', 'physics', `<strong>${escapeHtml(input.physics)}</strong>: ${escapeHtml(PHYSICS_TEXT[input.physics] ?? '')}`, false),
    row(
      'Warnings',
      '',
      s.warnings.length === 0 ? 'none' : `<ul class="warnings">${s.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
      false,
    ),
  ];
  return `<table class="summary"><caption class="sr">Summary of the ${escapeHtml(label)} result</caption><tbody>${rows.join('')}</tbody></table>`;
}

function figureHtml(fig: Figure): string {
  const caption = fig.caption.filter(Boolean).map(escapeHtml).join(' ');
  return `<figure class="fig${fig.span === 2 ? ' span-2' : ''}" id="${fig.id}"><h2>${escapeHtml(fig.heading)}</h2>${fig.svg}<figcaption>${caption}</figcaption></figure>`;
}

/** Renders the complete report page for one gas. */
export function renderReport(input: ReportInput): string {
  const label = gasLabel(input.gas);
  const n = input.flight.easting.length;
  const time = makeTimeAxis(input.flight.timestamps, n);
  const figures: Figure[] = [
    scatter3dFigure(input, label),
    contourFigure(input, label),
    windroseFigure(input),
    windSeriesFigure(input, time),
    backgroundFigure(input, label, time),
  ];
  const title = `${label} mass balance report: ${input.fileName}`;
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
  const kgs = input.summary.volume / 3600;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="GasFlux API">`,
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${CSS}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}</style>`,
    '</head><body>',
    `<header><h1>Mass balance report: ${escapeHtml(label)}</h1>`,
    `<p class="meta">Input <strong>${escapeHtml(input.fileName)}</strong> · generated ${escapeHtml(input.generatedAt)} · physics <strong>${escapeHtml(input.physics)}</strong></p></header>`,
    '<section class="top">',
    input.summary.detected === false
      ? `<div class="flux" id="flux"><span class="label">Estimated flux, ${escapeHtml(label)}</span><span class="value">not detected</span>` +
        '<span class="alt">no plume above the sensor noise, so no emission rate (see the warnings)</span></div>'
      : `<div class="flux" id="flux"><span class="label">Estimated flux, ${escapeHtml(label)}</span><span class="value">${escapeHtml(formatFlux(input.summary.volume))}</span>` +
        `<span class="alt">= ${escapeHtml(fmtSig(kgs, 4))} kg s⁻¹</span></div>`,
    summaryTable(input, label),
    '</section>',
    `<main class="figs">${figures.map(figureHtml).join('')}</main>`,
    `<footer>GasFlux API mass-balance report for ${escapeHtml(label)}. Self-contained: works offline and loads nothing. Figures are static SVG; hover a marker or bar for its value.</footer>`,
    `<script>${ROTATE_SCRIPT}</script>`,
    '</body></html>',
  ].join('\n');
}
