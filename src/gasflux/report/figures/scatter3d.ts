// Figure 1: the flight in 3-D (easting, northing, height above takeoff) before the curtain step, coloured by the raw
// gas concentration; rows dropped by the curtain step are small black markers. Drawn as a static SVG in an
// orthographic oblique projection; a small inline script (ROTATE_SCRIPT) lets the reader drag to rotate it.

import type { ReportInput } from '../report-input.js';
import { colourBar, sequentialT, viridis } from '../colour-scale.js';
import { decimationNote, indicesWhere, MAX_MARKERS, scatterDecimate } from '../decimate.js';
import { escapeHtml, extent, fmtSig, niceTicks, px, svgOpen, tickLabel } from '../svg.js';
import { textWidth, type Figure } from './common.js';

export const VIEW = { azimuthDeg: -35, elevationDeg: 25 };

const W = 540;
const H = 500;
/** The screen region the box (with its labels) is fitted into, at every view angle. */
const PLOT = { left: 8, right: 532, top: 40, bottom: 420 };
/** Room kept around the box for tick labels and axis titles, in normalised box units. */
const MARGIN = { horizontal: 0.4, vertical: 0.24 };

export interface Projection {
  /** Screen x, screen y and depth (larger = nearer the viewer) of a point in normalised box coordinates. */
  project(u: number, v: number, w: number): [number, number, number];
  scale: number;
}

/** Orthographic projection after a rotation about the vertical axis (azimuth) and a tilt (elevation). */
export function makeProjection(azimuthDeg: number, elevationDeg: number, scale: number, cx: number, cy: number): Projection {
  const a = (azimuthDeg * Math.PI) / 180;
  const e = (elevationDeg * Math.PI) / 180;
  const ca = Math.cos(a);
  const sa = Math.sin(a);
  const ce = Math.cos(e);
  const se = Math.sin(e);
  return {
    scale,
    project(u, v, w) {
      const x1 = u * ca - v * sa;
      const y1 = u * sa + v * ca;
      return [cx + scale * x1, cy - scale * (w * ce + y1 * se), -y1 * ce + w * se];
    },
  };
}

/**
 * The projection for a view angle, scaled and centred so that the box (grown by MARGIN for its labels) fills the
 * plot region. The rotation script does the same fit, so the figure re-zooms as it turns and never spills out.
 */
