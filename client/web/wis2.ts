/**
 * The WIS2 section: the subscriptions (list, create, delete), a create form whose filter JSON is checked before it is
 * sent, a helper that adds a media-type rule, and a live feed of download outcomes.
 */
import type { GasFluxClient, Wis2Download, Wis2Subscription } from '../sdk.js';
import type { CreateWis2SubscriptionInput, Wis2CredentialsType, Wis2Queue } from '../generated/graphql.js';
import { byId, errorText, formatBytes, formatTime, h, keepLive, showError } from './dom.js';

const QUEUE_LABELS: Record<Wis2Queue, string> = { SMALL_FILES: 'small files', HIGH_PRIORITY: 'high priority', LARGE_FILES: 'large files' };
const ACTIONS = ['accept', 'reject', 'continue'];
const MAX_FEED = 100;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Rule = { id: string; order: number; match: Record<string, Json>; action: string; reason?: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where in `text` a JSON.parse error's position falls, as "line l, col c". */
function position(text: string, message: string): string {
  const at = /position (\d+)/.exec(message);
  if (!at) return '';
  const before = text.slice(0, Number(at[1]));
  const lines = before.split('\n');
  return ` (line ${lines.length}, col ${lines.at(-1)!.length + 1})`;
}

/**
 * The filter in the textarea: `{ filter }` (null when blank: the default filter) or `{ error }` with the WIS2 UI's
 * messages. The service checks the conditions themselves strictly and answers with its own message.
 */
export function parseFilter(text: string): { filter: Record<string, unknown> | null } | { error: string } {
  if (text.trim() === '') return { filter: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (failure) {
    const message = errorText(failure);
    return { error: `Invalid JSON: ${message}${position(text, message)}` };
  }
  if (!isObject(value)) return { error: 'Filter must be a JSON object { … }' };
  if (Object.keys(value).length === 0) return { filter: null };
  if (!('rules' in value)) return { error: 'Filter must have a "rules" key' };
  if (!Array.isArray(value.rules)) return { error: '"rules" must be an array [ … ]' };
  const problems: string[] = [];
  value.rules.forEach((rule: unknown, i: number) => {
    if (!isObject(rule)) return problems.push(`Rule ${i}: must be an object`);
    for (const field of ['id', 'order', 'match', 'action']) {
      if (!(field in rule)) problems.push(`Rule ${i}: missing required field "${field}"`);
    }
    if ('id' in rule && typeof rule.id !== 'string') problems.push(`Rule ${i}: "id" must be a string`);
    if ('order' in rule && (typeof rule.order !== 'number' || !Number.isFinite(rule.order))) problems.push(`Rule ${i}: "order" must be a number`);
    if ('match' in rule && !isObject(rule.match)) problems.push(`Rule ${i}: "match" must be a object`);
    if ('action' in rule && !ACTIONS.includes(rule.action as string)) problems.push(`Rule ${i}: "action" must be one of: ${ACTIONS.join(', ')}`);
    return undefined;
  });
  return problems.length ? { error: problems.join('; ') } : { filter: value };
}

/**
 * Adds a rule accepting these media types (globs allowed) to `filter`, as the WIS2 UI composes it: it passes before
 * download (the type is unknown then) and checks the detected type after; a final `default` rule rejects the rest.
 */
export function addMediaTypeRule(filter: Record<string, unknown> | null, mediaTypes: string[]): Record<string, unknown> {
  const rules = [...((filter?.rules as Rule[] | undefined) ?? [])];
  const ids = new Set(rules.map((rule) => rule.id));
  let id = 'accept-media';
  for (let n = 2; ids.has(id); n++) id = `accept-media-${n}`;
  const globs = mediaTypes.some((type) => /[*?[]/.test(type));
  const check: Json = globs ? { any: mediaTypes.map((type) => ({ media_type: { pattern: type } })) } : { media_type: { in: mediaTypes } };
  const orders = rules.filter((rule) => rule.id !== 'default').map((rule) => rule.order);
  rules.push({ id, order: orders.length ? Math.max(...orders) + 1 : 1, match: { any: [{ media_type: { exists: false } }, check] }, action: 'accept' });
  if (!ids.has('default')) rules.push({ id: 'default', order: 999, match: { always: true }, action: 'reject', reason: 'No filter criteria matched' });
  rules.sort((a, b) => a.order - b.order);
  return { ...(filter ?? {}), rules };
}

function credentialsText(subscription: Wis2Subscription): string {
  const credentials = subscription.credentials;
  if (!credentials) return 'none';
  return credentials.type === 'BASIC' ? `BASIC · ${credentials.username ?? ''}` : credentials.type;
}

export interface Wis2Section {
  reload(): Promise<void>;
}

export function initWis2(client: GasFluxClient): Wis2Section {
  const body = byId('wis2-body');
  const empty = byId('wis2-empty');
  const error = byId('wis2-error');
  const form = byId<HTMLFormElement>('wis2-form');
  const topic = byId<HTMLInputElement>('wis2-topic');
  const target = byId<HTMLInputElement>('wis2-target');
  const queue = byId<HTMLSelectElement>('wis2-queue');
  const filterText = byId<HTMLTextAreaElement>('wis2-filter');
  const media = byId<HTMLInputElement>('wis2-media');
  const credType = byId<HTMLSelectElement>('wis2-cred-type');
  const basic = byId('wis2-basic');
  const bearer = byId('wis2-bearer');
  const credHosts = byId('wis2-cred-hosts');
  const hosts = byId<HTMLInputElement>('wis2-hosts');
  const insecure = byId<HTMLInputElement>('wis2-insecure');
  const username = byId<HTMLInputElement>('wis2-username');
  const password = byId<HTMLInputElement>('wis2-password');
  const token = byId<HTMLInputElement>('wis2-token');
  const create = byId<HTMLButtonElement>('wis2-create');
  const formError = byId('wis2-form-error');
  const formStatus = byId('wis2-form-status');
  const feedBody = byId('downloads-body');
  const feedEmpty = byId('downloads-empty');
  const live = byId('wis2-live');
  let subscriptions: Wis2Subscription[] = [];
  const feed = new Map<string, HTMLTableRowElement>();

  const topicOf = (id: string) => subscriptions.find((s) => s.id === id)?.topic ?? id.slice(0, 8);

  function row(subscription: Wis2Subscription) {
    const filter = subscription.filter as Record<string, unknown> | null;
    return h('tr', { 'data-subscription-id': subscription.id },
      h('td', { class: 'topic', 'data-label': 'Topic' }, h('code', {}, subscription.topic),
        filter && Object.keys(filter).length > 0
          ? h('details', { class: 'filter' }, h('summary', {}, 'Filter'), h('pre', {}, JSON.stringify(filter, null, 2)))
          : h('span', { class: 'sub' }, 'default filter')),
      h('td', { 'data-label': 'Target' }, subscription.target),
      h('td', { 'data-label': 'Queue' }, QUEUE_LABELS[subscription.queue] ?? subscription.queue),
      h('td', { class: 'credentials', 'data-label': 'Credentials' }, credentialsText(subscription)),
      h('td', { class: 'actions', 'data-label': 'Actions' },
        h('button', {
          type: 'button',
          class: 'danger',
          'aria-label': `Delete subscription ${subscription.topic} → ${subscription.target}`,
          onclick: () => void remove(subscription),
        }, 'Delete')),
    );
  }

  async function reload() {
    try {
      subscriptions = await client.wis2.list();
      body.replaceChildren(...subscriptions.map(row));
      empty.hidden = subscriptions.length > 0;
      showError(error, null);
    } catch (failure) {
      showError(error, `Could not load the subscriptions: ${errorText(failure)}`);
    }
  }

  async function remove(subscription: Wis2Subscription) {
    if (!window.confirm(`Unsubscribe from ${subscription.topic} (files already downloaded stay)?`)) return;
    try {
      await client.wis2.delete(subscription.id);
      formStatus.textContent = `Deleted the subscription to ${subscription.topic}.`;
      await reload();
    } catch (failure) {
      showError(error, `Could not delete the subscription: ${errorText(failure)}`);
    }
  }

  const showCredentialFields = () => {
    basic.hidden = credType.value !== 'BASIC';
    bearer.hidden = credType.value !== 'BEARER';
    credHosts.hidden = credType.value === '';
  };
  credType.addEventListener('change', showCredentialFields);
  form.addEventListener('reset', () => {
    showError(formError, null);
    setTimeout(showCredentialFields);
  });
  filterText.addEventListener('change', () => {
    const parsed = parseFilter(filterText.value);
    showError(formError, 'error' in parsed ? `Filter: ${parsed.error}` : null);
  });

  byId('wis2-media-add').addEventListener('click', () => {
    const types = media.value.split(',').map((type) => type.trim()).filter(Boolean);
    if (types.length === 0) {
      showError(formError, 'Enter one or more media types, e.g. application/bufr.');
      media.focus();
      return;
    }
    const parsed = parseFilter(filterText.value);
    if ('error' in parsed) {
      showError(formError, `Filter: ${parsed.error}`);
      filterText.focus();
      return;
    }
    filterText.value = JSON.stringify(addMediaTypeRule(parsed.filter, types), null, 2);
    media.value = '';
    showError(formError, null);
  });

  /** The create input, or a message saying what to fix. */
  function input(): CreateWis2SubscriptionInput | string {
    const problems: string[] = [];
    if (topic.value.trim() === '') problems.push('Enter a topic.');
    const parsed = parseFilter(filterText.value);
    if ('error' in parsed) problems.push(`Filter: ${parsed.error}`);
    const type = credType.value as Wis2CredentialsType | '';
    if (type === 'BASIC' && (!username.value || !password.value)) problems.push('Basic credentials need a username and a password.');
    if (type === 'BEARER' && !token.value) problems.push('Bearer credentials need a token.');
    const hostList = hosts.value.split(',').map((host) => host.trim()).filter(Boolean);
    if (type && hostList.length === 0) problems.push('Name the hosts that may receive the credentials.');
    if (problems.length || 'error' in parsed) return problems.join(' ');
    const where = { hosts: hostList, ...(insecure.checked ? { allowInsecureHttp: true } : {}) };
    return {
      topic: topic.value.trim(),
      ...(target.value.trim() ? { target: target.value.trim() } : {}),
      queue: queue.value as Wis2Queue,
      ...(parsed.filter ? { filter: parsed.filter } : {}),
      ...(type === 'BASIC' ? { credentials: { type, username: username.value, password: password.value, ...where } } : {}),
      ...(type === 'BEARER' ? { credentials: { type, token: token.value, ...where } } : {}),
    };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formStatus.textContent = '';
    const request = input();
    if (typeof request === 'string') {
      showError(formError, request);
      return;
    }
    showError(formError, null);
    create.disabled = true;
    try {
      const created = await client.wis2.create(request);
      form.reset();
      showCredentialFields();
      formStatus.textContent = `Subscribed to ${created.topic} (files go to ${created.target}).`;
      await reload();
    } catch (failure) {
      showError(formError, `Could not create the subscription: ${errorText(failure)}`);
    } finally {
      create.disabled = false;
    }
  });

  function feedRow(download: Wis2Download) {
    const file = download.path?.split('/').pop() || download.href || download.dataId || download.messageId;
    const reason = [download.errorClass, download.reason].filter(Boolean).join(': ');
    return h('tr', { 'data-status': download.status },
      h('td', { 'data-label': 'Time' }, formatTime(download.recordedAt)),
      h('td', { 'data-label': 'Status' }, h('span', { class: `badge download-${download.status.toLowerCase()}` }, download.status)),
      h('td', { class: 'topic', 'data-label': 'Subscription' }, h('code', {}, topicOf(download.subscriptionId))),
      h('td', { class: 'file', 'data-label': 'File' }, download.href ? h('span', { title: download.href }, file) : file,
        download.size !== null && download.size !== undefined ? h('span', { class: 'sub' }, formatBytes(download.size)) : null),
      h('td', { 'data-label': 'Reason' }, reason || '—'),
    );
  }

  /**
   * Shows an outcome once, in its place: newest first by the time it was recorded. Live events, the history loaded
   * beside them and the events of different workers can arrive in any order; the feed's order never depends on it.
   */
  function show(download: Wis2Download) {
    const key = download.id ?? `${download.subscriptionId}/${download.messageId}/${download.recordedAt}`;
    if (feed.has(key)) return;
    const element = feedRow(download);
    const recordedAt = Date.parse(download.recordedAt);
    element.dataset.recordedAt = String(recordedAt);
    feed.set(key, element);
    const below = [...feedBody.children].find((row) => Number((row as HTMLElement).dataset.recordedAt) < recordedAt);
    feedBody.insertBefore(element, below ?? null);
    while (feedBody.children.length > MAX_FEED) {
      const last = feedBody.lastElementChild as HTMLTableRowElement;
      for (const [k, v] of feed) if (v === last) feed.delete(k);
      last.remove();
    }
    feedEmpty.hidden = true;
  }

  keepLive(
    async (signal) => {
      const events = client.wis2.followDownloads();
      void client.wis2.downloads({ first: 20 }).then(
        (history) => history.edges.forEach(({ node }) => show(node)),
        (failure) => showError(error, `Could not load the download history: ${errorText(failure)}`),
      );
      for await (const download of events) {
        if (signal.stopped) break;
        show(download);
      }
    },
    (state, failure) => {
      live.textContent = state === 'live' ? 'Live' : 'Reconnecting…';
      live.dataset.state = state;
      if (failure) showError(error, `Live downloads interrupted: ${errorText(failure)}`);
      else if (error.textContent?.startsWith('Live downloads interrupted')) showError(error, null);
    },
  );

  return { reload };
}
