/**
 * The WIS2 notification pipeline up to the download queue (spec §5.1–§5.3, §6.2, §6.4, §4.3;
 * DESIGN decision 8): MQTT message → parse and validate the WNM → choose the download link →
 * centre id and cache from the topic and link → GC_EXCLUDE → filter pre-pass per subscription →
 * one DownloadRequest per accepting subscription, on the queue chosen for it.
 *
 * Beyond the reference (§6.2 [REC]): every subscription whose topic filter matches gets the
 * message, with MQTT wildcard semantics, instead of only the first matching topic entry.
 * Dedup is not done here: the download job claims the dedup keys (§5.4).
 *
 * Topics: one MQTT subscription per distinct topic, shared by every subscription that uses it,
 * released when the last one goes. Each topic's handler serves the subscriptions registered under
 * that exact topic, so overlapping topics (`…/+/data/#` and `…/de-dwd/data/#`) never give a
 * subscription the same message twice from one delivery; parsing and the `received` / `invalid`
 * / `no_download_link` events happen once per delivered message, however many topics match it.
 *
 * Nothing a message contains can make the router throw: bad messages are counted and logged.
 */
import { createHash } from 'node:crypto';
import { evaluateFilter, notificationView, type FilterContext, type FilterInput } from '../filter/index.js';
import { isExcludedCache, selectDownloadLink, type LinkSelection, type LinkSelectionOptions, type SelectedLink } from '../links.js';
import { parseNotification, type Notification, type NotificationError } from '../notification.js';
import { outcomes, type SkippedOutcome } from '../outcomes.js';
import { centreIdFromTopic, topicMatches } from '../topics.js';
import type { DownloadQueue, DownloadRequest } from './download-request.js';
import { chooseQueue } from './queue-choice.js';

/** What the router needs to know about one active subscription. */
export interface RoutedSubscription {
  id: string;
  /** MQTT topic filter (may hold `+` and `#`). */
  topic: string;
  /** Relative to the WIS2 data folder, already confined (the subscription `target` / `save_path`). */
  savePath: string;
  filter: FilterInput;
  /** The subscription's queue; default `small_files`. */
  queue?: DownloadQueue | string | null;
}

/** A message as the MQTT manager delivers it (a subset of MqttMessage). */
export interface RouterMqttMessage {
  topic: string;
  payload: Uint8Array | string;
  /** The broker URL without credentials, when known. */
  broker?: string;
  receivedAt?: Date;
}

/** What the router needs from MQTT; MqttConnectionManager satisfies it. */
export interface RouterMqtt {
  subscribe(topic: string, handler: (message: RouterMqttMessage) => void | Promise<void>): () => void;
}

/** The subset of a pino logger this module uses. */
export interface RouterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Events for counting (metrics, tests). Every delivered message yields `received` first. */
export type RouterEvent =
  | { type: 'received'; topic: string; broker: string | null }
  | { type: 'invalid'; topic: string; broker: string | null; reason: NotificationError; detail: string }
  /** Lenient mode accepted a message that does not conform to the standard. */
  | { type: 'non_compliant'; topic: string; detail: string }
  | { type: 'no_subscription'; topic: string }
  | { type: 'no_download_link'; topic: string; messageId: string; outcome: SkippedOutcome; deletion: boolean; subscriptionIds: string[] }
  | { type: 'excluded_cache'; topic: string; messageId: string; cache: string; outcome: SkippedOutcome; subscriptionIds: string[] }
  | { type: 'filter_rejected'; topic: string; messageId: string; subscriptionId: string; reason: string; outcome: SkippedOutcome }
  | { type: 'enqueued'; topic: string; messageId: string; subscriptionId: string; queue: DownloadQueue }
  | { type: 'enqueue_failed'; topic: string; broker: string | null; messageId: string; subscriptionId: string; error: string };

export interface NotificationRouterOptions {
  /** `strict`: only standard-conformant messages; `lenient` (default): whatever can be used. */
  validation?: 'strict' | 'lenient';
  /** GC_EXCLUDE: download hosts never used (exact comparison, §5.3). */
  excludedCaches?: readonly string[];
  /** Declared sizes above this many bytes go to `large_files` (see chooseQueue); null = off. */
  largeFileThreshold?: number | null;
  /** Link selection mode and allowed schemes (§5.2); default lenient, http(s). */
  links?: LinkSelectionOptions;
  /** Largest payload parsed, in bytes (default that of parseNotification). */
  maxMessageBytes?: number;
}