export function fittedProjection(azimuthDeg: number, elevationDeg: number, half: [number, number, number]): Projection {
  const unit = makeProjection(azimuthDeg, elevationDeg, 1, 0, 0);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const a of [-1, 1]) {
    for (const b of [-1, 1]) {
      for (const c of [-1, 1]) {
        const [x, y] = unit.project(a * (half[0] + MARGIN.horizontal), b * (half[1] + MARGIN.horizontal), c * (half[2] + MARGIN.vertical));
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const scale = Math.min((PLOT.right - PLOT.left) / (x1 - x0), (PLOT.bottom - PLOT.top) / (y1 - y0));
  const cx = (PLOT.left + PLOT.right) / 2 - (scale * (x0 + x1)) / 2;
  const cy = (PLOT.top + PLOT.bottom) / 2 - (scale * (y0 + y1)) / 2;
  return makeProjection(azimuthDeg, elevationDeg, scale, cx, cy);
}

/** Keeps a centred label of half-width hw inside the drawing. */
function clampX(x: number, hw: number): number {
  return Math.max(hw + 2, Math.min(W - 2 - hw, x));
}

/**
 * Placement of a label pushed outwards from the box along the 3-D direction `out`: text-anchor by where that
 * direction points on screen (so a long title grows away from the box, not back over the tick labels), and the
 * x of the anchor kept inside the drawing. `hw` is half the text width.
 */
export function labelPlacement(x: number, dirX: number, dirLen: number, hw: number): { x: number; anchor: 'start' | 'middle' | 'end' } {
  const d = dirLen > 1e-9 ? dirX / dirLen : 0;
  if (d > 0.35) return { x: Math.max(2, Math.min(W - 2 - 2 * hw, x)), anchor: 'start' };
  if (d < -0.35) return { x: Math.max(2 + 2 * hw, Math.min(W - 2, x)), anchor: 'end' };
  return { x: clampX(x, hw), anchor: 'middle' };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function scatter3dFigure(input: ReportInput, gasLabel: string): Figure {
  const f = input.flight;
  const n = f.easting.length;
  const finite = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    finite[i] = Number.isFinite(f.easting[i]) && Number.isFinite(f.northing[i]) && Number.isFinite(f.heightAto[i]) ? 1 : 0;
  }
  const keptMask = new Uint8Array(n);
  const dropMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!finite[i]) continue;
    if (f.kept[i]) keptMask[i] = 1;
    else dropMask[i] = 1;
  }
  const keptAll = indicesWhere(n, keptMask);
  const dropAll = indicesWhere(n, dropMask);
  const total = keptAll.length + dropAll.length;
  let keptBudget = keptAll.length;
  let dropBudget = dropAll.length;
  if (total > MAX_MARKERS) {
    keptBudget = Math.min(keptAll.length, Math.max(Math.round((MAX_MARKERS * keptAll.length) / total), Math.round(MAX_MARKERS * 0.6)));
    dropBudget = Math.min(dropAll.length, MAX_MARKERS - keptBudget);
    keptBudget = Math.min(keptAll.length, MAX_MARKERS - dropBudget);
  }
  const kept = scatterDecimate(keptAll, keptBudget, (i) => f.gas[i]);
  const drop = scatterDecimate(dropAll, dropBudget);

  const eRange = extent(f.easting, finite);
  const nRange = extent(f.northing, finite);
  const hRange = extent(f.heightAto, finite);
  const gasRange = extent(f.gas, finite) ?? [0, 1];
  const parts: string[] = [svgOpen('fig-3d-svg', W, H, `3-D flight path coloured by ${gasLabel} (ppm)`)];
  const caption = [
    `Flight before the curtain step (${n.toLocaleString('en-US')} rows), coloured by the raw ${gasLabel} concentration; rows dropped by the curtain step are small black markers.`,
    'Orthographic view; drag to rotate, double-click to reset. Horizontal axes share one scale; the height axis may be stretched to stay readable.',
  ];
  const note = decimationNote(kept.length + drop.length, total, 'positions');
  if (note) caption.push(note);
  if (!eRange || !nRange || !hRange) {
    parts.push(`<text class="note" x="${W / 2}" y="${H / 2}" text-anchor="middle">No finite positions to draw.</text></svg>`);
    return { id: 'fig-3d', heading: 'Flight path (3-D)', span: 1, svg: parts.join(''), caption };
  }

  // Normalised box: horizontal axes keep their true ratio (each at least 0.3 of the larger), height at 0.45–1.
  const eSpan = eRange[1] - eRange[0] || 1;
  const nSpan = nRange[1] - nRange[0] || 1;
  const hSpan = hRange[1] - hRange[0] || 1;
  const maxH = Math.max(eSpan, nSpan);
  const sE = Math.max(0.3, eSpan / maxH);
  const sN = Math.max(0.3, nSpan / maxH);
  const sH = Math.min(1, Math.max(0.45, hSpan / maxH));
  const eMid = (eRange[0] + eRange[1]) / 2;
  const nMid = (nRange[0] + nRange[1]) / 2;
  const hMid = (hRange[0] + hRange[1]) / 2;
  const U = (e: number) => ((e - eMid) / (eSpan / 2)) * sE;
  const V = (v: number) => ((v - nMid) / (nSpan / 2)) * sN;
  const Wc = (h: number) => ((h - hMid) / (hSpan / 2)) * sH;
  const proj = fittedProjection(VIEW.azimuthDeg, VIEW.elevationDeg, [sE, sN, sH]);
  const P = (u: number, v: number, w: number) => proj.project(u, v, w);

  // Box wireframe and axis ticks; every element carries its box coordinates for the rotation script.
  const box: string[] = [];
  const corners = [-1, 1];
  const edge = (a: [number, number, number], b: [number, number, number]) => {
    const pa = P(...a);
    const pb = P(...b);
    box.push(
      `<line class="e3" data-a="${a.map(round3).join(' ')}" data-b="${b.map(round3).join(' ')}" x1="${px(pa[0])}" y1="${px(pa[1])}" x2="${px(pb[0])}" y2="${px(pb[1])}"/>`,
    );
  };
  for (const y of corners) for (const z of corners) edge([-sE, y * sN, z * sH], [sE, y * sN, z * sH]);
  for (const x of corners) for (const z of corners) edge([x * sE, -sN, z * sH], [x * sE, sN, z * sH]);
  for (const x of corners) for (const y of corners) edge([x * sE, y * sN, -sH], [x * sE, y * sN, sH]);
  const label = (p: [number, number, number], text: string, cls: string, out?: [number, number, number]) => {
    const q = P(...p);
    const hw = Math.ceil(textWidth(text, cls.startsWith('at') ? 14 : 12.5) / 2);
    if (!out) {
      box.push(
        `<text class="${cls}" data-p="${p.map(round3).join(' ')}" data-w="${hw}" x="${px(clampX(q[0], hw))}" y="${px(q[1] + 4)}" text-anchor="middle">${escapeHtml(text)}</text>`,
      );
      return;
    }
    const r = P(p[0] + out[0], p[1] + out[1], p[2] + out[2]);
    const place = labelPlacement(q[0], r[0] - q[0], Math.hypot(r[0] - q[0], r[1] - q[1]), hw);
    box.push(
      `<text class="${cls}" data-p="${p.map(round3).join(' ')}" data-o="${out.join(' ')}" data-w="${hw}" x="${px(place.x)}" y="${px(q[1] + 4)}" text-anchor="${place.anchor}">${escapeHtml(text)}</text>`,
    );
  };
  // Easting and northing ticks meet at the corner (+E, −N); ticks next to it are left out so labels cannot collide.
  const axisTicks = (lo: number, hi: number, at: (t: number) => [number, number, number], skip?: (t: number) => boolean) => {
    const ticks = niceTicks(lo, hi, 3);
    for (const t of ticks) if (!skip?.(t)) label(at(t), tickLabel(t, ticks), 'tl t3');
  };
  axisTicks(eRange[0], eRange[1], (t) => [U(t), -sN - 0.13, -sH - 0.04], (t) => U(t) > sE - 0.2);
  axisTicks(nRange[0], nRange[1], (t) => [sE + 0.13, V(t), -sH - 0.04], (t) => V(t) < -sN + 0.2);
  axisTicks(hRange[0], hRange[1], (t) => [-sE - 0.1, -sN - 0.1, Wc(t)]);
  label([0, -sN - 0.3, -sH - 0.1], 'easting (m)', 'at t3', [0, -1, 0]);
  label([sE + 0.3, 0, -sH - 0.1], 'northing (m)', 'at t3', [1, 0, 0]);
  label([-sE, -sN, sH + 0.22], 'height above takeoff (m)', 'at t3');
  parts.push(`<g class="box3">${box.join('')}</g>`);

  // Points, painted far to near.
  const gasT = sequentialT(gasRange[0], gasRange[1]);
  const pts: { i: number; dropped: boolean; u: number; v: number; w: number; d: number }[] = [];
  for (const i of kept) pts.push({ i, dropped: false, u: U(f.easting[i]), v: V(f.northing[i]), w: Wc(f.heightAto[i]), d: 0 });
  for (const i of drop) pts.push({ i, dropped: true, u: U(f.easting[i]), v: V(f.northing[i]), w: Wc(f.heightAto[i]), d: 0 });
  for (const p of pts) p.d = P(p.u, p.v, p.w)[2];
  pts.sort((a, b) => a.d - b.d);
  const flat: number[] = [];
  const circles: string[] = [];
  for (const p of pts) {
    const [sx, sy] = P(p.u, p.v, p.w);
    flat.push(round3(p.u), round3(p.v), round3(p.w));
    const stamp = f.timestamps?.[p.i];
    const when = stamp !== undefined ? `, ${stamp}` : '';
    if (p.dropped) {
      circles.push(`<circle class="dr" cx="${px(sx)}" cy="${px(sy)}" r="1.3"><title>row ${p.i}${escapeHtml(when)}: dropped by the curtain step</title></circle>`);
    } else {
      const g = f.gas[p.i];
      const fill = Number.isFinite(g) ? viridis(gasT(g)) : '#999999';
      circles.push(
        `<circle cx="${px(sx)}" cy="${px(sy)}" r="2.6" fill="${fill}"><title>row ${p.i}${escapeHtml(when)}: ${escapeHtml(gasLabel)} ${fmtSig(g, 5)} ppm</title></circle>`,
      );
    }
  }
  parts.push(`<g class="pts3">${circles.join('')}</g>`);
  parts.push(
    colourBar({
      x: 150, y: 440, width: 300, height: 12, lo: gasRange[0], hi: gasRange[1], colourOf: (v) => viridis(gasT(v)), title: `${gasLabel} (ppm)`,
      id: 'cb-3d', horizontal: true,
    }),
  );
  if (drop.length > 0) {
    parts.push(`<circle class="dr" cx="22" cy="24" r="3"/><text class="lg" x="32" y="28">dropped by the curtain step</text>`);
  }
  parts.push(`<text class="hint" x="${W - 8}" y="${H - 8}" text-anchor="end">drag to rotate · double-click to reset</text>`);
  parts.push('</svg>');
  const data = { az: VIEW.azimuthDeg, el: VIEW.elevationDeg, half: [sE, sN, sH], margin: MARGIN, plot: PLOT, width: W, p: flat };
  parts.push(`<script type="application/json" id="fig-3d-data">${JSON.stringify(data)}</script>`);
  return { id: 'fig-3d', heading: 'Flight path (3-D)', span: 1, svg: parts.join(''), caption };
}

