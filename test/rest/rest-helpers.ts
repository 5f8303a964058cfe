/** Helpers for the REST tests: raw node:http requests (no URL normalisation), multipart bodies, polling. */
import http from 'node:http';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  /** A whole body, or chunks streamed with backpressure (chunked unless a content-length header is given). */
  body?: Buffer | string | AsyncIterable<Buffer> | Iterable<Buffer>;
}

/** One request with node:http, the path sent exactly as given. Resolves on the response even if the body is still being sent. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // A keep-alive agent of its own, so the server's `connection` header is its own decision.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const req = http.request({ host: hostname, port, method: request.method ?? 'GET', path: request.path, headers: request.headers, agent });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown = undefined;
        if (String(res.headers['content-type'] ?? '').includes('json')) json = JSON.parse(body.toString('utf8'));
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on('error', reject);
    });
    // After an early answer the server may stop reading: a write error then is expected, not a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const body = request.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else pipeline(Readable.from(body), req).catch(() => {});
  });
}

export const CRLF = '\r\n';

export interface FilePart {
  name: string;
  filename?: string;
  contentType?: string;
  /** The content, or its chunks (streamed). */
  content: Buffer | string | Iterable<Buffer> | AsyncIterable<Buffer>;
}

/** A multipart/form-data body as a stream of chunks, for curl-like uploads without holding big files in memory. */
export function multipart(parts: FilePart[], boundary = `----gasflux-test-${Math.random().toString(16).slice(2)}`) {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const part of parts) {
      const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
      const type = part.filename !== undefined ? `${CRLF}Content-Type: ${part.contentType ?? 'application/octet-stream'}` : '';
      yield Buffer.from(`--${boundary}${CRLF}Content-Disposition: ${disposition}${type}${CRLF}${CRLF}`);
      const content = part.content;
      if (typeof content === 'string' || Buffer.isBuffer(content)) yield Buffer.from(content);
      else for await (const chunk of content) yield chunk;
      yield Buffer.from(CRLF);
    }
    yield Buffer.from(`--${boundary}--${CRLF}`);
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, chunks };
}

/** `total` bytes in `chunkSize` pieces, starting with `head`; one buffer is reused (never changed), so nothing big is held. */
export function* bytes(total: number, head: Buffer = Buffer.alloc(0), chunkSize = 1024 * 1024): Generator<Buffer> {
  const chunk = Buffer.alloc(chunkSize, 0x41);
  let sent = 0;
  while (sent < total) {
    const n = Math.min(chunkSize, total - sent);
    if (sent === 0 && head.length > 0) {
      const first = Buffer.alloc(n, 0x41);
      head.copy(first);
      yield first;
    } else yield n === chunkSize ? chunk : chunk.subarray(0, n);
    sent += n;
  }
}

/** A small multipart body in one buffer (for requests that declare their content-length). */
export async function multipartBuffer(parts: FilePart[]): Promise<{ contentType: string; body: Buffer }> {
  const built = multipart(parts);
  const all: Buffer[] = [];
  for await (const chunk of built.chunks()) all.push(chunk);
  return { contentType: built.contentType, body: Buffer.concat(all) };
}

export async function getJson(baseUrl: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${baseUrl}${path}`, init);
  return { status: res.status, headers: res.headers, json: await res.json() };
}

/** The process still answers: after a stats reset (so earlier 4xx do not count), GET /health is 200 and healthy. */
export async function assertStillServing(baseUrl: string): Promise<void> {
  const reset = await fetch(`${baseUrl}/stats/reset`, { method: 'POST' });
  assert.equal(reset.status, 200);
  await reset.arrayBuffer();
  const health = await getJson(baseUrl, '/health');
  assert.equal(health.status, 200, JSON.stringify(health.json));
  assert.equal(health.json.status, 'healthy');
}

/** Polls GET /task/{id}, collecting every answer, until `done` holds for one. */
export async function pollTask(baseUrl: string, taskId: string, done: (body: { status: string }) => boolean, timeoutMs = 30_000) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const seen: any[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, json } = await getJson(baseUrl, `/task/${taskId}`);
    assert.equal(status, 200, JSON.stringify(json));
    seen.push(json);
    if (done(json)) return { last: json, seen };
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${json.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export const finished = (body: { status: string }) => body.status === 'completed' || body.status === 'failed';

export function entries(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch {
    return [];
  }
}