export interface NotificationRouterDeps {
  /** Lists the active subscriptions; `sync()` without an argument calls it. */
  subscriptions: () => RoutedSubscription[] | Promise<RoutedSubscription[]>;
  mqtt: RouterMqtt;
  enqueue: (request: DownloadRequest) => Promise<void>;
  onEvent?: (event: RouterEvent) => void;
  logger?: RouterLogger;
  options?: NotificationRouterOptions;
}

export interface NotificationRouter {
  /**
   * Makes the MQTT subscriptions match this list (or deps.subscriptions()): subscribes new topics,
   * unsubscribes topics no subscription uses any more, and updates the subscriptions under each.
   */
  sync(subscriptions?: RoutedSubscription[]): Promise<void>;
  /** Handles one message as if MQTT had delivered it on behalf of `topicFilter` (default: every active topic it matches). */
  handle(message: RouterMqttMessage, topicFilter?: string): Promise<void>;
  /** Active topics and the subscription ids under each. */
  topics(): Array<{ topic: string; subscriptionIds: string[] }>;
  /** Resolves when every message handled so far has been fully processed (enqueues included). */
  idle(): Promise<void>;
  /** Unsubscribes every topic; later messages are ignored. */
  close(): Promise<void>;
}

const noopLogger: RouterLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What one delivered message gives, computed once however many topic handlers receive it. */
type Prepared =
  | { ok: false }
  | {
      ok: true;
      notification: Notification;
      messageId: string;
      link: LinkSelection;
      /** Reported once per message; the subscription ids grow as topic handlers see it. */
      skipReported: boolean;
    };

interface TopicEntry {
  subscriptions: RoutedSubscription[];
  unsubscribe: () => void;
}

function messageIdOf(notification: Notification, payload: Uint8Array | string): string {
  if (notification.id) return notification.id;
  // Lenient mode keeps messages without an id; the payload hash still identifies them for dedup.
  return `sha256:${createHash('sha256').update(payload).digest('hex')}`;
}

/** Calls `onEvent`; a failing handler is logged, never the routing's failure. */
function eventEmitter(onEvent: NotificationRouterDeps['onEvent'], log: RouterLogger): (event: RouterEvent) => void {
  return (event) => {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch (err) {
      log.warn({ err: (err as Error).message, event: event.type }, 'wis2 router event handler failed');
    }
  };
}

/** Parses and validates a delivered message once, however many topic handlers receive it (`received` first). */
function messagePreparer(options: NotificationRouterOptions, log: RouterLogger, emit: (event: RouterEvent) => void): (message: RouterMqttMessage) => Prepared {
  const prepared = new WeakMap<object, Prepared>();
  const prepareOnce = (message: RouterMqttMessage): Prepared => {
    const broker = message.broker ?? null;
    emit({ type: 'received', topic: message.topic, broker });
    const parsed = parseNotification(message.payload, {
      mode: options.validation ?? 'lenient',
      ...(options.maxMessageBytes !== undefined ? { maxBytes: options.maxMessageBytes } : {}),
    });
    if (!parsed.ok) {
      log.warn({ topic: message.topic, broker, reason: parsed.error, detail: parsed.detail.slice(0, 500) }, 'wis2 notification rejected');
      emit({ type: 'invalid', topic: message.topic, broker, reason: parsed.error, detail: parsed.detail });
      return { ok: false };
    }
    if (!parsed.compliant) {
      const detail = parsed.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
      log.debug({ topic: message.topic, detail: detail.slice(0, 500) }, 'wis2 notification accepted leniently');
      emit({ type: 'non_compliant', topic: message.topic, detail });
    }
    const notification = parsed.notification;
    return {
      ok: true,
      notification,
      messageId: messageIdOf(notification, message.payload),
      link: selectDownloadLink(notification.links, options.links),
      skipReported: false,
    };
  };
  return (message) => {
    let result = prepared.get(message);
    if (!result) prepared.set(message, (result = prepareOnce(message)));
    return result;
  };
}

