/**
 * Yoga plugins that protect /graphql: the Origin of state-changing requests, CSRF prevention, a size limit for
 * non-multipart bodies, and graphql-armor-like limits on operations (tokens, depth, aliases) that apply over HTTP and
 * WebSocket alike.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLError, Kind, parse, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { changesState, refusedOrigin } from '../http/server.js';
import { isMultipart } from './streaming-uploads.js';

/** The extension code of a request refused for its Origin (HTTP 403; websocket upgrades answer the same). */
export const ORIGIN_NOT_ALLOWED = 'ORIGIN_NOT_ALLOWED';

export const graphqlErrorBody = (message: string, extensions: Record<string, unknown>) => JSON.stringify({ errors: [{ message, extensions }] });

/**
 * A POST (or any method but GET/HEAD/OPTIONS) from another site's page is refused with 403 before its body is read,
 * unless GASFLUX_CORS_ORIGINS lists that origin explicitly (`*` lets any origin read, never write). Requests without
 * Origin (non-browser clients) and from this server's own pages (GraphiQL, the web page) pass. See refusedOrigin.
 */
export function useOriginCheck(allowedOrigins: readonly string[], message: (request: Request, origin: string) => string): Plugin<object, { req?: IncomingMessage }> {
  return {
    onRequestParse({ request, serverContext, endResponse, fetchAPI }) {
      if (!changesState(request.method) || !serverContext.req) return;
      const origin = refusedOrigin(serverContext.req, allowedOrigins);
      if (origin === null) return;
      endResponse(
        new fetchAPI.Response(graphqlErrorBody(message(request, origin), { code: ORIGIN_NOT_ALLOWED, origin }), {
          status: 403,
          headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' },
        }),
      );
    },
  };
}

/** The header browsers cannot send cross-site without a CORS preflight. Yoga's own CSRF plugin uses the same name. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';
/** Any of these will do (any value): Yoga's, and Apollo Server's two (what apollo-upload-client users are told to send). */
export const CSRF_HEADERS = [CSRF_HEADER, 'apollo-require-preflight', 'x-apollo-operation-name'] as const;

/** Content types a browser form can send cross-site without a preflight. */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * CSRF prevention (as Apollo and Yoga do it): a request that a cross-site page could send without a CORS preflight
 * (a GET, or a POST with a form-like or no content type, e.g. a multipart upload) must carry one of the CSRF headers.
 * JSON POSTs are preflighted by browsers and pass as they are.
 */
export function useCsrfPrevention(message: (request: Request) => string): Plugin {
  return {
    onRequestParse({ request, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS') return;
      const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const preflighted = request.method === 'POST' && contentType !== '' && !SIMPLE_CONTENT_TYPES.includes(contentType);
      if (preflighted || CSRF_HEADERS.some((name) => request.headers.has(name))) return;
      const body = { errors: [{ message: message(request), extensions: { code: 'CSRF_HEADER_REQUIRED', header: CSRF_HEADER, accepted: CSRF_HEADERS } }] };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 403, headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' } }));
    },
  };
}

/**
 * Yoga's own body limit is off (it would refuse large uploads by Content-Length); multipart has its own limit in the
 * streaming parser. Other bodies (JSON, GraphQL strings, forms) must declare their length and stay under `maxBytes`.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  const refuse = (status: 411 | 413, message: string, Response: typeof globalThis.Response) =>
    new Response(JSON.stringify({ errors: [{ message, extensions: { code: status === 413 ? 'REQUEST_ENTITY_TOO_LARGE' : 'LENGTH_REQUIRED' } }] }), {
      status,
      headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' },
    });
  return {
    onRequestParse({ request, endResponse, fetchAPI }) {
      if (request.method === 'GET' || request.method === 'OPTIONS' || request.method === 'HEAD' || isMultipart(request)) return;
      const length = request.headers.get('content-length');
      if (length === null) {
        if (request.headers.get('transfer-encoding')) endResponse(refuse(411, 'A GraphQL request body must have a Content-Length', fetchAPI.Response));
        return;
      }
      if (!/^\d+$/.test(length)) return endResponse(refuse(411, 'Content-Length is invalid', fetchAPI.Response));
      if (Number(length) > maxBytes) endResponse(refuse(413, `A GraphQL request body may have at most ${maxBytes} bytes`, fetchAPI.Response));
    },
  };
}

export interface OperationLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
}

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

function depthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const depthOf = (selectionSet: SelectionSetNode, seen: Set<string>): number => {
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
          deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, seen) : 0));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else {
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic fragments are other rules' errors
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`Query depth limit of ${maxDepth} exceeded, found ${depth}.`, { nodes: [node], extensions: { code: 'QUERY_TOO_DEEP' } }));
        }
      },
    };
  };
}

function aliasRule(maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      Document: {
        leave(node) {
          if (aliases > maxAliases) {
            context.reportError(new GraphQLError(`Aliases limit of ${maxAliases} exceeded, found ${aliases}.`, { nodes: [node], extensions: { code: 'TOO_MANY_ALIASES' } }));
          }
        },
      },
    };
  };
}

/** Bounds what one operation may cost before it runs: tokens at parse time, depth and aliases at validation. */
export function useOperationLimits(limits: OperationLimits): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parse(source, { ...options, maxTokens: limits.maxTokens }));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(depthRule(limits.maxDepth));
      addValidationRule(aliasRule(limits.maxAliases));
    },
  };
}
