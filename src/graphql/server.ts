import type http from 'node:http';
import type { NodeHandler } from '../http/server.js';
import type { AppServices } from '../app-services.js';

export interface GraphqlServer {
  path: string;
  handler: NodeHandler;
  /** Binds graphql-ws to the HTTP server's upgrade on the same path. */
  attach(server: http.Server): void;
  dispose(): Promise<void>;
}

// Initial placeholder; the Pothos schema and Yoga come in their own modules.
export function createGraphqlServer(_services: AppServices): GraphqlServer {
  return {
    path: '/graphql',
    handler: (_req, res) => {
      res.writeHead(404);
      res.end();
    },
    attach() {},
    async dispose() {},
  };
}