/** The filter pre-pass of one subscription. The engine is fail-open per rule; anything escaping it is a bug, so fail open too. */
function preFilter(sub: RoutedSubscription, view: FilterContext['notification'], topic: string, log: RouterLogger): { accepted: boolean; reason: string; ruleId: string | null } {
  try {
    const decision = evaluateFilter(sub.filter, { notification: view }, 'pre');
    return { accepted: decision.action === 'accept', reason: decision.reason, ruleId: decision.rule?.id ?? null };
  } catch (err) {
    log.error({ topic, subscriptionId: sub.id, err: (err as Error).message }, 'wis2 filter pre-pass failed; accepting');
    return { accepted: true, reason: '', ruleId: null };
  }
}

/** What one delivery gives every subscription that accepts it, computed once per delivery. */
interface Delivery {
  topic: string;
  broker: string | null;
  notification: Notification;
  messageId: string;
  link: SelectedLink;
  view: FilterContext['notification'];
  centreId: string | null;
  receivedAt: string;
}

function downloadRequest(sub: RoutedSubscription, delivery: Delivery, largeFileThreshold: number | null | undefined): DownloadRequest {
  const { notification, messageId, link } = delivery;
  return {
    subscriptionId: sub.id,
    savePath: sub.savePath,
    topic: delivery.topic,
    centreId: delivery.centreId,
    messageId,
    dataId: notification.dataId,
    metadataId: notification.metadataId,
    pubtime: notification.pubtime,
    href: link.href,
    overwrite: link.overwrite,
    expectedSize: link.size,
    integrity: notification.integrity,
    declaredMediaType: typeof link.link.type === 'string' ? link.link.type : null,
    filter: sub.filter,
    geometry: notification.geometry,
    properties: notification.properties,
    queue: chooseQueue(sub.queue ?? null, link.size, largeFileThreshold),
    receivedAt: delivery.receivedAt,
  };
}

/** The subscriptions by topic, in their order. */
function byTopic(subscriptions: RoutedSubscription[]): Map<string, RoutedSubscription[]> {
  const wanted = new Map<string, RoutedSubscription[]>();
  for (const sub of subscriptions) {
    const group = wanted.get(sub.topic);
    if (group) group.push(sub);
    else wanted.set(sub.topic, [sub]);
  }
  return wanted;
}

