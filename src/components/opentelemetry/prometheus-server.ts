/**
 * The `/metrics` listener of a `prometheus` exporter (krakend-otel `exporter/prometheus`): the text
 * exposition of the collected metrics, named as the Go exporter names them (dots to underscores,
 * `_total` on counters, `target_info` for the resource, `otel_scope_name` on every series). It runs in
 * the process that sees the whole instance: the gateway itself, or the primary of `run -w N`.
 * A port in use is logged and the gateway serves on without it, as KrakenD does.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../server/logger.js';
import type { OtelSdk } from './sdk.js';
import type { PrometheusExporterSettings } from './settings.js';

const LOG_PREFIX = '[SERVICE: OpenTelemetry][Prometheus]';

export function startPrometheusServer(
  exporter: PrometheusExporterSettings,
  collect: () => Promise<ScopeMetrics[]>,
  resource: ResourceMetrics['resource'],
  sdk: OtelSdk,
  logger: Pick<Logger, 'info' | 'error'>,
): Server {
  const serializer = new sdk.prometheus.PrometheusSerializer();
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') return plain(response, 404, '404 page not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'method not allowed\n');
    collect().then(
      (scopeMetrics) => {
        const body = serializer.serialize({ resource, scopeMetrics });
        response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.error(`${LOG_PREFIX} cannot collect the metrics: ${(error as Error).message}`);
        plain(response, 500, 'cannot collect the metrics\n');
      },
    );
  });
  server.headersTimeout = 3_000;
  server.requestTimeout = 10_000;
  const where = `${exporter.host}:${exporter.port}`;
  server.on('error', (error) => logger.error(`${LOG_PREFIX} exporter "${exporter.name}" cannot listen on ${where}: ${error.message}; its /metrics is not served`));
  server.listen(exporter.port, exporter.host, () => logger.info(`${LOG_PREFIX} exporter "${exporter.name}" serves /metrics on ${where}`));
  return server;
}

function plain(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

export function closePrometheusServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
