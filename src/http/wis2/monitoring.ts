/** GET /health (always 200; `status` says) and GET /metrics (Prometheus text, the reference's metric names). */
import { jsonContent, ref } from './openapi.js';
import { json, type Wis2Reply, type Wis2Route } from './route.js';
import type { Wis2Services } from './route.js';

const plainText = { 'text/plain': { schema: { type: 'string' } } };

/** Prometheus text, or as the reference a plain-text 500 `Error generating metrics`. */
async function renderMetrics({ metrics, log }: Wis2Services): Promise<Wis2Reply> {
  try {
    return { status: 200, text: await metrics.render(), contentType: metrics.contentType };
  } catch (error) {
    log?.error({ err: error }, 'WIS2 metrics rendering failed');
    return { status: 500, text: 'Error generating metrics', contentType: 'text/plain; charset=utf-8' };
  }
}

export const MONITORING_ROUTES: Wis2Route[] = [
  {
    method: 'GET',
    path: '/health',
    operationId: 'healthCheck',
    summary: 'Health (always 200)',
    tags: ['Monitoring'],
    head: true,
    schemas: { responses: { 200: { description: 'healthy or unhealthy', content: jsonContent(ref('HealthResponse')) } } },
    async handle(call) {
      return json(200, { status: (await call.services.subscriptions.healthy()) ? 'healthy' : 'unhealthy' });
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (wis2downloader_*)',
    tags: ['Monitoring'],
    head: true,
    schemas: {
      responses: {
        200: { description: 'Prometheus text exposition format 0.0.4', content: plainText },
        500: { description: 'Error generating metrics', content: plainText },
      },
    },
    handle: (call) => renderMetrics(call.services),
  },
];
