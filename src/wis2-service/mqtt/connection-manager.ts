// MQTT side of the WIS2 downloader (spec §6.1, §6.2, §6.4; DESIGN decision 8).
//
// One connection per broker URL, one broker SUBSCRIBE per distinct topic filter shared by any
// number of local subscribers (reference-counted), QoS 1 with a persistent session (clean: false
// and a stable client id derived from the configuration), every active topic re-subscribed after
// every (re)connect instead of trusting the broker's session, messages routed to every local
// subscriber whose filter matches (MQTT wildcard semantics), handler errors contained and counted.
// Credentials are never logged, returned by status() or kept in the URL handed to the client.
import { createHash } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { topicMatches, validateMqttTopicFilter } from '../../wis2/topics.js';

/** A message as local subscribers see it. */
export interface MqttMessage {
  /** The broker URL without credentials. */
  broker: string;
  /** The concrete topic the message was published on. */
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** True when the broker says this is a redelivery. */
  dup: boolean;
  receivedAt: Date;
}

export type MqttMessageHandler = (message: MqttMessage) => void | Promise<void>;
export type Unsubscribe = () => void;

/** The subset of a pino logger this module uses. */
export interface MqttLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL. Credentials in the URL are accepted and stripped. */
  url: string;
  username?: string;
  password?: string;
  /** Explicit client id; otherwise derived from the session name, the URL and the username. */
  clientId?: string;
  /** TLS: verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  /** TLS: extra CA certificates (PEM). */
  ca?: string | string[] | Buffer | Buffer[];
}

export interface ConnectionManagerOptions {
  /** Brokers to connect to straight away (more can be added with connection()). */
  brokers?: BrokerOptions[];
  /**
   * Stable basis for the derived client ids (e.g. the configured MQTT session id). Two processes
   * with the same session name and broker share one broker session and take it from each other.
   */
  sessionName?: string;
  /** QoS of every SUBSCRIBE (default 1). */
  qos?: 0 | 1 | 2;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5 (the session then expires after sessionExpirySeconds). */
  protocolVersion?: 4 | 5;
  /** MQTT 5 only: how long the broker keeps the session while we are away (default 7 days). */
  sessionExpirySeconds?: number;
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
  /** First reconnect delay; doubled after every failed attempt up to reconnectMaxMs. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Longest wait for a message's handlers before it is acknowledged anyway (default 15 s, a quarter of keep-alive). */
  ackTimeoutMs?: number;
  logger?: MqttLogger;
}

export interface BrokerStatus {
  broker: string;
  clientId: string;
  connected: boolean;
  /** Successful connections after the first one. */
  reconnects: number;
  /** Reconnect attempts (successful or not). */
  reconnectAttempts: number;
  messagesReceived: number;
  /** Messages that matched no local subscriber (e.g. left over in the broker session). */
  messagesUnrouted: number;
  handlerErrors: number;
  /** SUBSCRIBE packets sent (one per topic per connection, plus retries). */
  subscribeRequests: number;
  /** Topic filters the broker refused (SUBACK >= 128) on the last attempt. */
  subscribeFailures: number;
  /** Active topic filters and their local subscriber counts. */
  topics: Array<{ topic: string; subscribers: number }>;
  lastConnectedAt: Date | null;
  lastDisconnectedAt: Date | null;
  lastError: string | null;
}

const noopLogger: MqttLogger = { debug() {}, info() {}, warn() {}, error() {} };
const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

interface ParsedUrl {
  /** URL without credentials, used for the connection and in logs. */
  url: string;
  username?: string;
  password?: string;
}

function parseBrokerUrl(raw: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('invalid MQTT broker URL');
  }
  if (!PROTOCOLS.has(u.protocol)) throw new Error(`unsupported MQTT broker protocol ${u.protocol} (mqtt, mqtts, ws, wss)`);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  return { url: u.toString(), username, password };
}

/** The key under which the manager keeps one connection: the URL without credentials. */
export function brokerKey(url: string): string {
  return parseBrokerUrl(url).url;
}

/** A stable client id: the same session name, URL and username always give the same id. */
export function deriveClientId(sessionName: string, url: string, username?: string): string {
  const hash = createHash('sha256').update(`${sessionName}\n${brokerKey(url)}\n${username ?? ''}`).digest('hex');
  const prefix = sessionName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'gasflux';
  return `${prefix}-${hash.slice(0, 16)}`;
}

