import type { NodeHandler } from '../server.js';
import type { AppServices } from '../../app-services.js';

// Initial router; the documented endpoints are added in their own modules.
export function createRestRouter(_services: AppServices): NodeHandler {
  return (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ code: 404, message: 'Not found', data: {} }));
  };
}
