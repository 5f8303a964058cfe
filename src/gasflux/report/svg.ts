// Small helpers for writing static SVG as text: escaping, number formatting, linear scales, "nice" ticks,
// axes and polyline paths. Everything here is pure and synchronous.

/** Escapes text for HTML/SVG element content and for double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** A pixel coordinate with one decimal, the precision the figures need (keeps the files small). */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A number for display: fixed decimals, or "n/a" when it is not finite. */
export function fmtFixed(v: number | null | undefined, decimals: number): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(decimals);
}

/** A number for display with about `digits` significant digits, switching to exponent form for tiny/huge values. */
export function fmtSig(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e7) {
    const s = v.toPrecision(digits);
    return s.includes('e') ? String(Number(s)) : s;
  }
  return v.toExponential(digits - 1);
}

export interface Linear {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
}

/** A linear map from domain to range; a degenerate domain maps everything to the middle of the range. */
export function linear(domain: [number, number], range: [number, number]): Linear {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Linear;
  f.domain = domain;
  f.range = range;
  return f;
}

/** Finite min and max of the values (optionally only where `mask` is 1); null when there is none. */
export function extent(values: ArrayLike<number>, mask?: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi && Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

/** Widens a range by a fraction of its span on both sides (or by ±1 / ±|v|·5 % when it is a single value). */
export function pad(range: [number, number], fraction = 0.05): [number, number] {
  const [a, b] = range;
  if (b > a) {
    const d = (b - a) * fraction;
    return [a - d, b + d];
  }
  const d = a === 0 ? 1 : Math.abs(a) * 0.05;
  return [a - d, a + d];
}

/** About `count` round tick values inside [lo, hi] (steps of 1, 2 or 5 × 10ⁿ). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  for (let k = first; k <= last && out.length < 1000; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Tick label text for values produced by niceTicks (avoids 0.30000000000000004 and uses exponents if needed). */
export function tickLabel(v: number, ticks: number[]): string {
  if (v === 0) return '0';
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v);
  const maxAbs = Math.max(...ticks.map(Math.abs));
  if (maxAbs >= 1e7 || (maxAbs < 1e-3 && maxAbs > 0)) return v.toExponential(Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + Math.floor(Math.log10(maxAbs)))));
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** The plot area of a figure, in SVG user units. */
export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface AxisOptions {
  title: string;
  ticks: number[];
  label?: (v: number) => string;
  /** Grid lines across the frame (default true). */
  grid?: boolean;
  colour?: string;
}

/** Bottom x axis with ticks, labels, optional grid lines and title. `title` is plain text (escaped here). */
export function xAxis(frame: Frame, x: Linear, opt: AxisOptions): string {
  const y0 = frame.top + frame.height;
  const label = opt.label ?? ((v: number) => tickLabel(v, opt.ticks));
  const parts: string[] = [];
  for (const t of opt.ticks) {
    const xp = x(t);
    if (!(xp >= frame.left - 0.5 && xp <= frame.left + frame.width + 0.5)) continue;
    if (opt.grid !== false) parts.push(`<line class="gl" x1="${px(xp)}" y1="${px(frame.top)}" x2="${px(xp)}" y2="${px(y0)}"/>`);
    parts.push(`<line class="tk" x1="${px(xp)}" y1="${px(y0)}" x2="${px(xp)}" y2="${px(y0 + 5)}"/>`);
    parts.push(`<text class="tl" x="${px(xp)}" y="${px(y0 + 18)}" text-anchor="middle">${escapeHtml(label(t))}</text>`);
  }
  parts.push(`<line class="ax" x1="${px(frame.left)}" y1="${px(y0)}" x2="${px(frame.left + frame.width)}" y2="${px(y0)}"/>`);
  parts.push(
    `<text class="at" x="${px(frame.left + frame.width / 2)}" y="${px(y0 + 40)}" text-anchor="middle">${escapeHtml(opt.title)}</text>`,
  );
  return parts.join('');
}

/** Left (or right) y axis with ticks, labels, optional grid lines and a rotated title. */
export function yAxis(frame: Frame, y: Linear, opt: AxisOptions & { side?: 'left' | 'right'; titleOffset?: number }): string {
  const right = opt.side === 'right';
  const x0 = right ? frame.left + frame.width : frame.left;
  const dir = right ? 1 : -1;
  const label = opt.label ?? ((v: number) => tickLabel(v, opt.ticks));
  const colour = opt.colour ? ` fill="${opt.colour}"` : '';
  const parts: string[] = [];
  for (const t of opt.ticks) {
    const yp = y(t);
    if (!(yp >= frame.top - 0.5 && yp <= frame.top + frame.height + 0.5)) continue;
    if (opt.grid !== false) parts.push(`<line class="gl" x1="${px(frame.left)}" y1="${px(yp)}" x2="${px(frame.left + frame.width)}" y2="${px(yp)}"/>`);
    parts.push(`<line class="tk" x1="${px(x0)}" y1="${px(yp)}" x2="${px(x0 + 5 * dir)}" y2="${px(yp)}"/>`);
    parts.push(
      `<text class="tl" x="${px(x0 + 8 * dir)}" y="${px(yp + 4)}" text-anchor="${right ? 'start' : 'end'}"${colour}>${escapeHtml(label(t))}</text>`,
    );
  }
  parts.push(`<line class="ax" x1="${px(x0)}" y1="${px(frame.top)}" x2="${px(x0)}" y2="${px(frame.top + frame.height)}"/>`);
  const tx = x0 + dir * (opt.titleOffset ?? 52);
  const ty = frame.top + frame.height / 2;
  parts.push(
    `<text class="at" x="${px(tx)}" y="${px(ty)}" text-anchor="middle" transform="rotate(${right ? 90 : -90} ${px(tx)} ${px(ty)})"${colour}>${escapeHtml(opt.title)}</text>`,
  );
  return parts.join('');
}

/**
 * Path data for a polyline through (x[k], y[k]) for the given indices; a non-finite value breaks the line.
 * `xOf`/`yOf` map a row index to pixels.
 */
export function polylinePath(indices: ArrayLike<number>, xOf: (i: number) => number, yOf: (i: number) => number): string {
  let d = '';
  let pen = false;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const xp = xOf(i);
    const yp = yOf(i);
    if (!Number.isFinite(xp) || !Number.isFinite(yp)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(xp)} ${px(yp)}`;
    pen = true;
  }
  return d;
}

/** A clip path for the frame (id must be unique in the document) and its reference attribute. */
export function clipFrame(id: string, frame: Frame): { def: string; attr: string } {
  return {
    def: `<clipPath id="${id}"><rect x="${px(frame.left)}" y="${px(frame.top)}" width="${px(frame.width)}" height="${px(frame.height)}"/></clipPath>`,
    attr: `clip-path="url(#${id})"`,
  };
}

/** The smallest scale a figure is drawn at on a phone: its smallest text (12.5 units there) then stays ≥ 9 px. */
const PHONE_SCALE = 0.72;

/** Opens an inline <svg> element with a viewBox; it scales to the width of its container. */
export function svgOpen(id: string, width: number, height: number, label: string): string {
  // On a phone a figure keeps this width (and scrolls inside its frame) so that its text stays readable.
  const phoneWidth = Math.round(width * PHONE_SCALE);
  return `<svg id="${id}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}" preserveAspectRatio="xMidYMid meet" style="--phone-min-width:${phoneWidth}px">`;
}
