/**
 * Talking to the running service's /graphql in tests: typed operations over HTTP (JSON and the multipart request
 * spec) and over graphql-ws, using the documents and types generated into client/.
 */
import assert from 'node:assert/strict';
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CSRF_HEADER } from '../../src/graphql/protection.ts';

export { CSRF_HEADER };

export interface GraphqlResponse<T> {
  status: number;
  headers: Headers;
  body: ExecutionResult<T> & { errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POSTs a JSON operation (browsers preflight JSON, so it needs no CSRF header). */
export async function graphqlRequest<T, V>(
  baseUrl: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphqlResponse<T>['body'] };
}

/** The data of an operation that must succeed without GraphQL errors. */
export async function expectData<T, V>(baseUrl: string, document: TypedDocumentNode<T, V>, variables?: V, headers?: Record<string, string>): Promise<T> {
  const { status, body } = await graphqlRequest(baseUrl, document, variables, headers);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.equal(status, 200);
  assert.ok(body.data);
  return body.data;
}

export interface UploadPart {
  /** The variable path, e.g. `variables.file`. */
  path: string;
  filename: string;
  content: Uint8Array | string;
  type?: string;
}

/** A GraphQL multipart request (operations, map, then one part per file), as browsers and apollo-upload-client send it. */
export function multipartBody<V>(document: TypedDocumentNode<unknown, V>, variables: V, files: UploadPart[]): FormData {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(document), variables }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map((file, index) => [String(index), [file.path]]))));
  files.forEach((file, index) => {
    const bytes = typeof file.content === 'string' ? new TextEncoder().encode(file.content) : file.content;
    form.append(String(index), new Blob([bytes as Uint8Array<ArrayBuffer>], { type: file.type ?? 'application/octet-stream' }), file.filename);
  });
  return form;
}

export async function graphqlUpload<T, V>(
  baseUrl: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  files: UploadPart[],
  headers: Record<string, string> = { [CSRF_HEADER]: '1' },
): Promise<GraphqlResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: multipartBody(document, variables, files) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/** A graphql-ws client on the service's /graphql; dispose it after the test. */
export function wsClient(baseUrl: string, options: { headers?: Record<string, string> } = {}): Client {
  class HeaderWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: options.headers });
    }
  }
  return createClient({ url: `${baseUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: HeaderWebSocket, retryAttempts: 0, lazy: true });
}

/** Runs a subscription until `stop` says so (or it completes); returns everything it yielded. */
export async function collect<T, V>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
  options: { stop?: (value: ExecutionResult<T>, all: ExecutionResult<T>[]) => boolean; onFirst?: () => unknown; timeoutMs?: number } = {},
): Promise<ExecutionResult<T>[]> {
  const seen: ExecutionResult<T>[] = [];
  const iterator = client.iterate<T>({ query: print(document), variables: variables as Record<string, unknown> });
  const timeout = setTimeout(() => void iterator.return?.(), options.timeoutMs ?? 30_000);
  try {
    for await (const value of iterator) {
      seen.push(value as ExecutionResult<T>);
      if (seen.length === 1) await options.onFirst?.();
      if (options.stop?.(value as ExecutionResult<T>, seen)) break;
    }
  } finally {
    clearTimeout(timeout);
  }
  return seen;
}