interface TopicEntry {
  handlers: Set<{ handler: MqttMessageHandler }>;
}

/** One broker connection with reference-counted topic subscriptions. */
export class BrokerConnection {
  readonly broker: string;
  readonly clientId: string;
  private readonly client: MqttClient;
  private readonly topics = new Map<string, TopicEntry>();
  /** Topics whose last subscriber left while offline: unsubscribed from the session on reconnect. */
  private readonly pendingUnsubscribes = new Set<string>();
  private readonly log: MqttLogger;
  private readonly qos: 0 | 1 | 2;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private connectCount = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private nextReconnectMs: number;
  /** SUBSCRIBE / UNSUBSCRIBE exchanges still waiting for the broker's answer. */
  private readonly pending = new Set<Promise<void>>();
  private readonly counters = {
    reconnectAttempts: 0,
    messagesReceived: 0,
    messagesUnrouted: 0,
    handlerErrors: 0,
    subscribeRequests: 0,
    subscribeFailures: 0,
  };
  private lastConnectedAt: Date | null = null;
  private lastDisconnectedAt: Date | null = null;
  private lastError: string | null = null;
  private firstConnect: Promise<void>;
  private readonly ackTimeoutMs: number;

  constructor(broker: BrokerOptions, options: ConnectionManagerOptions = {}) {
    const parsed = parseBrokerUrl(broker.url);
    this.broker = parsed.url;
    const username = broker.username ?? parsed.username;
    const password = broker.password ?? parsed.password;
    this.clientId = broker.clientId ?? deriveClientId(options.sessionName ?? 'gasflux-wis2', parsed.url, username);
    this.log = options.logger ?? noopLogger;
    this.qos = options.qos ?? 1;
    this.reconnectMinMs = options.reconnectMinMs ?? 1000;
    this.reconnectMaxMs = Math.max(this.reconnectMinMs, options.reconnectMaxMs ?? 120_000);
    this.nextReconnectMs = this.reconnectMinMs;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
    const protocolVersion = options.protocolVersion ?? 4;
    const clientOptions: IClientOptions = {
      clientId: this.clientId,
      clean: false,
      protocolVersion,
      keepalive: options.keepaliveSeconds ?? 60,
      connectTimeout: options.connectTimeoutMs ?? 30_000,
      // mqtt.js retries at a fixed interval; we schedule reconnects ourselves with a backoff.
      reconnectPeriod: 0,
      // We re-subscribe ourselves on every connect; mqtt.js skips it for persistent sessions.
      resubscribe: false,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(broker.rejectUnauthorized !== undefined ? { rejectUnauthorized: broker.rejectUnauthorized } : {}),
      ...(broker.ca !== undefined ? { ca: broker.ca } : {}),
      ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? 7 * 24 * 3600 } } : {}),
    };
    this.client = mqtt.connect(parsed.url, clientOptions);
    let resolveFirst!: () => void;
    this.firstConnect = new Promise<void>((resolve) => (resolveFirst = resolve));
    this.client.on('connect', (connack) => {
      this.connectCount++;
      this.lastConnectedAt = new Date();
      this.lastError = null;
      this.nextReconnectMs = this.reconnectMinMs;
      this.log.info(
        { broker: this.broker, clientId: this.clientId, sessionPresent: connack.sessionPresent, reconnect: this.connectCount > 1 },
        'mqtt connected',
      );
      resolveFirst();
      this.track(this.syncSubscriptions());
    });
    this.client.on('close', () => {
      if (this.lastConnectedAt && (!this.lastDisconnectedAt || this.lastDisconnectedAt < this.lastConnectedAt)) {
        this.lastDisconnectedAt = new Date();
        if (!this.closed) this.log.warn({ broker: this.broker }, 'mqtt connection lost');
      }
      this.scheduleReconnect();
    });
    this.client.on('error', (err) => {
      this.lastError = err.message;
      this.log.warn({ broker: this.broker, err: err.message }, 'mqtt error');
    });
    // Backpressure: a QoS 1 message is acknowledged, and the next one read, only once its handlers are done (or
    // after ackTimeoutMs, so a stalled handler cannot starve the keep-alive). Until then the broker holds the rest
    // in our session, so a slow download queue slows the feed instead of piling it up in memory.
    const routing = new WeakMap<object, Promise<void>>();
    this.client.on('message', (topic, payload, packet) => routing.set(packet, this.route(topic, payload, packet.qos, packet.retain, packet.dup)));
    this.client.handleMessage = (packet, callback) => {
      const done = routing.get(packet);
      routing.delete(packet);
      if (!done) return callback();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.ackTimeoutMs)));
      void Promise.race([done, timeout]).then(() => {
        clearTimeout(timer);
        callback();
      });
    };
  }

  /** Resolves after the first successful connection, or rejects after timeoutMs. */
  async waitConnected(timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection to ${this.broker} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.firstConnect, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * Adds a local subscriber. The broker SUBSCRIBE is sent only for the first local subscriber of
   * a topic; the returned function removes this subscriber (idempotent), and the broker
   * UNSUBSCRIBE follows only when the last one goes.
   */
  subscribe(topic: string, handler: MqttMessageHandler): Unsubscribe {
    if (this.closed) throw new Error('MQTT connection is closed');
    const valid = validateMqttTopicFilter(topic);
    if (!valid.ok) throw new Error(valid.error);
    const token = { handler };
    let entry = this.topics.get(topic);
    if (!entry) {
      entry = { handlers: new Set() };
      this.topics.set(topic, entry);
      this.pendingUnsubscribes.delete(topic);
      if (this.client.connected) this.track(this.brokerSubscribe([topic]));
      // Otherwise the next 'connect' subscribes every active topic.
    }
    entry.handlers.add(token);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const current = this.topics.get(topic);
      if (!current || !current.handlers.delete(token) || current.handlers.size > 0) return;
      this.topics.delete(topic);
      if (this.closed) return;
      if (this.client.connected) this.track(this.brokerUnsubscribe(topic));
      else this.pendingUnsubscribes.add(topic);
    };
  }

  /**
   * Resolves when every SUBSCRIBE / UNSUBSCRIBE sent so far has been answered (or has failed).
   * Call it after subscribe() to know the broker will route the next publication to us.
   */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Active topic filters. */
  activeTopics(): string[] {
    return [...this.topics.keys()];
  }

  status(): BrokerStatus {
    return {
      broker: this.broker,
      clientId: this.clientId,
      connected: this.client.connected,
      reconnects: Math.max(0, this.connectCount - 1),
      ...this.counters,
      topics: [...this.topics].map(([topic, e]) => ({ topic, subscribers: e.handlers.size })),
      lastConnectedAt: this.lastConnectedAt,
      lastDisconnectedAt: this.lastDisconnectedAt,
      lastError: this.lastError,
    };
  }

  /** Disconnects. Local subscriptions are dropped; the broker session (and its subscriptions) stays. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.topics.clear();
    this.pendingUnsubscribes.clear();
    // force when offline: a graceful end would wait for a connection that may never come.
    await this.client.endAsync(!this.client.connected);
    this.log.info({ broker: this.broker }, 'mqtt connection closed');
  }

  /** After a lost connection or a failed attempt: try again after a delay that doubles each time. */
  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.nextReconnectMs;
    this.nextReconnectMs = Math.min(this.reconnectMaxMs, delay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.client.connected) return;
      this.counters.reconnectAttempts++;
      this.log.debug({ broker: this.broker, afterMs: delay }, 'mqtt reconnecting');
      this.client.reconnect();
    }, delay);
  }

  private track(op: Promise<void>): void {
    this.pending.add(op);
    void op.finally(() => this.pending.delete(op));
  }

  private async syncSubscriptions(): Promise<void> {
    for (const topic of [...this.pendingUnsubscribes]) {
      if (this.topics.has(topic)) continue;
      this.pendingUnsubscribes.delete(topic);
      await this.brokerUnsubscribe(topic);
    }
    // Re-subscribe everything, session present or not: the broker may have expired or lost it.
    const topics = this.activeTopics();
    if (topics.length > 0) await this.brokerSubscribe(topics);
  }

  private async brokerSubscribe(topics: string[]): Promise<void> {
    this.counters.subscribeRequests += topics.length;
    try {
      const granted = await this.client.subscribeAsync(topics, { qos: this.qos });
      let failures = 0;
      for (const g of granted) {
        if (g.qos >= 128) {
          failures++;
          this.log.warn({ broker: this.broker, topic: g.topic, code: g.qos }, 'mqtt subscription refused');
        } else {
          this.log.debug({ broker: this.broker, topic: g.topic, qos: g.qos }, 'mqtt subscribed');
        }
      }
      this.counters.subscribeFailures += failures;
    } catch (err) {
      // Disconnected mid-way: the next 'connect' subscribes again.
      this.log.warn({ broker: this.broker, topics, err: (err as Error).message }, 'mqtt subscribe failed');
    }
  }

  private async brokerUnsubscribe(topic: string): Promise<void> {
    try {
      await this.client.unsubscribeAsync(topic);
      this.log.debug({ broker: this.broker, topic }, 'mqtt unsubscribed');
    } catch (err) {
      if (!this.topics.has(topic) && !this.closed) this.pendingUnsubscribes.add(topic);
      this.log.warn({ broker: this.broker, topic, err: (err as Error).message }, 'mqtt unsubscribe failed');
    }
  }

  /** Hands the message to every matching local subscriber; resolves when all of them are done (never rejects). */
  private route(topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean, dup: boolean): Promise<void> {
    this.counters.messagesReceived++;
    const message: MqttMessage = { broker: this.broker, topic, payload, qos, retain, dup, receivedAt: new Date() };
    const pending: Promise<void>[] = [];
    let delivered = 0;
    // Every local subscriber whose filter matches, not just the first (spec §6.2 [REC]).
    for (const [filter, entry] of this.topics) {
      if (!topicMatches(filter, topic)) continue;
      for (const { handler } of [...entry.handlers]) {
        delivered++;
        const result = this.invoke(handler, message, filter);
        if (result) pending.push(result);
      }
    }
    if (delivered === 0) {
      this.counters.messagesUnrouted++;
      this.log.debug({ broker: this.broker, topic }, 'mqtt message matched no subscriber');
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  private invoke(handler: MqttMessageHandler, message: MqttMessage, filter: string): Promise<void> | undefined {
    const fail = (err: unknown) => {
      this.counters.handlerErrors++;
      this.log.error(
        { broker: this.broker, topic: message.topic, filter, err: err instanceof Error ? err.message : String(err) },
        'mqtt message handler failed',
      );
    };
    try {
      const result = handler(message);
      if (result && typeof (result as Promise<void>).then === 'function') return (result as Promise<void>).catch(fail);
    } catch (err) {
      fail(err);
    }
    return undefined;
  }
}

/**
 * One BrokerConnection per broker URL. subscribe() on the manager subscribes on every broker,
 * including brokers added later, as the reference does (every broker receives every topic).
 */
export class MqttConnectionManager {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly everywhere = new Set<{ topic: string; handler: MqttMessageHandler; unsubscribes: Unsubscribe[] }>();
  private closed = false;

  constructor(private readonly options: ConnectionManagerOptions = {}) {
    for (const broker of options.brokers ?? []) this.connection(broker);
  }

  /** The connection for this broker URL, created (and connecting) on first use. */
  connection(broker: BrokerOptions | string): BrokerConnection {
    if (this.closed) throw new Error('MQTT connection manager is closed');
    const b = typeof broker === 'string' ? { url: broker } : broker;
    const key = brokerKey(b.url);
    let conn = this.connections.get(key);
    if (!conn) {
      conn = new BrokerConnection(b, this.options);
      this.connections.set(key, conn);
      for (const sub of this.everywhere) sub.unsubscribes.push(conn.subscribe(sub.topic, sub.handler));
    }
    return conn;
  }

  /** Subscribes on every broker connection, current and future. */
  subscribe(topic: string, handler: MqttMessageHandler): Unsubscribe {
    if (this.closed) throw new Error('MQTT connection manager is closed');
    const sub = { topic, handler, unsubscribes: [] as Unsubscribe[] };
    for (const conn of this.connections.values()) sub.unsubscribes.push(conn.subscribe(topic, handler));
    this.everywhere.add(sub);
    return () => {
      if (!this.everywhere.delete(sub)) return;
      for (const u of sub.unsubscribes) u();
    };
  }

  /** Waits until every current connection has connected once. */
  async waitConnected(timeoutMs = 30_000): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.waitConnected(timeoutMs)));
  }

  /** Resolves when every connection's pending SUBSCRIBE / UNSUBSCRIBE has been answered. */
  async settled(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.settled()));
  }

  status(): BrokerStatus[] {
    return [...this.connections.values()].map((c) => c.status());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.everywhere.clear();
    await Promise.all([...this.connections.values()].map((c) => c.close()));
    this.connections.clear();
  }
}
