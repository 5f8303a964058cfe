/**
 * GraphQL over HTTP (Yoga: queries, mutations, multipart uploads, SSE subscriptions) and over WebSocket (graphql-ws),
 * both through Yoga's envelop, so the same plugins, context and error masking apply to every transport.
 *
 * Websockets have their own bounds (config.websockets; they do not count against GASFLUX_CONNECTION_LIMIT): at most
 * GASFLUX_WS_MAX_CONNECTIONS open (the next upgrade is answered 503 WEBSOCKET_LIMIT) and GASFLUX_WS_MAX_PER_CLIENT per
 * client address (429 WEBSOCKET_CLIENT_LIMIT); `connection_init` within GASFLUX_WS_INIT_TIMEOUT_MS (else closed 4408);
 * a ping every GASFLUX_WS_PING_INTERVAL_MS, and a socket that has not answered by the next one is terminated.
 * Refused upgrades are answered before the handshake, with a GraphQL-style JSON body `{errors: [{message, extensions: {code}}]}`.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { createYoga, maskError as defaultMaskError, type YogaLogger } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { refusedOrigin, type NodeHandler, type UpgradeHandler } from '../http/server.js';
import type { AppServices } from '../app-services.js';
import type { Logger } from '../logger.js';
import { schema } from '../../schema/index.js';
import type { GraphqlContext } from '../../schema/builder.js';
import { messages } from '../../schema/messages.js';
import { pickLanguage } from '../domain/language.js';
import { contextFactory, type ServerContext } from './context.js';
import { useStreamingUploads } from './streaming-uploads.js';
import { CSRF_HEADER, graphqlErrorBody, ORIGIN_NOT_ALLOWED, useBodyLimit, useCsrfPrevention, useOperationLimits, useOriginCheck } from './protection.js';

export interface GraphqlServer {
  path: string;
  handler: NodeHandler;
  /** The HTTP server's upgrade handler: graphql-ws on the same path, within the websocket bounds. */
  upgrade: UpgradeHandler;
  dispose(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';
/** Bodies other than multipart uploads (JSON operations). */
const MAX_OPERATION_BODY_BYTES = 1024 * 1024;
const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

function yogaLogger(log: Logger): YogaLogger {
  const child = log.child({ source: 'graphql' });
  return {
    debug: (...args) => child.debug({ details: args }, 'graphql'),
    info: (...args) => child.info({ details: args }, 'graphql'),
    warn: (...args) => child.warn({ details: args }, 'graphql'),
    error: (...args) => child.error({ err: args[0] instanceof Error ? args[0] : undefined, details: args }, 'graphql error'),
  };
}

/** Extension codes of refused websocket upgrades (with ORIGIN_NOT_ALLOWED). */
export const WEBSOCKET_LIMIT = 'WEBSOCKET_LIMIT';
export const WEBSOCKET_CLIENT_LIMIT = 'WEBSOCKET_CLIENT_LIMIT';

type Words = { zh: string; en: string };

const UPGRADE_WORDS = {
  notFound: (): Words => ({ zh: `此路径没有 WebSocket 服务;请连接 ${GRAPHQL_PATH}`, en: `No websocket endpoint here; connect to ${GRAPHQL_PATH}` }),
  origin: (origin: string): Words => ({
    zh: `拒绝来自 ${origin} 的 WebSocket 连接:只接受本服务自己的页面和 GASFLUX_CORS_ORIGINS 中明确列出的来源`,
    en: `WebSocket from origin ${origin} refused: only this service's own pages and origins listed in GASFLUX_CORS_ORIGINS may open one`,
  }),
  total: (max: number): Words => ({
    zh: `WebSocket 连接已达上限(${max} 个,GASFLUX_WS_MAX_CONNECTIONS),请稍后重试`,
    en: `Too many websocket connections (at most ${max}, GASFLUX_WS_MAX_CONNECTIONS); try again later`,
  }),
  perClient: (max: number): Words => ({
    zh: `此客户端的 WebSocket 连接已达上限(${max} 个,GASFLUX_WS_MAX_PER_CLIENT);请先关闭一个`,
    en: `Too many websocket connections from this client (at most ${max}, GASFLUX_WS_MAX_PER_CLIENT); close one first`,
  }),
};

/** Answers an upgrade request with an HTTP error instead of switching protocols, then closes the socket. */
function refuseUpgrade(socket: Duplex, status: 403 | 404 | 429 | 503, message: string, extensions: Record<string, unknown>): void {
  const body = graphqlErrorBody(message, extensions);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** The client's address, IPv4-mapped IPv6 written as IPv4 (one client, one key). */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function createGraphqlServer(services: AppServices): GraphqlServer {
  const { config, log } = services;
  const logger = yogaLogger(log);
  const language = (request: Request) => pickLanguage(request.headers.get('accept-language'));

  const yoga = createYoga<ServerContext, GraphqlContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: contextFactory(services),
    logging: logger,
    landingPage: false,
    graphiql: { title: 'GasFlux API', subscriptionsProtocol: 'WS', headers: JSON.stringify({ [CSRF_HEADER]: '1' }) },
    // Self-hosted GraphiQL: its assets are inlined, so the IDE works offline (the default loads them from a CDN).
    renderGraphiQL,
    cors: { origin: config.corsOrigins, credentials: false },
    // Multipart is parsed by useStreamingUploads; other bodies are bounded by useBodyLimit.
    multipart: false,
    maxRequestBodySize: false,
    batching: false,
    maskedErrors: {
      isDev: config.debug,
      maskError: (error, message, isDev) => {
        const masked = defaultMaskError(error, message, isDev);
        if (masked !== error) log.error({ err: (error as { originalError?: unknown }).originalError ?? error }, 'graphql resolver failed');
        return masked;
      },
    },
    plugins: [
      useOriginCheck(config.corsOrigins, (request, origin) =>
        language(request) === 'en'
          ? `Requests that change data are not accepted from origin ${origin}; send them from this service's own pages, or list the origin in GASFLUX_CORS_ORIGINS`
          : `不接受来自 ${origin} 的修改请求;请从本服务自己的页面发送,或将该来源加入 GASFLUX_CORS_ORIGINS`,
      ),
      useCsrfPrevention((request) =>
        language(request) === 'en'
          ? `Required CSRF header ${CSRF_HEADER} (or apollo-require-preflight) not present`
          : `缺少必需的 CSRF 请求头 ${CSRF_HEADER}(或 apollo-require-preflight)`,
      ),
      useBodyLimit(MAX_OPERATION_BODY_BYTES),
      useStreamingUploads({
        stagingFolder: join(config.uploadFolder, '.incoming'),
        maxFileBytes: config.maxContentLength,
        maxParts: config.maxFormParts,
        tooLargeMessage: (request) => messages.tooLarge(config.maxContentLength)[language(request)],
      }),
      useOperationLimits(config.graphqlLimits),
    ],
  });

  const limits = config.websockets;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  const ws = useServer(
    {
      connectionInitWaitTimeout: limits.initTimeoutMs,
      execute: (args) => (args as ExecutionArgs & { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args as ExecutionArgs & { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (context, _id, payload) => {
        const enveloped = yoga.getEnveloped({ ...context, req: context.extra.request, socket: context.extra.socket, params: payload });
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [error as never];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const args = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          execute: enveloped.execute,
          subscribe: enveloped.subscribe,
        };
        return args;
      },
    },
    wss,
    limits.pingIntervalMs,
  );

  // Sockets are counted from the accepted upgrade until they close (handshakes in flight included).
  let open = 0;
  const perClient = new Map<string, number>();

  return {
    path: GRAPHQL_PATH,
    handler: (req, res) => yoga(req, res),
    upgrade(req, socket, head) {
      const lang = pickLanguage(req.headers['accept-language']);
      if ((req.url ?? '').split('?')[0] !== GRAPHQL_PATH) {
        return refuseUpgrade(socket, 404, UPGRADE_WORDS.notFound()[lang], { code: 'NOT_FOUND' });
      }
      // Browsers send Origin on a WebSocket upgrade (and no preflight): other sites' pages are refused unless listed.
      const origin = refusedOrigin(req, config.corsOrigins);
      if (origin !== null) return refuseUpgrade(socket, 403, UPGRADE_WORDS.origin(origin)[lang], { code: ORIGIN_NOT_ALLOWED, origin });
      if (open >= limits.maxConnections) {
        return refuseUpgrade(socket, 503, UPGRADE_WORDS.total(limits.maxConnections)[lang], { code: WEBSOCKET_LIMIT, limit: limits.maxConnections });
      }
      const client = clientAddress(req);
      const fromClient = perClient.get(client) ?? 0;
      if (limits.maxPerClient > 0 && fromClient >= limits.maxPerClient) {
        return refuseUpgrade(socket, 429, UPGRADE_WORDS.perClient(limits.maxPerClient)[lang], { code: WEBSOCKET_CLIENT_LIMIT, limit: limits.maxPerClient });
      }
      open += 1;
      perClient.set(client, fromClient + 1);
      socket.once('close', () => {
        open -= 1;
        const left = (perClient.get(client) ?? 1) - 1;
        if (left > 0) perClient.set(client, left);
        else perClient.delete(client);
      });
      wss.handleUpgrade(req, socket, head, (webSocket) => wss.emit('connection', webSocket, req));
    },
    async dispose() {
      await ws.dispose(); // upgrades from now on: 503 from ws
      await yoga.dispose();
    },
  };
}
