/** Small DOM helpers for the web page: element building, lookups, and the formats every section shares. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * `h('a', { href, class: 'x', onclick: fn }, 'text')`: attributes as strings (`true` gives an empty attribute,
 * false/null/undefined none), `on…` keys as listeners, children as nodes or text.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The element with this id; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** The message of anything thrown (GasFluxClientError messages come in the browser's language). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Shows `text` in an alert element (role="alert"), or clears it. */
export function showError(element: HTMLElement, text: string | null): void {
  element.textContent = text ?? '';
  element.hidden = !text;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Seconds as `45 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An ISO time in the browser's locale, short. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${Math.round(value * 10) / 10} %`;
}

/** A flux in kg/h to four significant digits, e.g. `5.012 kg/h`. */
export function formatFlux(kgPerHour: number | null | undefined): string {
  if (kgPerHour === null || kgPerHour === undefined || !Number.isFinite(kgPerHour)) return '—';
  return `${kgPerHour.toLocaleString('en', { maximumSignificantDigits: 4 })} kg/h`;
}

/** The browser's languages as an Accept-Language header, so the service answers in the user's language. */
export function acceptLanguage(): string {
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language || 'en'];
  return languages.map((language, i) => (i === 0 ? language : `${language};q=${Math.max(0.1, 1 - i * 0.1).toFixed(1)}`)).join(', ');
}

/**
 * Runs `consume` over a live stream and starts it again after a failure or an end, with a growing pause;
 * `onState` hears whether the stream is live. Returns a function that stops it.
 */
export function keepLive(consume: (signal: { stopped: boolean }) => Promise<void>, onState: (state: 'live' | 'retrying', error?: unknown) => void): () => void {
  const signal = { stopped: false };
  let delay = 1000;
  void (async () => {
    while (!signal.stopped) {
      const started = Date.now();
      try {
        onState('live');
        await consume(signal);
      } catch (error) {
        if (signal.stopped) return;
        onState('retrying', error);
      }
      if (signal.stopped) return;
      if (Date.now() - started > 30_000) delay = 1000;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  })();
  return () => {
    signal.stopped = true;
  };
}
