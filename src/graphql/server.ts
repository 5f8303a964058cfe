/**
 * GraphQL over HTTP (Yoga: queries, mutations, multipart uploads, SSE subscriptions) and over WebSocket (graphql-ws),
 * both through Yoga's envelop, so the same plugins, context and error masking apply to every transport.
 */
import type http from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { createYoga, maskError as defaultMaskError, type YogaLogger } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { NodeHandler } from '../http/server.js';
import type { AppServices } from '../app-services.js';
import type { Logger } from '../logger.js';
import { schema } from '../../schema/index.js';
import type { GraphqlContext } from '../../schema/builder.js';
import { messages } from '../../schema/messages.js';
import { contextFactory, languageOf, type ServerContext } from './context.js';
import { useStreamingUploads } from './streaming-uploads.js';
import { CSRF_HEADER, useBodyLimit, useCsrfPrevention, useOperationLimits } from './protection.js';

export interface GraphqlServer {
  path: string;
  handler: NodeHandler;
  /** Binds graphql-ws to the HTTP server's upgrade on the same path. */
  attach(server: http.Server): void;
  dispose(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';
/** Bodies other than multipart uploads (JSON operations). */
const MAX_OPERATION_BODY_BYTES = 1024 * 1024;
const MAX_WS_MESSAGE_BYTES = 1024 * 1024;
export const OPERATION_LIMITS = { maxTokens: 5000, maxDepth: 12, maxAliases: 30 };

function yogaLogger(log: Logger): YogaLogger {
  const child = log.child({ source: 'graphql' });
  return {
    debug: (...args) => child.debug({ details: args }, 'graphql'),
    info: (...args) => child.info({ details: args }, 'graphql'),
    warn: (...args) => child.warn({ details: args }, 'graphql'),
    error: (...args) => child.error({ err: args[0] instanceof Error ? args[0] : undefined, details: args }, 'graphql error'),
  };
}

/** Browsers send Origin on a WebSocket upgrade; cross-site pages are refused unless CORS allows their origin. */
function originAllowed(origin: string | undefined, allowed: string[]): boolean {
  return origin === undefined || allowed.length === 0 || allowed.includes('*') || allowed.includes(origin);
}

export function createGraphqlServer(services: AppServices): GraphqlServer {
  const { config, log } = services;
  const logger = yogaLogger(log);
  const language = (request: Request) => languageOf(request.headers.get('accept-language'));

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
      useCsrfPrevention((request) =>
        language(request) === 'en'
          ? `Required CSRF header ${CSRF_HEADER} (or apollo-require-preflight) not present`
          : `缺少必需的 CSRF 请求头 ${CSRF_HEADER}(或 apollo-require-preflight)`,
      ),
      useBodyLimit(MAX_OPERATION_BODY_BYTES),
      useStreamingUploads({
        stagingFolder: join(config.uploadFolder, '.incoming'),
        maxFileBytes: config.maxContentLength,
        tooLargeMessage: (request) => messages.tooLarge(config.maxContentLength)[language(request)],
      }),
      useOperationLimits(OPERATION_LIMITS),
    ],
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  const ws = useServer(
    {
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
  );

  let attached: { server: http.Server; onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void } | null = null;

  return {
    path: GRAPHQL_PATH,
    handler: (req, res) => yoga(req, res),
    attach(server) {
      const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        if ((req.url ?? '').split('?')[0] !== GRAPHQL_PATH) {
          // Another upgrade listener may serve other paths; if there is none, nobody will.
          if (server.listenerCount('upgrade') === 1) socket.destroy();
          return;
        }
        if (!originAllowed(req.headers.origin, config.corsOrigins)) {
          socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
      };
      server.on('upgrade', onUpgrade);
      attached = { server, onUpgrade };
    },
    async dispose() {
      if (attached) attached.server.off('upgrade', attached.onUpgrade);
      attached = null;
      await ws.dispose();
      await yoga.dispose();
    },
  };
}