/**
 * Inline script that re-projects the 3-D figure while the reader drags over it. Plain ES2015, no globals leaked,
 * every lookup guarded, so a missing element can never throw.
 */
export const ROTATE_SCRIPT = `(function () {
  'use strict';
  try {
    var svg = document.getElementById('fig-3d-svg');
    var src = document.getElementById('fig-3d-data');
    if (!svg || !src || !svg.createSVGPoint) return;
    var data = JSON.parse(src.textContent || '{}');
    if (!data || !data.p || !data.half || !data.margin || !data.plot || !data.width) return;
    var group = svg.querySelector('.pts3');
    var circles = group ? Array.prototype.slice.call(group.querySelectorAll('circle')) : [];
    var n = Math.min(circles.length, Math.floor(data.p.length / 3));
    var lines = Array.prototype.slice.call(svg.querySelectorAll('line.e3'));
    var texts = Array.prototype.slice.call(svg.querySelectorAll('text.t3'));
    function triple(s) { var a = String(s || '').split(' ').map(Number); return a.length === 3 ? a : [0, 0, 0]; }
    var lineA = lines.map(function (l) { return triple(l.getAttribute('data-a')); });
    var lineB = lines.map(function (l) { return triple(l.getAttribute('data-b')); });
    var textP = texts.map(function (t) { return triple(t.getAttribute('data-p')); });
    var textW = texts.map(function (t) { return Number(t.getAttribute('data-w')) || 0; });
    var textO = texts.map(function (t) { var o = t.getAttribute('data-o'); return o ? triple(o) : null; });
    function clampX(x, hw) { return Math.max(hw + 2, Math.min(data.width - 2 - hw, x)); }
    function place(t, q, o, hw, P) {
      if (!o) { t.setAttribute('x', fix(clampX(q[0], hw))); return; }
      var r = P(q[3] + o[0], q[4] + o[1], q[5] + o[2]);
      var dx = r[0] - q[0], len = Math.sqrt(dx * dx + (r[1] - q[1]) * (r[1] - q[1])), d = len > 1e-9 ? dx / len : 0;
      var W = data.width, x = q[0], anchor = 'middle';
      if (d > 0.35) { anchor = 'start'; x = Math.max(2, Math.min(W - 2 - 2 * hw, x)); }
      else if (d < -0.35) { anchor = 'end'; x = Math.max(2 + 2 * hw, Math.min(W - 2, x)); }
      else x = clampX(x, hw);
      t.setAttribute('x', fix(x)); t.setAttribute('text-anchor', anchor);
    }
    var az = data.az, el = data.el, depth = new Float64Array(n), pending = false;
    function unitProjector(az1, el1) {
      var a = az1 * Math.PI / 180, e = el1 * Math.PI / 180;
      var ca = Math.cos(a), sa = Math.sin(a), ce = Math.cos(e), se = Math.sin(e);
      return function (u, v, w) {
        var x1 = u * ca - v * sa, y1 = u * sa + v * ca;
        return [x1, -(w * ce + y1 * se), -y1 * ce + w * se];
      };
    }
    function projector() {
      var U = unitProjector(az, el), h = data.half, m = data.margin, r = data.plot;
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (var a = -1; a <= 1; a += 2) for (var b = -1; b <= 1; b += 2) for (var c = -1; c <= 1; c += 2) {
        var q = U(a * (h[0] + m.horizontal), b * (h[1] + m.horizontal), c * (h[2] + m.vertical));
        x0 = Math.min(x0, q[0]); x1 = Math.max(x1, q[0]); y0 = Math.min(y0, q[1]); y1 = Math.max(y1, q[1]);
      }
      var s = Math.min((r.right - r.left) / (x1 - x0), (r.bottom - r.top) / (y1 - y0));
      var cx = (r.left + r.right) / 2 - s * (x0 + x1) / 2, cy = (r.top + r.bottom) / 2 - s * (y0 + y1) / 2;
      return function (u, v, w) {
        var p = U(u, v, w);
        return [cx + s * p[0], cy + s * p[1], p[2]];
      };
    }
    function fix(v) { return (Math.round(v * 10) / 10).toString(); }
    function draw() {
      pending = false;
      var P = projector(), i, q;
      for (i = 0; i < lines.length; i++) {
        var pa = P(lineA[i][0], lineA[i][1], lineA[i][2]), pb = P(lineB[i][0], lineB[i][1], lineB[i][2]);
        lines[i].setAttribute('x1', fix(pa[0])); lines[i].setAttribute('y1', fix(pa[1]));
        lines[i].setAttribute('x2', fix(pb[0])); lines[i].setAttribute('y2', fix(pb[1]));
      }
      for (i = 0; i < texts.length; i++) {
        q = P(textP[i][0], textP[i][1], textP[i][2]);
        place(texts[i], [q[0], q[1], q[2], textP[i][0], textP[i][1], textP[i][2]], textO[i], textW[i], P);
        texts[i].setAttribute('y', fix(q[1] + 4));
      }
      for (i = 0; i < n; i++) {
        q = P(data.p[3 * i], data.p[3 * i + 1], data.p[3 * i + 2]);
        circles[i].setAttribute('cx', fix(q[0])); circles[i].setAttribute('cy', fix(q[1]));
        depth[i] = q[2];
      }
    }
    function resort() {
      if (!group) return;
      var order = [];
      for (var i = 0; i < n; i++) order.push(i);
      order.sort(function (a, b) { return depth[a] - depth[b]; });
      var frag = document.createDocumentFragment();
      var newCircles = [], newP = [];
      for (var k = 0; k < order.length; k++) {
        var j = order[k];
        frag.appendChild(circles[j]);
        newCircles.push(circles[j]);
        newP.push(data.p[3 * j], data.p[3 * j + 1], data.p[3 * j + 2]);
      }
      group.appendChild(frag);
      circles = newCircles; data.p = newP;
    }
    var dragging = false, moved = false, lastX = 0, lastY = 0;
    svg.addEventListener('pointerdown', function (ev) {
      dragging = true; moved = false; lastX = ev.clientX; lastY = ev.clientY;
      if (svg.setPointerCapture) { try { svg.setPointerCapture(ev.pointerId); } catch (e) { /* ignore */ } }
      ev.preventDefault();
    });
    svg.addEventListener('pointermove', function (ev) {
      if (!dragging) return;
      if (ev.clientX === lastX && ev.clientY === lastY) return;
      moved = true;
      az -= (ev.clientX - lastX) * 0.5;
      el = Math.max(-10, Math.min(90, el + (ev.clientY - lastY) * 0.4));
      lastX = ev.clientX; lastY = ev.clientY;
      if (!pending) { pending = true; window.requestAnimationFrame(draw); }
    });
    // Re-ordering the circles only after a real drag keeps plain clicks (and double-clicks) on a stable DOM.
    function stop() { if (!dragging) return; dragging = false; if (moved) { draw(); resort(); } }
    svg.addEventListener('pointerup', stop);
    svg.addEventListener('pointercancel', stop);
    svg.addEventListener('dblclick', function () { az = data.az; el = data.el; draw(); resort(); });
  } catch (err) {
    /* The static drawing stays as it is. */
  }
})();`;
