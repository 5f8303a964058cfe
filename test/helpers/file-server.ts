/**
 * The file server of the tests that download: a local HTTP server whose answers each test chooses, path by path
 * (`serve`, `files`) or by a rule for the paths it has not listed (`fallback`). It records what it saw: hits per path,
 * each request's Host and Authorization headers, connections, and the most requests it was answering at once.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';

/** `authorization`: the exact header required, else 401. `delayMs`: how long before answering. */
export type Answer = { status?: number; body?: Buffer; headers?: Record<string, string>; authorization?: string; delayMs?: number };

/** What the file server saw of one request: the path, the Host header and the Authorization header (null when absent). */
export interface SeenRequest {
  path: string;
  host: string;
  authorization: string | null;
}

export interface FileServerOptions {
  /** Where it listens; default 127.0.0.1 (`::` for every interface, both stacks). */
  host?: string;
}

export class FileServer {
  readonly files = new Map<string, Answer>();
  /** The answer to a path not in `files` (its `hit` counts from 1); unknown paths are 404 without one. */
  fallback: ((path: string, hit: number) => Answer | undefined) | null = null;
  readonly hits = new Map<string, number>();
  readonly requests: SeenRequest[] = [];
  connections = 0;
  /** The most requests that were being answered at once (see `delayMs`). */
  mostInFlight = 0;
  private inFlight = 0;
  private server: Server | null = null;
  base = '';

  constructor(private readonly options: FileServerOptions = {}) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req).then(({ status, headers, body }) => res.writeHead(status, headers).end(body)));
    this.server.on('connection', () => void (this.connections += 1));
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.base = `http://${host === '::' ? '[::1]' : host}:${port}`;
  }

  private async answer(req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: Buffer | string }> {
    const path = (req.url ?? '/').split('?')[0];
    const hit = (this.hits.get(path) ?? 0) + 1;
    this.hits.set(path, hit);
    this.requests.push({ path, host: req.headers.host ?? '', authorization: req.headers.authorization ?? null });
    const answer = this.files.get(path) ?? this.fallback?.(path, hit);
    if (!answer) return { status: 404, headers: {}, body: 'not found' };
    if (answer.authorization && req.headers.authorization !== answer.authorization) return { status: 401, headers: {}, body: 'unauthorized' };
    if (answer.delayMs) {
      this.inFlight += 1;
      this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      this.inFlight -= 1;
    }
    return { status: answer.status ?? 200, headers: { 'content-type': 'application/octet-stream', ...answer.headers }, body: answer.body ?? Buffer.alloc(0) };
  }

  /** Serves `body` at `path` and returns its URL. */
  serve(path: string, body: Buffer, answer: Omit<Answer, 'body'> = {}): string {
    this.files.set(path, { ...answer, body });
    return `${this.base}${path}`;
  }

  /** Forgets what it saw (not what it serves). */
  forget(): void {
    this.hits.clear();
    this.requests.length = 0;
    this.connections = 0;
    this.mostInFlight = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Registers hooks that start a file server for the enclosing suite and stop it; its `base` is set once it runs. */
export function useFileServer(options: FileServerOptions = {}): FileServer {
  const files = new FileServer(options);
  before(() => files.start());
  after(() => files.stop());
  return files;
}
