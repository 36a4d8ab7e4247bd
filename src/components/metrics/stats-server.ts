/**
 * The stats listener of `telemetry/metrics`: `GET /__stats` answers the metrics as JSON, like
 * krakend-metrics' gin engine (`/__stats/` redirects there, other paths 404, other methods 405). It runs
 * in the process that sees the whole instance: the gateway itself, or the primary of `run -w N`.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Logger } from '../../core/logger.js';
import { renderStats } from './registry.js';
import type { MetricsSnapshot } from './registry.js';
import type { MetricsSettings } from './settings.js';

export const STATS_PATH = '/__stats';
const LOG_PREFIX = '[SERVICE: Stats]';

export function startStatsServer(settings: MetricsSettings, collect: () => Promise<MetricsSnapshot>, logger: Logger): Server {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === `${STATS_PATH}/`) {
      // gin's RedirectTrailingSlash, as krakend-metrics' engine has it.
      const body = request.method === 'GET' ? `<a href="${STATS_PATH}">Moved Permanently</a>.\n\n` : '';
      response.writeHead(request.method === 'GET' ? 301 : 307, { Location: STATS_PATH, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    if (path !== STATS_PATH) return plain(response, 404, '404 page not found');
    if (request.method !== 'GET') return plain(response, 405, '405 method not allowed', { Allow: 'GET' });
    collect().then(
      (snapshot) => {
        const body = renderStats(snapshot, process.argv);
        response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        response.end(body);
      },
      (error: unknown) => {
        logger.error(`${LOG_PREFIX} cannot collect the metrics: ${(error as Error).message}`);
        plain(response, 500, '');
      },
    );
  });
  // Go's http.Server with ReadHeaderTimeout 3s.
  server.headersTimeout = 3_000;
  server.requestTimeout = 10_000;
  server.on('error', (error) => logger.error(`${LOG_PREFIX} the stats listener on ${settings.listenAddress} failed: ${error.message}; /__stats is not served`));
  server.listen(settings.port, settings.host, () => logger.info(`${LOG_PREFIX} /__stats served on ${settings.host}:${settings.port}`));
  return server;
}

function plain(response: import('node:http').ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

export function closeStatsServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