export function createNotificationRouter(deps: NotificationRouterDeps): NotificationRouter {
  const options = deps.options ?? {};
  const log = deps.logger ?? noopLogger;
  const excluded = options.excludedCaches ?? [];
  const emit = eventEmitter(deps.onEvent, log);
  const prepare = messagePreparer(options, log, emit);
  const entries = new Map<string, TopicEntry>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  /** One delivery to the subscriptions of one topic: those whose topic matches, then a download for each that accepts. */
  async function route(message: RouterMqttMessage, subscriptions: RoutedSubscription[]): Promise<void> {
    const prepared = prepare(message);
    if (!prepared.ok) return;
    const matching = subscriptions.filter((s) => topicMatches(s.topic, message.topic));
    if (matching.length === 0) return emit({ type: 'no_subscription', topic: message.topic });
    const delivery = deliverable(message, prepared, matching);
    if (!delivery) return;
    for (const sub of matching) await offer(sub, delivery);
  }

  /** The delivery, or null when the message has nothing to download here: no usable link, or an excluded cache (reported once per message). */
  function deliverable(message: RouterMqttMessage, prepared: Extract<Prepared, { ok: true }>, matching: RoutedSubscription[]): Delivery | null {
    const { topic } = message;
    const { messageId, link } = prepared;
    const subscriptionIds = matching.map((s) => s.id);
    if (!link.ok) {
      if (!prepared.skipReported) {
        prepared.skipReported = true;
        log.info({ topic, messageId, reason: link.outcome.reason }, 'wis2 notification has no download link');
        emit({ type: 'no_download_link', topic, messageId, outcome: link.outcome, deletion: link.deletion !== null, subscriptionIds });
      }
      return null;
    }
    if (isExcludedCache(link.cache, excluded)) {
      if (!prepared.skipReported) {
        prepared.skipReported = true;
        emit({ type: 'excluded_cache', topic, messageId, cache: link.cache, outcome: outcomes.globalCacheBlacklisted(), subscriptionIds });
      }
      return null;
    }
    return {
      topic,
      broker: message.broker ?? null,
      notification: prepared.notification,
      messageId,
      link,
      view: notificationView({ topic, message: prepared.notification.message, link: link.link }),
      centreId: centreIdFromTopic(topic),
      receivedAt: (message.receivedAt ?? new Date()).toISOString(),
    };
  }

  /** One subscription's pre-pass, then its download request on the queue chosen for it. */
  async function offer(sub: RoutedSubscription, delivery: Delivery): Promise<void> {
    const { topic, messageId } = delivery;
    const filter = preFilter(sub, delivery.view, topic, log);
    if (!filter.accepted) {
      const outcome = outcomes.filterRejected({ reason: filter.reason, id: filter.ruleId }, 'pre');
      return emit({ type: 'filter_rejected', topic, messageId, subscriptionId: sub.id, reason: filter.reason, outcome });
    }
    const request = downloadRequest(sub, delivery, options.largeFileThreshold);
    try {
      await deps.enqueue(request);
      emit({ type: 'enqueued', topic, messageId, subscriptionId: sub.id, queue: request.queue });
    } catch (err) {
      log.error({ topic, messageId, subscriptionId: sub.id, err: (err as Error).message }, 'wis2 download enqueue failed');
      emit({ type: 'enqueue_failed', topic, broker: delivery.broker, messageId, subscriptionId: sub.id, error: (err as Error).message });
    }
  }

  /** Runs one routing pass, tracked for idle(), never rejecting. */
  function track(message: RouterMqttMessage, subscriptions: RoutedSubscription[]): Promise<void> {
    const run = route(message, subscriptions).catch((err: unknown) => {
      log.error({ topic: message.topic, err: (err as Error).message }, 'wis2 notification routing failed');
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  }

  function handlerFor(topic: string) {
    return (message: RouterMqttMessage): Promise<void> => {
      if (closed) return Promise.resolve();
      // Read at delivery time, so sync() can change the subscriptions under a live topic.
      const entry = entries.get(topic);
      return track(message, entry ? entry.subscriptions : []);
    };
  }

  /** Topics no subscription uses any more are unsubscribed. */
  function release(wanted: Map<string, RoutedSubscription[]>): void {
    for (const [topic, entry] of entries) {
      if (wanted.has(topic)) continue;
      entries.delete(topic);
      entry.unsubscribe();
      log.info({ topic }, 'wis2 topic released');
    }
  }

  /** New topics are subscribed; the subscriptions under a live topic are replaced. */
  function subscribe(wanted: Map<string, RoutedSubscription[]>): void {
    for (const [topic, group] of wanted) {
      const entry = entries.get(topic);
      if (entry) {
        entry.subscriptions = group;
        continue;
      }
      try {
        const unsubscribe = deps.mqtt.subscribe(topic, handlerFor(topic));
        entries.set(topic, { subscriptions: group, unsubscribe });
        log.info({ topic, subscriptions: group.length }, 'wis2 topic subscribed');
      } catch (err) {
        // An invalid topic must not stop the others (the API validates topics; this is a backstop).
        log.error({ topic, err: (err as Error).message, subscriptionIds: group.map((s) => s.id) }, 'wis2 topic subscribe failed');
      }
    }
  }

  async function sync(list?: RoutedSubscription[]): Promise<void> {
    if (closed) throw new Error('notification router is closed');
    const wanted = byTopic(list ?? (await deps.subscriptions()));
    release(wanted);
    subscribe(wanted);
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  }

  return {
    sync,
    idle,
    handle(message, topicFilter) {
      if (closed) return Promise.resolve();
      if (topicFilter !== undefined) return handlerFor(topicFilter)(message);
      const matching = [...entries.entries()].filter(([t]) => topicMatches(t, message.topic));
      if (matching.length === 0) return track(message, []);
      return Promise.all(matching.map(([t]) => handlerFor(t)(message))).then(() => undefined);
    },
    topics() {
      return [...entries.entries()].map(([topic, e]) => ({ topic, subscriptionIds: e.subscriptions.map((s) => s.id) }));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of entries.values()) entry.unsubscribe();
      entries.clear();
      await idle();
    },
  };
}
